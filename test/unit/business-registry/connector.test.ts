/**
 * The business-registry connector through the registry (real undici client, OAuth2 strategy,
 * Redis circuit breaker) against its simulator over loopback HTTP. Needs Redis at
 * TEST_REDIS_URL or 127.0.0.1:6379; every connector gets its own key prefix, all deleted afterwards.
 */
import t, { type Test } from 'tap'
import { randomBytes } from 'node:crypto'
import { Writable } from 'node:stream'
import { Redis } from 'ioredis'
import { deleteRedisPrefix } from '../../helpers/hub.js'
import { pino } from 'pino'
import { Value } from 'typebox/value'
import businessRegistry from '../../../connectors/business-registry/index.js'
import {
  ADAPTER_LOOKUP,
  SANDBOX_CREDENTIALS, SANDBOX_ENTERPRISES, sandboxEnterprises, startBusinessRegistrySimulator, type SimulatorOptions,
} from '../../../connectors/business-registry/simulator.js'
import { createRegistry, validateConnectorConfigs } from '../../../src/upstream/registry.js'
import { createValidator } from '../../../src/config/validate.js'
import { createMetrics } from '../../../src/metrics.js'
import type { UpstreamError } from '../../../src/upstream/errors.js'
import { Enterprise } from '../../../schemas/enterprise.js'
import { probeHealth } from '../../../src/upstream/connector-kit.js'
import { EnterpriseGet } from '../../../src/contracts/identity.js'

const silent = pino({ level: 'silent' })
const redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 })
const prefix = `test:business-registry:${randomBytes(6).toString('hex')}:`
const SANDBOX = sandboxEnterprises()
const record = (code: string) => SANDBOX.find((e) => e.code === code)!

t.teardown(async () => {
  await deleteRedisPrefix(prefix)
  await redis.quit()
})

/** A registry holding only this connector, on its own simulator and Redis prefix, logging at trace into `logs`. */
async function open(t: Test, section: Record<string, unknown> = {}, simOptions: SimulatorOptions = {}) {
  const sim = await startBusinessRegistrySimulator({ log: silent, ...simOptions })
  const logs: string[] = []
  const log = pino({ level: 'trace' }, new Writable({ write(chunk: Buffer, _e, done) { logs.push(chunk.toString('utf8')); done() } }))
  const connectors = {
    'business-registry': {
      enabled: true, baseUrl: sim.url,
      auth: { type: 'oauth2', tokenUrl: `${sim.url}/token`, clientId: SANDBOX_CREDENTIALS.consumerKey, clientSecret: SANDBOX_CREDENTIALS.consumerSecret },
      retry: { baseDelayMs: 1, maxDelayMs: 5 },
      // The breaker has its own tests; here it must not turn later failures into circuit_open.
      circuit: { failureThreshold: 1000 }, ...section,
    },
  }
  const problems = await validateConnectorConfigs(connectors)
  if (problems.length > 0) throw new Error(problems.join('\n'))
  const registry = await createRegistry({ connectors, redis, redisPrefix: `${prefix}${randomBytes(3).toString('hex')}:`, log, metrics: createMetrics({ defaultMetrics: false }) })
  t.teardown(async () => {
    await registry.close()
    await sim.close()
  })
  const get = (code: string, signal: AbortSignal = new AbortController().signal) =>
    registry.call(EnterpriseGet, { code }, { signal, requestId: `req-${randomBytes(3).toString('hex')}`, log })
  /** Stats movement since the last call of `delta` (or the start). */
  let last = sim.stats()
  const delta = () => {
    const now = sim.stats()
    const d = { requests: now.requests - last.requests, tokenRequests: now.tokenRequests - last.tokenRequests, unauthorized: now.unauthorized - last.unauthorized }
    last = now
    return d
  }
  return { sim, registry, logs, get, delta }
}

const kindOf = (p: Promise<unknown>) => p.then(() => 'ok', (e: UpstreamError) => e.kind)

