/**
 * The business registry simulator over plain HTTP: token endpoint, token expiry, lookups, not
 * found in both styles, fault injection (headers, control routes, options), stats, sandbox data.
 */
import t, { type Test } from 'tap'
import {
  GENERATED_COUNT, SANDBOX_CREDENTIALS, SANDBOX_ENTERPRISES, sandboxEnterprises, startBusinessRegistrySimulator,
  type BusinessRegistrySimulator, type SimulatorOptions,
} from '../../../connectors/business-registry/simulator.js'
import { checkEnterpriseCode } from '../../../schemas/enterprise.js'
import { DEFAULT_HEALTH_CODE } from '../../../connectors/business-registry/config.js'
import { waitFor } from '../upstream/fake-upstream.js'

async function start(t: Test, options: SimulatorOptions = {}): Promise<BusinessRegistrySimulator> {
  const sim = await startBusinessRegistrySimulator(options)
  t.teardown(() => sim.close())
  return sim
}

const basic = (key: string = SANDBOX_CREDENTIALS.consumerKey, secret: string = SANDBOX_CREDENTIALS.consumerSecret) => `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`

async function token(sim: BusinessRegistrySimulator, authorization = basic(), body = 'grant_type=client_credentials', headers: Record<string, string> = {}) {
  const res = await fetch(`${sim.url}/token`, { method: 'POST', body, headers: { authorization, 'content-type': 'application/x-www-form-urlencoded', ...headers } })
  return { status: res.status, headers: res.headers, json: (await res.json().catch(() => undefined)) as Record<string, unknown> | undefined }
}

async function lookup(sim: BusinessRegistrySimulator, accessToken: string | undefined, msdn: string | undefined, headers: Record<string, string> = {}, signal?: AbortSignal) {
  const query = msdn === undefined ? '' : `?msdn=${encodeURIComponent(msdn)}`
  const res = await fetch(`${sim.url}/chiTietDoanhNghiep${query}`, { ...(signal && { signal }), headers: { ...(accessToken !== undefined && { authorization: `Bearer ${accessToken}` }), ...headers } })
  return { status: res.status, headers: res.headers, text: await res.text() }
}

