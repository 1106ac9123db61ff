/**
 * Finding 8: another agency's dossier answered 403 and a missing one 404 (an existence oracle),
 * the refused read was not audited, and `agencyCode: "H44.H34"` passed for a `*.H34` client.
 */
import t from 'tap'
import { sha256Hex } from '../../src/plugins/auth.js'
import { startTestHub } from '../helpers/hub.js'
import { newCode, snapshot } from '../helpers/dossier.js'

const KEY = 'district-h34-key-not-a-secret'

t.test('another agency\'s dossier reads exactly like a missing one, and the refusal is audited', async (t) => {
  const hub = await startTestHub('pglite', { clients: [{ name: 'district-h34', keySha256: sha256Hex(KEY), scopes: ['dossiers:write', 'dossiers:read'], agencies: ['*.H34'] }] })
  t.teardown(() => hub.close())
  const theirs = newCode('oracle')
  const nobody = newCode('oracle')
  const put = await hub.call(`/v1/dossiers/${theirs}`, { method: 'PUT', body: snapshot(1, { procedureCode: '1.000001', agencyCode: '000.00.00.H44' }) })
  t.equal(put.status, 202)
  const asH34 = { authorization: `Bearer ${KEY}` }
  const other = await hub.call(`/v1/dossiers/${theirs}`, { headers: asH34 })
  const missing = await hub.call(`/v1/dossiers/${nobody}`, { headers: asH34 })
  t.equal(other.status, 404)
  t.strictSame({ ...other.body, detail: other.body.detail.replace(theirs, 'X'), instance: 'X' }, { ...missing.body, detail: missing.body.detail.replace(nobody, 'X'), instance: 'X' }, 'the same answer')

  const progress = (code: string) => hub.call(`/v1/dossiers/${code}/progress`, { headers: asH34, body: { id: 'step-1', status: 'processing', at: '2026-11-21T08:00:00+07:00', officer: 'CB-0001', unit: 'Bộ phận một cửa', content: 'Tiếp nhận' } })
  const [p1, p2] = [await progress(theirs), await progress(nobody)]
  t.strictSame([p1.status, p2.status], [404, 404], 'progress on another agency\'s dossier is a 404 too')

  const audit = await hub.call('/admin/audit/search', { body: { personalId: '062090001234' } })
  const reads = audit.body.records.filter((r: { operation: string }) => r.operation === 'dossier.read').map((r: { client: string; outcome: string }) => [r.client, r.outcome])
  t.strictSame(reads, [['district-h34', 'refused_agency']], 'the refused read is audited against the applicant')

  const stretched = await hub.call(`/v1/dossiers/${newCode('oracle')}`, { method: 'PUT', headers: asH34, body: snapshot(1, { procedureCode: '1.000001', agencyCode: 'H44.H34' }) })
  t.equal(stretched.status, 403, '*.H34 does not stretch over another province (H44.H34)')
  const own = await hub.call(`/v1/dossiers/${newCode('oracle')}`, { method: 'PUT', headers: asH34, body: snapshot(1, { procedureCode: '1.000001', agencyCode: '000.00.24.H34' }) })
  t.equal(own.status, 202, 'its own agencies still work')
})
