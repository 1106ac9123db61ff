/**
 * The population connector through the real upstream client (undici, retries, Redis circuit
 * breaker, the LGSP token scheme of the sandbox and the direct X-Road signature) against its
 * simulator over loopback HTTP. Needs Redis at
 * REDIS_URL or 127.0.0.1:6379; each run uses its own key prefix and deletes it afterwards.
 */
import t, { type Test } from 'tap'
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { pino } from 'pino'
import population from '../../connectors/population/index.js'
import type { PopulationConfig } from '../../connectors/population/config.js'
import { demoCitizens } from '../../connectors/population/fake-citizens.js'
import { BLOCKED_OFFICER_PREFIX, directSandboxConfig, UNLICENSED_SERVICE_CODE } from '../../connectors/population/simulator.js'
import type { Citizen } from '../../schemas/citizen.js'
import { createUpstreamClient } from '../../src/upstream/client.js'
import { createValidator } from '../../src/config/validate.js'
import { redactConfig } from '../../src/config/redact.js'
import type { Connector, OperationContext } from '../../src/upstream/types.js'
import { probeHealth } from '../../src/upstream/connector-kit.js'

const silent = pino({ level: 'silent' })
const AN = { personalId: '062090001234', fullName: 'nguyễn văn an', dateOfBirth: '1990-05-15' }

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 })
const prefix = `test:population:${randomBytes(6).toString('hex')}:`
const sim = await population.startSimulator!({ log: silent })

t.teardown(async () => {
  await sim.close()
  const keys = await redis.keys(`${prefix}*`)
  if (keys.length > 0) await redis.del(...keys)
  await redis.quit()
})

