/** The citizen lookup end to end: API → connector → simulator over real HTTP, audited, on both databases. */
import t from 'tap'
import { DB_KINDS, startTestHub } from '../helpers/hub.js'
import { verifyAuditChain } from '../../src/audit/verify.js'
import { chainKeyFrom } from '../../src/audit/chain.js'
import { openDatabase } from '../../src/db/index.js'
import { sha256Hex } from '../../src/plugins/auth.js'

const DEMO = { personalId: '062090001234', fullName: 'Nguyễn Văn An', dateOfBirth: '1990-05-15' }
const IDENTITY_ONLY_KEY = 'identity-only-key-not-a-secret'
const ADDRESS = { provinceCode: '62', districtCode: '608', wardCode: '23284', detail: 'Số 12, đường Trần Hưng Đạo, tổ 3', country: 'VN' }
/** The demo citizen's identity fields: all a lookup returns unless sensitive groups are asked for. */
const IDENTITY = {
  personalId: '062090001234',
  oldIdNumber: '233123456',
  fullName: 'NGUYỄN VĂN AN',
  dateOfBirth: '1990-05-15',
  gender: 'male',
  nationality: 'VN',
  birthRegistrationPlace: { provinceCode: '62', districtCode: '608', wardCode: '23284', detail: 'phường Quyết Thắng, thành phố Kon Tum, tỉnh Kon Tum', country: 'VN' },
  permanentAddress: ADDRESS,
  currentAddress: ADDRESS,
  hometown: { provinceCode: '62', detail: 'xã Đăk Cấm, thành phố Kon Tum', country: 'VN' },
}
const SENSITIVE_FIELDS = ['maritalStatus', 'ethnicity', 'religion', 'bloodType', 'householdBookNumber', 'householdHead', 'father', 'mother', 'spouse', 'guardian']

for (const kind of DB_KINDS) {
  t.test(`citizens API on ${kind}`, async (t) => {
    const hub = await startTestHub(kind, { clients: [{ name: 'identity-only', keySha256: sha256Hex(IDENTITY_ONLY_KEY), scopes: ['citizens:read', 'citizens:verify', 'documents:read'] }] })
    t.teardown(() => hub.close())

    await t.test('lookup without include: identity fields only, none of the sensitive groups; x-request-id', async (t) => {
      const res = await hub.call('/v1/citizens/lookup', { body: DEMO })
      t.equal(res.status, 200, JSON.stringify(res.body))
      t.strictSame(res.body, { citizen: IDENTITY })
      t.strictSame(SENSITIVE_FIELDS.filter((f) => f in res.body.citizen), [])
      t.ok(res.headers.get('x-request-id'))
    })

    await t.test('include adds exactly the groups asked for, to a client with citizens:read-sensitive', async (t) => {
      const res = await hub.call('/v1/citizens/lookup', { body: { ...DEMO, include: ['religion', 'relatives'] } })
      t.equal(res.status, 200, JSON.stringify(res.body))
      t.strictSame(res.body.citizen, {
        ...IDENTITY,
        religion: '00',
        father: { fullName: 'Nguyễn Văn Bình', personalId: '062060500321', nationality: 'VN' },
        mother: { fullName: 'Lê Thị Cúc', personalId: '062163500456', oldIdNumber: '233000456', nationality: 'VN' },
        spouse: { fullName: 'Trần Thị Hoa', personalId: '062192504567', nationality: 'VN' },
      })
    })

    await t.test('a client without citizens:read-sensitive gets identity only, and 403 when it asks for a group', async (t) => {
      const auth = { authorization: `Bearer ${IDENTITY_ONLY_KEY}` }
      const plain = await hub.call('/v1/citizens/lookup', { body: DEMO, headers: auth })
      t.strictSame(plain.body, { citizen: IDENTITY })
      const asked = await hub.call('/v1/citizens/lookup', { body: { ...DEMO, include: ['relatives'] }, headers: auth })
      t.equal(asked.status, 403)
      t.equal(asked.body.code, 'FORBIDDEN')
      t.match(asked.body.detail, /citizens:read-sensitive/)
      t.equal((await hub.call('/v1/citizens/lookup', { body: { ...DEMO, include: ['salary'] } })).status, 400)
      // Pre-fill likewise: identity only, and 403 for a group without the scope.
      const applicant = { type: 'citizen', id: DEMO.personalId, fullName: DEMO.fullName, dateOfBirth: DEMO.dateOfBirth }
      const pre = await hub.call('/v1/prefill', { body: { procedureCode: '1.001022', applicant }, headers: auth })
      t.equal(pre.status, 200)
      t.strictSame(pre.body.applicant.data, IDENTITY)
      const preAsked = await hub.call('/v1/prefill', { body: { procedureCode: '1.001022', applicant: { ...applicant, include: ['guardian'] } }, headers: auth })
      t.equal(preAsked.status, 403)
      t.match(preAsked.body.detail, /citizens:read-sensitive/)
    })

    await t.test('an old 9-digit ID is looked up as such', async (t) => {
      const res = await hub.call('/v1/citizens/lookup', { body: { ...DEMO, personalId: '233123456' } })
      t.equal(res.status, 200, JSON.stringify(res.body))
      t.strictSame(res.body, { citizen: IDENTITY })
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

    await t.test('verify: a yes/no answer, the fields checked, and that the database does not say which differs', async (t) => {
      const detail = 'The population database answers yes or no for the three fields together; it does not say which one differs.'
      const checked = ['personalId', 'fullName', 'dateOfBirth']
      t.strictSame((await hub.call('/v1/citizens/verify', { body: DEMO })).body, { match: true, checked, detail })
      t.strictSame((await hub.call('/v1/citizens/verify', { body: { ...DEMO, fullName: 'Nguyễn Văn Bình' } })).body, { match: false, checked, detail })
      t.equal((await hub.call('/v1/citizens/verify', { body: { ...DEMO, gender: 'female' } })).status, 400, 'no field the database cannot check')
    })

    await t.test('an officer the upstream refuses → 422 UPSTREAM_REJECTED', async (t) => {
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
      const rows = await db.query<{ operation: string; outcome: string; subject_masked: string }>('SELECT operation, outcome, subject_masked FROM audit_log ORDER BY seq')
      t.ok(rows.rows.length >= 4)
      t.ok(rows.rows.every((r) => r.subject_masked === '062*******34' || r.subject_masked === '233****56'), JSON.stringify(rows.rows.map((r) => r.subject_masked)))
      t.strictSame(rows.rows.slice(0, 3).map((r) => `${r.operation} ${r.outcome}`), ['lookup ok', 'lookup+relatives,religion ok', 'lookup ok'], 'the groups disclosed are on the record')
      const result = await verifyAuditChain(db, { chainKey: chainKeyFrom(hub.config.audit) })
      t.equal(result.ok, true)
    })
  })
}
