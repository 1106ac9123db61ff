/**
 * The admin routes added for the console, through the API on a sandbox hub on PostgreSQL:
 * the Decree 13 access report (JSON and CSV, the ID only in the body, the report audited and
 * listing itself, other people's accesses absent), recent upstream failures (a population
 * outage seen through the hub), documents sent over the axis with their sending state, and the
 * `edxml:inspect` verdict on quarantined packages (one readable, one not).
 */
import t from 'tap'
import pg from 'pg'
import { startTestHub, TEST_DATABASE_URL, type TestHub } from '../helpers/hub.js'
import { waitFor } from '../helpers/dossier.js'
import { edocBody, G22 } from '../helpers/edocs.js'
import { sha256Hex } from '../../src/plugins/auth.js'
import { buildEdoc } from '../../connectors/document-axis/edxml.js'
import { SANDBOX_PROVINCE_UNIT } from '../../connectors/document-axis/simulator.js'

const AN = { personalId: '062090001234', fullName: 'Nguyễn Văn An', dateOfBirth: '1990-05-15' }
const READER_KEY = 'reader-key-0000-not-a-secret'

t.test('admin routes for the console', async (t) => {
  const hub: TestHub = await startTestHub('postgres', {
    clients: [{ name: 'reader', keySha256: sha256Hex(READER_KEY), scopes: ['citizens:read'] }],
  })
  t.teardown(() => hub.close())
  const lookup = (officer: string, purpose: string, person = AN) => hub.call('/v1/citizens/lookup', { body: person, headers: { 'x-officer-id': officer, 'x-purpose': purpose } })
  const report = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    hub.call('/admin/audit/access-report', { body, headers: { 'x-officer-id': 'TT-01', 'x-purpose': 'DON-YC-12-2026', ...headers } })

  await t.test('access report: every access to one ID, by whom, when, why; audited and listing itself', async (t) => {
    t.equal((await lookup('CB-0101', 'HS-2026-000777')).status, 200)
    t.equal((await lookup('CB-0102', '=cmd|calc')).status, 200)
    t.equal((await lookup('CB-0103', 'HS-OTHER', { personalId: '079085001235', fullName: 'Trần Thị Bình', dateOfBirth: '1985-02-20' })).status < 500, true)
    const res = await report({ personalId: AN.personalId })
    t.equal(res.status, 200)
    t.equal(res.body.subject, '062*******34')
    t.equal(res.body.truncated, false)
    const rows = res.body.accesses.map((a: any) => ({ client: a.client, officerId: a.officerId, purpose: a.purpose, connector: a.connector, operation: a.operation, outcome: a.outcome }))
    t.strictSame(rows, [
      { client: 'sandbox-demo', officerId: 'CB-0101', purpose: 'HS-2026-000777', connector: 'population', operation: 'lookup', outcome: 'ok' },
      { client: 'sandbox-demo', officerId: 'CB-0102', purpose: '=cmd|calc', connector: 'population', operation: 'lookup', outcome: 'ok' },
      { client: 'sandbox-demo', officerId: 'TT-01', purpose: 'DON-YC-12-2026', connector: 'ledger', operation: 'audit.access-report', outcome: 'ok' },
    ], 'the other person\'s access is absent; the report lists itself')
    t.ok(res.body.accesses.every((a: any) => !Number.isNaN(Date.parse(a.at)) && typeof a.requestId === 'string'), 'each with its time and request id')
    t.notOk(JSON.stringify(res.body).includes(AN.personalId), 'the ID is never shown unmasked')
    t.notOk(hub.logs.some((l) => l.includes(AN.personalId)), 'nor logged')

    const future = await report({ personalId: AN.personalId, from: '2099-01-01T00:00:00Z' })
    t.strictSame(future.body.accesses.map((a: any) => a.operation), [], 'a period filters: nothing after 2099 (the report itself is recorded now)')
  })

  await t.test('access report as CSV: a file to hand over, spreadsheet formulas neutralised', async (t) => {
    const res = await fetch(`${hub.url}/admin/audit/access-report`, {
      method: 'POST',
      headers: { authorization: 'Bearer lgsp-demo-key-0000-not-a-secret', 'content-type': 'application/json', 'x-officer-id': 'TT-01', 'x-purpose': 'export' },
      body: JSON.stringify({ personalId: AN.personalId, format: 'csv' }),
    })
    t.equal(res.status, 200)
    t.match(res.headers.get('content-type') ?? '', /^text\/csv/)
    t.match(res.headers.get('content-disposition') ?? '', /^attachment; filename="access-report-\d{4}-\d{2}-\d{2}\.csv"$/)
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(await res.arrayBuffer())
    t.ok(text.startsWith('\ufeff'), 'a byte order mark for spreadsheet programs')
    const lines = text.slice(1).trimEnd().split('\r\n')
    t.equal(lines[0], 'seq,at,client,officer_id,purpose,connector,operation,outcome,request_id')
    t.equal(lines.length, 1 + 5, 'header + 2 lookups + 3 reports so far')
    t.match(lines[2], /,CB-0102,'=cmd\|calc,population,lookup,ok,/)
    t.notOk(text.includes(AN.personalId))
  })

  await t.test('access report refusals: no purpose, an ID in a bad form, no admin scope', async (t) => {
    t.equal((await report({ personalId: AN.personalId }, { 'x-purpose': '' })).status, 400)
    t.equal((await report({ personalId: '06209000123x' })).status, 400)
    t.equal((await hub.call('/admin/audit/access-report?personalId=062090001234', { body: {} })).status, 400, 'the ID is a body field; a query string is refused')
    const reader = await hub.call('/admin/audit/access-report', { body: { personalId: AN.personalId }, headers: { authorization: `Bearer ${READER_KEY}` } })
    t.equal(reader.status, 403)
  })

  await t.test('recent upstream failures: a population outage seen through the hub', async (t) => {
    const sim = hub.simulators.population!.url
    await fetch(`${sim}/__sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 503, count: 20 }) })
    const failed = await lookup('CB-0104', 'HS-OUTAGE')
    t.ok(failed.status >= 500, `the lookup fails (${failed.status})`)
    await fetch(`${sim}/__sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({}) })
    const list = await waitFor('the failure listed', async () => {
      const r = await hub.call('/admin/upstream-errors?connector=population')
      return r.body.errors?.length > 0 ? r : undefined
    }, 5000)
    t.match(list.body.errors[0], { connector: 'population', operation: 'lookup', kind: /unavailable|circuit_open/, status: 503 })
    t.notOk(JSON.stringify(list.body).includes(AN.personalId), 'no personal ID in the view')
    const all = await hub.call('/admin/upstream-errors')
    t.ok(all.body.errors.length >= 1, 'listed across connectors too')
    t.equal((await hub.call('/admin/upstream-errors?connector=no-such')).status, 404)
    t.equal((await hub.call('/admin/upstream-errors?connector=Bad_Id')).status, 400)
  })

  await t.test('documents sent over the axis, newest first, with their sending state', async (t) => {
    const body = edocBody()
    const sent = await hub.call('/v1/edocs', { body })
    t.equal(sent.status, 202)
    const page = await hub.call('/admin/edocs?direction=outgoing&limit=10')
    t.equal(page.status, 200)
    const item = page.body.items.find((i: any) => i.id === sent.body.id)
    t.match(item, { direction: 'outgoing', documentId: sent.body.documentId, to: [G22.organId], subject: body.subject })
    t.ok(['pending', 'retrying', 'delivered'].includes(item.sending?.state), `sending state ${item.sending?.state}`)
    await waitFor('delivered to the axis', async () => (await hub.call('/admin/edocs?direction=outgoing')).body.items.find((i: any) => i.id === sent.body.id)?.sending?.state === 'delivered', 20_000)
    t.strictSame((await hub.call('/admin/edocs?direction=incoming')).body.items.filter((i: any) => i.id === sent.body.id), [], 'not among received ones')
    t.equal((await hub.call('/admin/edocs?direction=sideways')).status, 400)
  })

  await t.test('the edxml:inspect verdict on quarantined packages', async (t) => {
    const db = new pg.Client({ connectionString: TEST_DATABASE_URL })
    await db.connect()
    t.teardown(() => db.end())
    const good = buildEdoc({
      header: {
        from: G22, to: [{ organId: SANDBOX_PROVINCE_UNIT, organName: 'Trung tâm Phục vụ hành chính công' }],
        documentId: `${G22.organId},2026/11/26,77/VPCP-KSTT`, code: { number: '77', notation: 'VPCP-KSTT' },
        promulgation: { place: 'Hà Nội', date: '2026-11-26' }, documentType: { type: '1', typeName: 'Công văn' },
        subject: 'Văn bản kiểm tra', signer: { fullName: 'Lê Văn Cường' }, trace: [], business: { docType: 'new' },
      },
      attachments: [],
    })
    const insert = (docId: string, pkg: Buffer | null) => db.query(
      `INSERT INTO ${hub.schema}.edoc_receive_failures (axis_doc_id, message_type, from_organ, to_organs, failures, last_error, quarantined_at, package)
       VALUES ($1, 'edoc', $2, $3, 3, 'test', ${pkg ? 'now()' : 'NULL'}, $4)`, [docId, G22.organId, SANDBOX_PROVINCE_UNIT, pkg])
    await insert('Q-GOOD-1', good)
    await insert('Q-BAD-1', Buffer.from('<edXML:Envelope xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016"><broken'))
    await insert('R-RETRYING-1', null)

    const ok = await hub.call('/admin/edocs/receive-failures/Q-GOOD-1/inspection')
    t.equal(ok.status, 200)
    t.match(ok.body, { docId: 'Q-GOOD-1', inspection: { ok: true, kind: 'edoc', header: { subject: 'Văn bản kiểm tra' }, signature: { status: 'absent' } } })
    const bad = await hub.call('/admin/edocs/receive-failures/Q-BAD-1/inspection')
    t.equal(bad.status, 200)
    t.match(bad.body, { docId: 'Q-BAD-1', inspection: { ok: false, element: String, reason: String } })
    t.strictSame((await hub.call('/admin/edocs/receive-failures/R-RETRYING-1/inspection')).body, { docId: 'R-RETRYING-1', inspection: null }, 'a retrying package has no bytes kept')
    t.equal((await hub.call('/admin/edocs/receive-failures/NOPE/inspection')).status, 404)
    t.equal((await hub.call('/admin/edocs/receive-failures/has%20space/inspection')).status, 400)
  })
})