t.test('the sandbox config startSimulator returns passes the config schema and reaches the simulator', async (t) => {
  const sandbox = await businessRegistry.startSimulator!({ log: silent })
  t.teardown(() => sandbox.close())
  const validate = createValidator(businessRegistry.configSchema)
  t.ok(validate(structuredClone(sandbox.config)), JSON.stringify(validate.errors))
  t.match(sandbox.config, { auth: { type: 'oauth2', clientSecret: /not-real/ } }, 'obviously fake credentials')
  const { get } = await open(t, sandbox.config)
  t.strictSame(await get(SANDBOX_ENTERPRISES.singleMemberLlc), record(SANDBOX_ENTERPRISES.singleMemberLlc))
})

t.test('getEnterprise returns the whole English record, a branch with its head office; one token serves every call', async (t) => {
  const { get, delta, registry } = await open(t)
  const jsc = await get(SANDBOX_ENTERPRISES.jointStock)
  t.strictSame(jsc, {
    code: '0312345673', name: 'CÔNG TY CỔ PHẦN CÔNG NGHỆ SAO MAI', foreignName: 'SAO MAI TECHNOLOGY JOINT STOCK COMPANY', shortName: 'SAO MAI TECH JSC',
    type: 'joint_stock', typeName: 'Công ty cổ phần', status: 'active', statusName: 'Đang hoạt động', foundingDate: '2008-11-03',
    headOfficeAddress: { fullText: 'Tầng 12, số 72 đường Nguyễn Thị Minh Khai, Phường Võ Thị Sáu, Quận 3, Thành phố Hồ Chí Minh, Việt Nam', province: 'Thành phố Hồ Chí Minh', district: 'Quận 3', ward: 'Phường Võ Thị Sáu' },
    statusCode: '1',
    representatives: [{ fullName: 'TRẦN THỊ BÌNH' }, { fullName: 'LÊ MINH CƯỜNG' }, { fullName: 'PHẠM THU TRANG' }],
    charterCapitalVnd: 120_000_000_000,
  })
  t.ok(Value.Check(registry.get('business-registry').operations['getEnterprise']!.output, jsc), 'valid against the operation output schema')
  t.strictSame(await get(SANDBOX_ENTERPRISES.branch), record(SANDBOX_ENTERPRISES.branch))
  t.match(await get(SANDBOX_ENTERPRISES.branch), { parentCode: SANDBOX_ENTERPRISES.jointStock, type: 'branch' })
  for (const e of SANDBOX.slice(100, 110)) t.strictSame(await get(e.code), e, e.code)
  t.strictSame(delta(), { requests: 13, tokenRequests: 1, unauthorized: 0 }, 'one token request for 13 lookups')
})

t.test('not found is null, whether the registry answers an empty Data (200) or 404 with the envelope', async (t) => {
  const empty = await open(t)
  t.equal(await empty.get(SANDBOX_ENTERPRISES.absent), null)
  const notFound404 = await open(t, {}, { notFound: '404' })
  t.equal(await notFound404.get(SANDBOX_ENTERPRISES.absent), null)
  t.strictSame(notFound404.delta(), { requests: 1, tokenRequests: 1, unauthorized: 0 }, 'a 404 is not retried')
})

t.test('the LGSP adapter form: a lookup path with its own query (?category=chiTietDoanhNghiep&version=1.1), the code added as &msdn=', async (t) => {
  const adapter = await open(t, { paths: { lookup: ADAPTER_LOOKUP } })
  t.match(await adapter.get(SANDBOX_ENTERPRISES.multiMemberLlc), {
    code: SANDBOX_ENTERPRISES.multiMemberLlc,
    members: [{ name: 'ĐỖ THANH MAI', capitalVnd: 1_200_000_000, ratioPercent: 60, country: 'Việt Nam' }, { name: 'BÙI HỮU NAM', capitalVnd: 800_000_000, ratioPercent: 40, country: 'Việt Nam' }],
  })
  t.equal(await adapter.get(SANDBOX_ENTERPRISES.absent), null, 'Status "0" with a Message: not found')
})