const control = (method: string, body?: unknown) =>
  fetch(`${sim.url}/__sim/faults`, { method, ...(body !== undefined && { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) })
const stats = async () => (await (await fetch(`${sim.url}/__sim/stats`)).json()) as { requests: number }

/** A connector on the simulator; `overrides` replace parts of the sandbox config. Each gets its own breaker keys. */
async function connect(t: Test, overrides: Partial<PopulationConfig> = {}): Promise<Connector> {
  const config = { ...sim.config, retry: { baseDelayMs: 1, maxDelayMs: 5 }, ...overrides } as PopulationConfig
  const own = `${prefix}${randomBytes(3).toString('hex')}:`
  const clients: Array<{ close(): Promise<void> }> = []
  const connector = await population.create({
    id: 'population', config, log: silent, redis,
    createClient: (options) => {
      const client = createUpstreamClient({ ...options, connectorId: 'population', redis, log: silent, redisPrefix: own })
      clients.push(client)
      return client
    },
  })
  t.teardown(() => Promise.all(clients.map((c) => c.close())))
  return connector
}

const op = (overrides: Partial<OperationContext> = {}): OperationContext =>
  ({ signal: AbortSignal.timeout(5000), requestId: 'it-1', officerId: 'CB-0042', purpose: 'test', log: silent, ...overrides })
const failure = (p: Promise<unknown>) => p.then(() => ({ kind: 'resolved' }), (e: { kind: string; upstreamCode?: string }) => ({ kind: e.kind, upstreamCode: e.upstreamCode }))

t.beforeEach(async () => {
  await control('DELETE')
})

t.test('the sandbox config startSimulator returns passes the connector config schema', async (t) => {
  const validate = createValidator(population.configSchema)
  t.ok(validate(structuredClone(sim.config)), JSON.stringify(validate.errors))
  const shown = JSON.stringify(redactConfig(sim.config))
  t.notMatch(shown, /not-real/, 'the LGSP secret and the officers\' key passwords are redacted in config views')
})

const DEMO_AN = demoCitizens()[0]!
/** The demo citizen as the database stores it: name upper-case, addresses with their country. */
const STORED_AN = {
  ...DEMO_AN,
  fullName: 'NGUYỄN VĂN AN',
  permanentAddress: { ...DEMO_AN.permanentAddress!, country: 'VN' },
  currentAddress: { ...DEMO_AN.currentAddress!, country: 'VN' },
  hometown: { ...DEMO_AN.hometown!, country: 'VN' },
} as Citizen
const bySortedKeys = (c: unknown) => JSON.stringify(Object.entries(c as object).sort())

t.test('lookup found, on the LGSP token path (sandbox) and the direct path: the whole record', async (t) => {
  const c = await connect(t)
  t.equal(bySortedKeys(await c.operations.lookup!.run(AN, op())), bySortedKeys(STORED_AN))
  t.equal(bySortedKeys(await c.operations.lookup!.run({ ...AN, personalId: '233123456' }, op({ officerId: 'CB-0001' }))), bySortedKeys(STORED_AN), 'a 9-digit old ID, officer with own account')
  const direct = await connect(t, directSandboxConfig(sim.url) as Partial<PopulationConfig>)
  t.equal(bySortedKeys(await direct.operations.lookup!.run(AN, op())), bySortedKeys(STORED_AN))
  t.match(await stats(), { tokensIssued: 1 }, 'one token for every LGSP call')
})

t.test('a request id longer than MaYeuCau\'s 40 characters (callers may send 64) still gets its lookup', async (t) => {
  const c = await connect(t)
  const requestId = `dossier-HS-000123.${'x'.repeat(46)}`
  t.equal(((await c.operations.lookup!.run(AN, op({ requestId }))) as Citizen | null)?.personalId, AN.personalId)
  t.match(await stats(), { last: { requestId: /^[0-9a-f]{40}$/ } })
})

t.test('lookup not found: null', async (t) => {
  const c = await connect(t)
  t.equal(await c.operations.lookup!.run({ ...AN, fullName: 'Nguyễn Văn Ánh' }, op()), null)
})

t.test('verify: yes or no', async (t) => {
  const c = await connect(t)
  const checked = ['personalId', 'fullName', 'dateOfBirth']
  t.match(await c.operations.verify!.run(AN, op()), { match: true, checked })
  t.match(await c.operations.verify!.run({ ...AN, dateOfBirth: '1991' }, op()), { match: false, checked })
})

t.test('an unlicensed MaDVC and a blocked officer are rejected (soap:Client), and not retried', async (t) => {
  const unlicensed = await connect(t, { serviceCode: UNLICENSED_SERVICE_CODE })
  const before = (await stats()).requests
  t.strictSame(await failure(unlicensed.operations.lookup!.run(AN, op())), { kind: 'rejected', upstreamCode: 'soap:Client' })
  const c = await connect(t)
  t.strictSame(await failure(c.operations.verify!.run(AN, op({ officerId: `${BLOCKED_OFFICER_PREFIX}1` }))), { kind: 'rejected', upstreamCode: 'soap:Client' })
  t.equal((await stats()).requests - before, 2, 'one request each')
})

t.test('wrong credentials: unauthorized, and health says so', async (t) => {
  const direct = directSandboxConfig(sim.url) as { auth: Record<string, unknown> }
  const c = await connect(t, { ...direct, auth: { ...direct.auth, secretKey: 'wrong-secret' } } as Partial<PopulationConfig>)
  t.strictSame(await failure(c.operations.lookup!.run(AN, op())), { kind: 'unauthorized', upstreamCode: undefined })
  t.match(await probeHealth(c, AbortSignal.timeout(3000), 3000), { ok: false, detail: /^unauthorized/ })
  const lgsp = sim.config as { auth: Record<string, unknown> }
  const badKeys = await connect(t, { auth: { ...lgsp.auth, secretKey: 'wrong' } } as Partial<PopulationConfig>)
  t.match(await probeHealth(badKeys, AbortSignal.timeout(3000), 3000), { ok: false, detail: /^unauthorized: token endpoint refused/ })
})

t.test('health: a token and a GET of the service description, no lookup', async (t) => {
  const c = await connect(t)
  const before = await stats()
  t.match(await probeHealth(c, AbortSignal.timeout(3000), 3000), { ok: true, latencyMs: Number })
  t.equal((await stats()).requests, before.requests, 'no SOAP request')
})

t.test('no officer: refused before any upstream call', async (t) => {
  const c = await connect(t)
  const before = (await stats()).requests
  t.match(await failure(c.operations.lookup!.run(AN, op({ officerId: undefined }))), { kind: 'rejected' })
  t.equal((await stats()).requests, before)
})

t.test('a transient 503 is retried (the operation is idempotent) and the lookup succeeds', async (t) => {
  const c = await connect(t)
  await control('POST', { status: 503, count: 1 })
  const before = (await stats()).requests
  t.equal(((await c.operations.lookup!.run(AN, op())) as { personalId: string } | null)?.personalId, AN.personalId)
  t.equal((await stats()).requests - before, 2)
})

t.test('faults map to kinds: soap:Server, soap:Client, malformed, hang', async (t) => {
  const c = await connect(t)
  await control('POST', { soapFault: 'server' })
  t.strictSame(await failure(c.operations.lookup!.run(AN, op())), { kind: 'unavailable', upstreamCode: 'soap:Server' })
  await control('POST', { soapFault: 'client' })
  t.strictSame(await failure(c.operations.lookup!.run(AN, op())), { kind: 'rejected', upstreamCode: 'soap:Client' })
  await control('POST', { malformed: true })
  t.strictSame(await failure(c.operations.lookup!.run(AN, op())), { kind: 'bad_response', upstreamCode: undefined })
  await control('POST', { hang: true })
  const started = Date.now()
  const hung = await failure(c.operations.lookup!.run(AN, op({ signal: AbortSignal.timeout(300) })))
  t.ok(['timeout', 'aborted'].includes(hung.kind), `hang ends with ${hung.kind} when the deadline passes`)
  t.ok(Date.now() - started < 2000, 'the abort reached the socket')
})
