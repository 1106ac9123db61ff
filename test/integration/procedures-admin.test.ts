/**
 * The procedure catalogue route (cache fresh/miss/stale), admin routes, and client agency
 * restrictions, through a sandbox hub on PGlite with real Redis and the simulators.
 */
import t from 'tap'
import { startTestHub } from '../helpers/hub.js'
import { snapshot, waitFor } from '../helpers/dossier.js'
import { sha256Hex } from '../../src/plugins/auth.js'
import { SANDBOX_CREDENTIALS, SANDBOX_PROCEDURES, SANDBOX_PROVINCE_CODE } from '../../connectors/national-portal/simulator.js'

const AGENCY_KEY = 'agency-h99-key-not-a-secret'

t.test('procedures, admin and agency restrictions', async (t) => {
  const hub = await startTestHub('pglite', {
    procedures: { cacheTtlMs: 1000, staleTtlMs: 60_000 }, // 'fresh' must survive a loaded machine; the 1.1 s pause still outlives it
    sync: { reconcileEveryMs: 300, staleAfterMs: 1000 },
    connectors: { 'national-portal': { enabled: true, retry: { maxAttempts: 1 }, circuit: { failureThreshold: 100, windowMs: 10000, openMs: 300 } } },
    clients: [{ name: 'district-h99', keySha256: sha256Hex(AGENCY_KEY), scopes: ['dossiers:write', 'dossiers:read'], agencies: ['*.H99'] }],
  })
  t.teardown(() => hub.close())
  const simUrl = hub.simulators['national-portal']!.url
  const faults = (body?: unknown) => fetch(`${simUrl}/__sim/faults`, body === undefined ? { method: 'DELETE' } : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

  await t.test('a procedure is fetched, then served from cache, then stale with its age when the portal is down', async (t) => {
    const code = SANDBOX_PROCEDURES.birthRegistration
    const first = await hub.call(`/v1/procedures/${code}`)
    t.equal(first.status, 200)
    t.equal(first.body.cache.status, 'miss')
    t.equal(first.body.procedure.code, code)
    t.ok(first.body.procedure.requiredPapers.length >= 2, 'required papers mapped')
    t.equal((await hub.call(`/v1/procedures/${code}`)).body.cache.status, 'fresh')
    await new Promise((r) => setTimeout(r, 1100))
    await faults({ status: 503 })
    t.teardown(() => faults())
    const stale = await hub.call(`/v1/procedures/${code}`)
    t.equal(stale.status, 200)
    t.equal(stale.body.cache.status, 'stale')
    t.ok(stale.body.cache.ageSeconds >= 1, 'the age is given')
    t.match(stale.headers.get('warning'), /110/)
    const never = await hub.call(`/v1/procedures/${SANDBOX_PROCEDURES.deathRegistration}`)
    t.equal(never.status, 502, 'nothing cached and the portal down → 502 problem')
    t.equal(never.body.code, 'UPSTREAM_UNAVAILABLE')
    await faults()
    t.equal((await hub.call('/v1/procedures/9.999999')).status, 404)
    t.equal((await hub.call(`/v1/procedures/${code}`, { headers: { authorization: '' } })).status, 401)
  })

  await t.test('a client restricted to *.H99 may not write or read another agency\'s dossiers', async (t) => {
    const as = { authorization: `Bearer ${AGENCY_KEY}` }
    const own = `HS-AG-${hub.schema}-1`
    const other = `HS-AG-${hub.schema}-2`
    const base = { procedureCode: SANDBOX_PROCEDURES.birthRegistration }
    t.equal((await hub.call(`/v1/dossiers/${own}`, { method: 'PUT', headers: as, body: snapshot(1, { ...base, agencyCode: '000.12.34.H99' }) })).status, 202)
    const refused = await hub.call(`/v1/dossiers/${other}`, { method: 'PUT', headers: as, body: snapshot(1, { ...base, agencyCode: SANDBOX_PROVINCE_CODE }) })
    t.equal(refused.status, 403)
    t.equal(refused.body.code, 'FORBIDDEN')
    t.equal((await hub.call(`/v1/dossiers/${other}`, { method: 'PUT', body: snapshot(1, { ...base, agencyCode: SANDBOX_PROVINCE_CODE }) })).status, 202, 'the demo client may')
    t.equal((await hub.call(`/v1/dossiers/${other}`, { headers: as })).status, 404, 'another agency\'s dossier reads like a missing one (no existence oracle)')
    const listed = await hub.call('/v1/dossiers?limit=500', { headers: as })
    t.ok(listed.body.items.every((d: any) => d.agencyCode.endsWith('.H99')), 'the listing shows only its agencies')
    t.ok(listed.body.items.some((d: any) => d.code === own))
  })

  await t.test('admin: connectors with redacted config, queues, replay of a time window', async (t) => {
    const connectors = await hub.call('/admin/connectors')
    t.equal(connectors.status, 200)
    const portal = connectors.body.connectors.find((c: any) => c.id === 'national-portal')
    t.match(portal, { circuit: 'closed', health: { ok: true } })
    t.equal(portal.config.password, '[redacted]')
    t.notOk(JSON.stringify(connectors.body).includes(SANDBOX_CREDENTIALS.password), 'no secret in the admin view')

    const since = new Date(Date.now() - 1000).toISOString()
    const codes = [1, 2, 3].map((i) => `HS-WIN-${hub.schema}-${i}`)
    for (const code of codes) await hub.call(`/v1/dossiers/${code}`, { method: 'PUT', body: snapshot(1, { procedureCode: '9.000001', agencyCode: SANDBOX_PROVINCE_CODE }) })
    await waitFor('three dead letters', async () => (await hub.call(`/admin/dead-letters?target=national-portal&since=${since}`)).body.items.filter((d: any) => codes.includes(d.dossierCode)).length === 3)
    t.equal((await hub.call('/admin/queues')).body.targets['national-portal'].dead >= 3, true)
    await fetch(`${simUrl}/__sim/procedures`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: '9.000001', name: 'x', fields: [], channels: [], requiredPapers: [], results: [], agencies: [], active: true }) })
    const replay = await hub.call('/admin/dead-letters/replay', { body: { target: 'national-portal', since } })
    t.equal(replay.status, 202)
    t.equal(replay.body.replayed, 3)
    await waitFor('delivered after replay', async () => {
      const states = await Promise.all(codes.map(async (c) => (await hub.call(`/v1/dossiers/${c}`)).body.sync['national-portal'].state))
      return states.every((s) => s === 'delivered')
    })
    t.equal((await hub.call('/admin/dead-letters/replay', { body: { target: 'nowhere', since } })).status, 404)
    const noScope = await hub.call('/admin/queues', { headers: { authorization: `Bearer ${AGENCY_KEY}` } })
    t.equal(noScope.status, 403)
  })

  await t.test('admin audit search by personal ID is itself audited, and the ID never travels in a URL', async (t) => {
    t.equal((await hub.call('/v1/citizens/lookup', { body: { personalId: '062090001234', fullName: 'Nguyễn Văn An', dateOfBirth: '1990-05-15' } })).status, 200)
    const found = await hub.call('/admin/audit/search', { body: { personalId: '062090001234' } })
    t.equal(found.status, 200)
    t.ok(found.body.records.some((r: any) => r.operation === 'lookup' && r.subjectMasked === '062*******34'))
    t.notOk(JSON.stringify(found.body).includes('062090001234'), 'the plain ID is not in the answer')
    const again = await hub.call('/admin/audit/search', { body: { personalId: '062090001234' } })
    t.ok(again.body.records.some((r: any) => r.operation === 'audit.search'), 'the search was audited')
  })
})