t.test('a bare 404 (wrong path) is `rejected` unless bare404IsNotFound says the registry answers so', async (t) => {
  const wrong = await open(t, { paths: { lookup: '/apiDKKD/chiTietDoanhNghiep' } })
  t.equal(await kindOf(wrong.get(SANDBOX_ENTERPRISES.jointStock)), 'rejected')
  const lenient = await open(t, { paths: { lookup: '/apiDKKD/chiTietDoanhNghiep' }, bare404IsNotFound: true })
  t.equal(await lenient.get(SANDBOX_ENTERPRISES.jointStock), null)
})

t.test('a code failing the check is `rejected` before any upstream call, token included', async (t) => {
  const { get, delta } = await open(t)
  for (const code of [SANDBOX_ENTERPRISES.badCheckDigit, SANDBOX_ENTERPRISES.noCheckDigit, `${SANDBOX_ENTERPRISES.jointStock}-000`, '12345']) {
    const err = await get(code).then(() => undefined, (e: UpstreamError) => e)
    t.equal(err?.kind, 'rejected', code)
    t.match(err?.message, /^The enterprise code is not valid: .+\. Nothing was sent to the business registry\.$/)
  }
  t.strictSame(delta(), { requests: 0, tokenRequests: 0, unauthorized: 0 })
})

t.test('token expiry: 50 parallel calls after the token lifetime share exactly one token request', async (t) => {
  // expires_in 1 s: the strategy refreshes from half the lifetime on.
  const { get, delta } = await open(t, {}, { tokenTtlMs: 1000 })
  await get(SANDBOX_ENTERPRISES.jointStock)
  t.strictSame(delta(), { requests: 1, tokenRequests: 1, unauthorized: 0 })
  await new Promise((r) => setTimeout(r, 1100))
  const codes = SANDBOX.slice(0, 50).map((e) => e.code)
  const results = await Promise.all(codes.map((c) => get(c)))
  t.strictSame(results, SANDBOX.slice(0, 50), 'every call answered')
  t.strictSame(delta(), { requests: 50, tokenRequests: 1, unauthorized: 0 }, 'one token request, no refusal')
})

t.test('tokens revoked upstream: 50 parallel calls refused with 401 share one refresh, and each is retried once', async (t) => {
  const { sim, get, delta } = await open(t)
  await get(SANDBOX_ENTERPRISES.jointStock)
  delta()
  sim.expireTokens()
  const results = await Promise.all(SANDBOX.slice(0, 50).map((e) => get(e.code)))
  t.strictSame(results, SANDBOX.slice(0, 50), 'every call answered')
  t.strictSame(delta(), { requests: 100, tokenRequests: 1, unauthorized: 50 }, 'one refresh; one refused and one good request per call')
})

t.test('a stale token: one refresh and one retry; a 401 that persists is `unauthorized` after exactly that', async (t) => {
  const { sim, get, delta } = await open(t, { retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 } })
  await get(SANDBOX_ENTERPRISES.jointStock)
  delta()
  sim.expireTokens()
  t.strictSame(await get(SANDBOX_ENTERPRISES.suspended), record(SANDBOX_ENTERPRISES.suspended))
  t.strictSame(delta(), { requests: 2, tokenRequests: 1, unauthorized: 1 })
  sim.setFaults({ status: 401 })
  t.equal(await kindOf(get(SANDBOX_ENTERPRISES.suspended)), 'unauthorized')
  t.strictSame(delta(), { requests: 2, tokenRequests: 1, unauthorized: 0 }, 'two lookups, one refresh, no retry loop')
})

t.test('the token endpoint refusing the consumer key/secret is `unauthorized`; no lookup is sent', async (t) => {
  const { get, delta } = await open(t, {}, { credentials: { consumerKey: SANDBOX_CREDENTIALS.consumerKey, consumerSecret: 'rotated' } })
  const err = await get(SANDBOX_ENTERPRISES.jointStock).then(() => undefined, (e: UpstreamError) => e)
  t.equal(err?.kind, 'unauthorized')
  t.match(err?.message, /token endpoint refused the client credentials/)
  t.equal(delta().requests, 0)
})