const control = (sim: BusinessRegistrySimulator, method: string, route: string, body?: unknown) =>
  fetch(`${sim.url}${route}`, { method, ...(body !== undefined && { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) }).then(async (r) => ({ status: r.status, json: await r.json() }))

t.test('sandbox: ≥ 500 deterministic enterprises with valid, unique codes, branches included; the named codes behave as documented', async (t) => {
  const a = sandboxEnterprises()
  t.strictSame(sandboxEnterprises(), a, 'same data every time')
  t.ok(a.length >= 500 && a.length > GENERATED_COUNT, `${a.length} records`)
  t.equal(new Set(a.map((e) => e.code)).size, a.length, 'codes are unique')
  t.strictSame(a.filter((e) => checkEnterpriseCode(e.code).length > 0).map((e) => e.code), [], 'every code passes the check')
  const branches = a.filter((e) => e.type === 'branch')
  t.ok(branches.length >= 20, `${branches.length} branches`)
  t.ok(branches.every((b) => /-\d{3}$/.test(b.code) && b.parentCode === b.code.slice(0, 10) && a.some((e) => e.code === b.parentCode)), 'each branch has its head office')
  t.ok(a.every((e) => e.representatives.length <= 3), 'at most three representatives')
  t.ok(a.slice(6).every((e) => e.representatives.length >= 1), 'generated enterprises and branches have 1–3 representatives')
  t.ok(new Set(a.map((e) => e.headOfficeAddress?.province)).size >= 6, 'several provinces')
  t.ok(new Set(a.map((e) => e.status)).size >= 5, 'several statuses')
  const codes = new Set(a.map((e) => e.code))
  for (const name of ['singleMemberLlc', 'jointStock', 'branch', 'multiMemberLlc', 'suspended', 'dissolved'] as const) t.ok(codes.has(SANDBOX_ENTERPRISES[name]), `${name} is held`)
  t.notOk(codes.has(SANDBOX_ENTERPRISES.absent), 'absent is not held')
  t.strictSame(checkEnterpriseCode(SANDBOX_ENTERPRISES.absent), [], 'absent is valid')
  t.notOk(codes.has(DEFAULT_HEALTH_CODE), 'the health probe code is not held')
  t.equal(checkEnterpriseCode(SANDBOX_ENTERPRISES.badCheckDigit).length, 1)
  t.equal(checkEnterpriseCode(SANDBOX_ENTERPRISES.noCheckDigit).length, 1)
  t.notSame(sandboxEnterprises(7).slice(6, 10), a.slice(6, 10), 'another seed, another registry')
})

t.test('token endpoint: Basic consumer key:secret + grant_type=client_credentials → a bearer token with its lifetime', async (t) => {
  const sim = await start(t, { tokenTtlMs: 90_500 })
  const ok = await token(sim)
  t.equal(ok.status, 200)
  t.match(ok.json, { access_token: /^[0-9a-f-]{36}$/, token_type: 'Bearer', expires_in: 91 })
  const second = await token(sim)
  t.not(second.json?.access_token, ok.json?.access_token, 'a fresh token each time')

  const wrong = await token(sim, basic(SANDBOX_CREDENTIALS.consumerKey, 'wrong'))
  t.equal(wrong.status, 401)
  t.equal(wrong.json?.error, 'invalid_client')
  t.equal((await token(sim, 'Bearer x')).status, 401, 'not Basic')
  t.equal((await token(sim, basic(), 'grant_type=password')).status, 400, 'other grant types')
  t.equal((await token(sim, basic(), '{"grant_type":"client_credentials"}', { 'content-type': 'application/json' })).status, 400, 'JSON instead of a form')
  t.equal((await fetch(`${sim.url}/token`)).status, 405, 'GET on the token endpoint')
  t.match(sim.stats(), { requests: 0, tokenRequests: 7, tokensIssued: 2, tokenRefused: 4 }, 'the GET counts as a token request too')
})

t.test('lookup: a held code answers the wire record, a branch with or without hyphen; an unknown code an empty Data', async (t) => {
  const sim = await start(t)
  const access = String((await token(sim)).json?.access_token)
  const found = await lookup(sim, access, SANDBOX_ENTERPRISES.branch)
  t.equal(found.status, 200)
  t.match(JSON.parse(found.text), { Data: { MainInformation: { ENTERPRISE_GDT_CODE: SANDBOX_ENTERPRISES.branch, NAME: /^CHI NHÁNH/, FOUNDING_DATE: '2019-06-20T00:00:00' }, HOAdress: { AddressFullText: String }, Representatives: [{ FULL_NAME: String }] } })
  t.equal((await lookup(sim, access, SANDBOX_ENTERPRISES.branch.replace('-', ''))).text, found.text, 'same record without the hyphen')
  const missing = await lookup(sim, access, SANDBOX_ENTERPRISES.absent)
  t.strictSame([missing.status, JSON.parse(missing.text)], [200, { Data: { MainInformation: null, HOAdress: null, Representatives: [], Member: [] }, DataCount: 0, Status: '0', Message: 'Không tìm thấy thông tin doanh nghiệp' }])
  t.equal((await lookup(sim, access, '12345')).status, 400, 'not a code')
  t.equal((await lookup(sim, access, undefined)).status, 400, 'no msdn')
  t.match(sim.stats(), { requests: 5, tokenRequests: 1, lookups: { found: 2, notFound: 1, invalid: 2 }, unauthorized: 0 })
})

t.test('notFound: "404" answers 404 with Data: null', async (t) => {
  const sim = await start(t, { notFound: '404' })
  const access = String((await token(sim)).json?.access_token)
  const missing = await lookup(sim, access, SANDBOX_ENTERPRISES.absent)
  t.strictSame([missing.status, JSON.parse(missing.text).Data], [404, null])
})

t.test('bearer tokens: missing, unknown, expired by time or by expireTokens() → 401 invalid_token', async (t) => {
  const sim = await start(t, { tokenTtlMs: 150 })
  const access = String((await token(sim)).json?.access_token)
  t.equal((await lookup(sim, access, SANDBOX_ENTERPRISES.jointStock)).status, 200)
  for (const [what, tok] of [['none', undefined], ['unknown', 'not-a-token']] as const) {
    const r = await lookup(sim, tok, SANDBOX_ENTERPRISES.jointStock)
    t.equal(r.status, 401, what)
    t.match(r.headers.get('www-authenticate'), /^Bearer error="invalid_token"/)
  }
  await new Promise((r) => setTimeout(r, 200))
  t.equal((await lookup(sim, access, SANDBOX_ENTERPRISES.jointStock)).status, 401, 'expired after tokenTtlMs')
  t.equal((await token(sim)).json?.expires_in, 1, 'expires_in is at least one second')

  const sim2 = await start(t)
  const fresh = String((await token(sim2)).json?.access_token)
  t.equal((await lookup(sim2, fresh, SANDBOX_ENTERPRISES.jointStock)).status, 200)
  t.strictSame(await control(sim2, 'POST', '/__sim/tokens/expire'), { status: 200, json: { expired: true } })
  t.equal((await lookup(sim2, fresh, SANDBOX_ENTERPRISES.jointStock)).status, 401, 'expired on the control route')
  const again = String((await token(sim2)).json?.access_token)
  t.equal((await lookup(sim2, again, SANDBOX_ENTERPRISES.jointStock)).status, 200, 'a new token works')
  sim2.expireTokens()
  t.equal((await lookup(sim2, again, SANDBOX_ENTERPRISES.jointStock)).status, 401, 'expireTokens()')
  t.equal(sim2.stats().unauthorized, 2)
})

t.test('faults on lookups: headers, control route with count, start options; token requests are not affected', async (t) => {
  const sim = await start(t, { faults: { latencyMs: 30 } })
  const access = String((await token(sim)).json?.access_token)
  const code = SANDBOX_ENTERPRISES.jointStock
  t.equal((await lookup(sim, access, code, { 'x-sim-fault': 'http-503' })).status, 503)
  t.equal((await lookup(sim, access, code, { 'x-sim-fault': 'http-503' })).headers.get('retry-after'), '1')
  t.equal((await lookup(sim, access, code, { 'x-sim-fault': 'error' })).status, 500)
  t.equal((await lookup(sim, access, code, { 'x-sim-fault': 'app-fault-client' })).status, 400)
  const malformed = await lookup(sim, access, code, { 'x-sim-fault': 'malformed' })
  t.equal(malformed.status, 200)
  t.throws(() => JSON.parse(malformed.text), 'malformed is not JSON')
  t.equal((await control(sim, 'POST', '/__sim/faults', { status: 429, count: 2 })).status, 200)
  t.equal((await lookup(sim, access, code)).status, 429)
  t.equal((await token(sim)).status, 200, 'the token endpoint is not faulted')
  t.equal((await lookup(sim, access, code)).status, 429)
  t.equal((await lookup(sim, access, code)).status, 200, 'count spent')
  t.strictSame((await control(sim, 'POST', '/__sim/faults', { nonsense: 1 })).status, 400)
  t.strictSame((await control(sim, 'GET', '/__sim/faults')).json, { faults: { latencyMs: 30 } }, 'start options stay')
  const hanging = new AbortController()
  sim.setFaults({ hang: true })
  const hung = lookup(sim, access, code, {}, hanging.signal).then(() => 'answered', () => 'aborted')
  await waitFor(() => sim.stats().inFlight === 1, 2000, 'the hanging lookup reaching the simulator')
  await new Promise((r) => setTimeout(r, 60)) // past the 30 ms latency: the hang has begun
  hanging.abort()
  t.equal(await hung, 'aborted')
  await waitFor(() => sim.stats().inFlight === 0, 2000, 'the simulator seeing the socket closed')
  t.pass('the simulator saw the client go away')
  sim.clearFaults()
  t.match(sim.stats(), { requests: 9, faults: { status: 4, error: 1, 'app-fault': 1, malformed: 1, hang: 1 } })
})

t.test('faults on the token endpoint are set apart: setTokenFaults and /__sim/token-faults', async (t) => {
  const sim = await start(t)
  sim.setTokenFaults({ status: 503, count: 1 })
  t.equal((await token(sim)).status, 503)
  t.equal((await token(sim)).status, 200)
  t.equal((await control(sim, 'POST', '/__sim/token-faults', { malformed: true })).status, 200)
  t.equal((await token(sim)).json, undefined, 'malformed token reply')
  t.equal((await control(sim, 'DELETE', '/__sim/token-faults')).status, 200)
  t.equal((await token(sim)).status, 200)
  t.match(sim.stats(), { requests: 0, tokenRequests: 4, tokenFaults: { status: 1, malformed: 1 }, faults: { status: 0, malformed: 0 } })
})

t.test('stats: GET and DELETE /__sim/stats; unknown routes 404; wrong method 405', async (t) => {
  const sim = await start(t)
  const access = String((await token(sim)).json?.access_token)
  await lookup(sim, access, SANDBOX_ENTERPRISES.jointStock)
  t.match((await control(sim, 'GET', '/__sim/stats')).json, { requests: 1, tokenRequests: 1, tokensIssued: 1, lookups: { found: 1 } })
  t.match((await control(sim, 'DELETE', '/__sim/stats')).json, { requests: 0, tokenRequests: 0, lookups: { found: 0 } })
  t.equal((await control(sim, 'GET', '/__sim/nope')).status, 404)
  t.equal((await fetch(`${sim.url}/chiTietDoanhNghiep?msdn=0100109106`, { method: 'POST' })).status, 405)
  t.equal((await fetch(`${sim.url}/elsewhere`)).status, 404)
  t.equal(sim.stats().requests, 1, 'the POST to the lookup path counts as a request')
})
