/** The citizen lookup end to end: API → connector → simulator over real HTTP, audited, on both databases. */
import t from 'tap'
import { DB_KINDS, startTestHub } from '../helpers/hub.js'
import { verifyAuditChain } from '../../src/audit/verify.js'
import { chainKeyFrom } from '../../src/audit/chain.js'
import { openDatabase } from '../../src/db/index.js'

const DEMO = { personalId: '062090001234', fullName: 'Nguyễn Văn An', dateOfBirth: '1990-05-15' }

for (const kind of DB_KINDS) {
  t.test(`citizens API on ${kind}`, async (t) => {
    const hub = await startTestHub(kind)
    t.teardown(() => hub.close())

    await t.test('lookup finds the demo citizen and every response has x-request-id', async (t) => {
      const res = await hub.call('/v1/citizens/lookup', { body: DEMO })
      t.equal(res.status, 200, JSON.stringify(res.body))
      t.equal(res.body.citizen.personalId, DEMO.personalId)
      t.equal(res.body.citizen.fullName.toLocaleUpperCase('vi'), 'NGUYỄN VĂN AN')
      t.ok(res.headers.get('x-request-id'))
    })

    await t.test('unknown citizen → 404 problem+json', async (t) => {
      const res = await hub.call('/v1/citizens/lookup', { body: { ...DEMO, fullName: 'Someone Else' } })
      t.equal(res.status, 404)
      t.equal(res.headers.get('content-type'), 'application/problem+json; charset=utf-8')
      t.equal(res.body.code, 'NOT_FOUND')
    })

    await t.test('bad IDs get 400 with field errors before any upstream call', async (t) => {
      const res = await hub.call('/v1/citizens/lookup', { body: { ...DEMO, dateOfBirth: '1991-05-15' } })
      t.equal(res.status, 400)
      t.strictSame(res.body.errors, [{ path: '/body/dateOfBirth', message: 'birth year 1991 disagrees with the personal ID, which encodes 1990' }])
      const unknownField = await hub.call('/v1/citizens/lookup', { body: { ...DEMO, extra: 1 } })
      t.equal(unknownField.status, 400)
      t.strictSame(unknownField.body.errors, [{ path: '/body/extra', message: 'is not a known property' }])
      const noOfficer = await hub.call('/v1/citizens/lookup', { body: DEMO, headers: { 'x-officer-id': '' } })
      t.equal(noOfficer.status, 400)
      t.equal(noOfficer.body.code, 'VALIDATION_FAILED')
      const badJson = await hub.call('/v1/citizens/lookup', { body: '{"personalId":' })
      t.equal(badJson.status, 400)
    })

    await t.test('auth: no key 401, unknown key 401', async (t) => {
      t.equal((await hub.call('/v1/citizens/lookup', { body: DEMO, headers: { authorization: '' } })).status, 401)
      const res = await hub.call('/v1/citizens/lookup', { body: DEMO, headers: { authorization: 'Bearer nope' } })
      t.equal(res.status, 401)
      t.equal(res.body.code, 'UNAUTHORIZED')
    })

    await t.test('verify names mismatching fields', async (t) => {
      const res = await hub.call('/v1/citizens/verify', { body: { ...DEMO, gender: 'female' } })
      t.equal(res.status, 200)
      t.strictSame(res.body, { match: false, mismatches: ['gender'] })
    })

    await t.test('upstream 005 → 422 UPSTREAM_REJECTED', async (t) => {
      const res = await hub.call('/v1/citizens/lookup', { body: DEMO, headers: { 'x-officer-id': 'BLOCKED-7' } })
      t.equal(res.status, 422)
      t.equal(res.body.code, 'UPSTREAM_REJECTED')
    })

    await t.test('health, readiness, metrics, OpenAPI', async (t) => {
      t.equal((await hub.call('/healthz')).status, 200)
      const ready = await hub.call('/readyz')
      t.equal(ready.status, 200)
      t.equal(ready.body.status, 'ready')
      const metrics = await hub.call('/metrics')
      t.match(metrics.body, /lgsp_http_request_duration_seconds_bucket\{.*route="\/v1\/citizens\/lookup"/)
      t.match(metrics.body, /lgsp_upstream_duration_seconds_count\{connector="population",operation="lookup",outcome="ok"\}/)
      t.match(metrics.body, /lgsp_circuit_state\{connector="population"\} 0/)
      const doc = await hub.call('/openapi.json')
      t.equal(doc.body.openapi, '3.1.0')
      t.ok(doc.body.paths['/v1/citizens/lookup'].post)
      t.equal((await hub.call('/docs/')).status, 200)
    })

    await t.test('no looked-up ID appears unmasked in the logs', async (t) => {
      const joined = hub.logs.join('')
      t.ok(joined.length > 0)
      t.notMatch(joined, /062090001234/)
    })

    await t.test('every personal-data call left an audit record in an intact chain', async (t) => {
      if (kind !== 'postgres') return
      const db = await openDatabase({ url: hub.config.database.url!, schema: hub.schema })
      t.teardown(() => db.close())
      const rows = await db.query<{ outcome: string; subject_masked: string }>('SELECT outcome, subject_masked FROM audit_log ORDER BY seq')
      t.ok(rows.rows.length >= 4)
      t.ok(rows.rows.every((r) => r.subject_masked === '062*******34'))
      const result = await verifyAuditChain(db, { chainKey: chainKeyFrom(hub.config.audit) })
      t.equal(result.ok, true)
    })
  })
}