t.test('faults map to kinds: transient ones retried (GET is idempotent), the others not', async (t) => {
  const { sim, get, delta } = await open(t, { retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 } })
  await get(SANDBOX_ENTERPRISES.jointStock)
  delta()
  const cases: Array<[Parameters<typeof sim.setFaults>[0], string, number]> = [
    [{ status: 500 }, 'unavailable', 3], [{ status: 429 }, 'unavailable', 3], [{ errorRate: 1 }, 'unavailable', 3], [{ appFault: 'server' }, 'unavailable', 3],
    [{ status: 503 }, 'unavailable', 3], // honours Retry-After: 1 between attempts
    [{ malformed: true }, 'bad_response', 1], [{ appFault: 'client' }, 'rejected', 1], [{ status: 403 }, 'unauthorized', 1],
  ]
  for (const [faults, kind, requests] of cases) {
    sim.setFaults(faults)
    t.equal(await kindOf(get(SANDBOX_ENTERPRISES.jointStock)), kind, JSON.stringify(faults))
    t.equal(delta().requests, requests, `${requests} request(s)`)
  }
  sim.setFaults({ status: 500, count: 2 })
  t.strictSame(await get(SANDBOX_ENTERPRISES.jointStock), record(SANDBOX_ENTERPRISES.jointStock), 'a retry succeeds after two 500s')
  t.equal(delta().requests, 3)
  sim.setTokenFaults({ status: 503 })
  sim.expireTokens()
  t.equal(await kindOf(get(SANDBOX_ENTERPRISES.jointStock)), 'unavailable', 'the token endpoint failing while a token is needed')
})

t.test('a hanging registry is `timeout` at the operation deadline', async (t) => {
  const { sim, get } = await open(t, { timeoutMs: { getEnterprise: 300 } })
  sim.setTokenFaults({ hang: true })
  t.equal(await kindOf(get(SANDBOX_ENTERPRISES.jointStock)), 'timeout', 'a hanging token endpoint (no token yet)')
  sim.clearTokenFaults()
  sim.setFaults({ hang: true })
  const started = performance.now()
  t.equal(await kindOf(get(SANDBOX_ENTERPRISES.jointStock)), 'timeout', 'a hanging lookup')
  t.ok(performance.now() - started < 1000, 'soon after the deadline')
})

t.test('health: a fresh token and a lookup of an absent code; the shared token is left alone', async (t) => {
  const { registry, get, delta, sim } = await open(t)
  const connector = registry.get('business-registry')
  await get(SANDBOX_ENTERPRISES.jointStock)
  delta()
  t.match(await probeHealth(connector, new AbortController().signal, 3000), { ok: true, latencyMs: Number })
  t.strictSame(delta(), { requests: 1, tokenRequests: 1, unauthorized: 0 }, 'one token request, one lookup')
  await get(SANDBOX_ENTERPRISES.jointStock)
  t.equal(delta().tokenRequests, 0, 'lookups still use the token they had')
  sim.setTokenFaults({ status: 401 })
  t.match(await probeHealth(connector, new AbortController().signal, 3000), { ok: false, detail: /^unauthorized: token endpoint refused the client credentials/ })
  sim.clearTokenFaults()
  sim.setFaults({ malformed: true })
  t.match(await probeHealth(connector, new AbortController().signal, 3000), { ok: false, detail: /^bad_response: / })
})

t.test('logs at trace never carry names, representatives, tokens or the consumer secret', async (t) => {
  const { sim, get, logs } = await open(t, { timeoutMs: { getEnterprise: 300 } })
  const e = record(SANDBOX_ENTERPRISES.jointStock)
  await get(e.code)
  for (const faults of [{ malformed: true }, { hang: true }, { status: 503 }, { appFault: 'client' as const }]) {
    sim.setFaults(faults)
    await get(e.code).catch(() => {})
  }
  sim.clearFaults()
  sim.expireTokens()
  await get(e.code)
  const text = logs.join('')
  t.ok(logs.length > 0, `${logs.length} log lines`)
  for (const secret of [e.name, ...e.representatives.map((r) => r.fullName), SANDBOX_CREDENTIALS.consumerSecret, 'Bearer ']) {
    t.notOk(text.includes(secret), `no ${secret.slice(0, 6)}… in the logs`)
  }
})
