import t, { type Test } from 'tap'
import { pino } from 'pino'
import { Redis } from 'ioredis'
import { createUpstreamClient, type UpstreamClient, type UpstreamClientOptions } from '../../../src/upstream/client.js'
import { createCircuitBreaker, type CircuitState } from '../../../src/upstream/circuit-breaker.js'
import type { UpstreamError } from '../../../src/upstream/errors.js'
import { captureLogger, delay, reply, startFakeUpstream, testRedis, type Handler } from './fake-upstream.js'

const silent = pino({ level: 'silent' })
const never = () => new AbortController().signal
const CIRCUIT = { failureThreshold: 3, windowMs: 5000, openMs: 200, stateCacheMs: 50 }

/** A fake upstream and two clients ("replicas") on their own Redis connections sharing one prefix. */
async function setup(t: Test, handler: Handler, options: Partial<UpstreamClientOptions> = {}) {
  const upstream = await startFakeUpstream(handler)
  const r = await testRedis()
  const changes: Array<[CircuitState, CircuitState]> = []
  const make = (redis: Redis): UpstreamClient => createUpstreamClient({
    connectorId: 'population', baseUrl: upstream.url, redis, redisPrefix: r.prefix, log: silent,
    retry: { maxAttempts: 1 }, circuit: CIRCUIT, onCircuitStateChange: (to, from) => changes.push([to, from]), ...options,
  })
  const a = make(r.redis)
  const b = make(r.another())
  t.teardown(async () => {
    await Promise.all([a.close(), b.close()])
    await upstream.close()
    await r.cleanup()
  })
  return { upstream, a, b, changes, redis: r.redis, prefix: r.prefix }
}

const get = (client: UpstreamClient) => client.request({ method: 'GET', path: '/', idempotent: true, signal: never() })
const kindOf = (p: Promise<unknown>) => p.then(() => 'ok', (e: UpstreamError) => e.kind)

async function trip(client: UpstreamClient): Promise<string[]> {
  const kinds: string[] = []
  for (let i = 0; i < CIRCUIT.failureThreshold; i++) kinds.push(await kindOf(get(client)))
  return kinds
}

t.test('opens after N failures; the next call makes no request', async (t) => {
  const { upstream, a, b, changes } = await setup(t, (_req, res) => reply(res, 503))
  t.strictSame(await trip(a), ['unavailable', 'unavailable', 'unavailable'])
  t.equal(await kindOf(get(a)), 'circuit_open')
  t.equal(await kindOf(get(b)), 'circuit_open', 'the other replica agrees')
  t.equal(upstream.requests.length, 3)
  t.equal(await a.circuitState(), 'open')
  t.strictSame(changes, [['open', 'closed'], ['open', 'closed']], 'each replica reported the change once')
  const err = (await get(a).catch((e: unknown) => e)) as UpstreamError
  t.ok(err.retryAfterMs !== undefined && err.retryAfterMs > 0 && err.retryAfterMs <= CIRCUIT.openMs, 'tells when to come back')
})

t.test('half-opens after openMs: exactly one probe across two replicas, then closes', async (t) => {
  let healthy = false
  const { upstream, a, b, changes } = await setup(t, async (_req, res) => {
    if (!healthy) return reply(res, 503)
    await delay(100) // the probe is still in flight while the other replica asks
    reply(res, 200, 'ok')
  })
  await trip(a)
  healthy = true
  await delay(CIRCUIT.openMs + 30)
  t.equal(await a.circuitState(), 'half_open')
  const outcomes = await Promise.all([kindOf(get(a)), kindOf(get(b))])
  t.strictSame(outcomes.sort(), ['circuit_open', 'ok'])
  t.equal(upstream.requests.length, 4, 'three failures, one probe')

  await delay(CIRCUIT.stateCacheMs + 10)
  t.strictSame(await Promise.all([kindOf(get(a)), kindOf(get(b))]), ['ok', 'ok'])
  t.strictSame([await a.circuitState(), await b.circuitState()], ['closed', 'closed'])
  t.strictSame(changes.filter(([to]) => to === 'closed').length, 2, 'both replicas saw it close')
})

t.test('a failed probe reopens the circuit for another openMs', async (t) => {
  const { upstream, a } = await setup(t, (_req, res) => reply(res, 503))
  await trip(a)
  await delay(CIRCUIT.openMs + 30)
  t.equal(await kindOf(get(a)), 'unavailable', 'the probe went through and failed')
  t.equal(await kindOf(get(a)), 'circuit_open')
  t.equal(await a.circuitState(), 'open')
  t.equal(upstream.requests.length, 4)
})

t.test('rejections, not-found and aborts do not count', async (t) => {
  const { upstream, a } = await setup(t, (req, res) => (req.url === '/hang' ? undefined : reply(res, req.url === '/missing' ? 404 : 400)))
  for (let i = 0; i < 4; i++) {
    await kindOf(a.request({ method: 'GET', path: '/missing', idempotent: true, signal: never() }))
    await kindOf(a.request({ method: 'POST', path: '/bad', idempotent: false, signal: never() }))
    await kindOf(a.request({ method: 'GET', path: '/hang', idempotent: true, signal: AbortSignal.abort() }))
  }
  t.equal(await a.circuitState(), 'closed')
  t.equal(upstream.requests.length, 8)
})

t.test('failures outside the rolling window do not add up', async (t) => {
  const r = await testRedis()
  t.teardown(r.cleanup)
  const breaker = createCircuitBreaker({ redis: r.redis, prefix: r.prefix, name: 'window', failureThreshold: 3, windowMs: 100, stateCacheMs: 0 })
  const fail = async () => breaker.record(await breaker.acquire(), 'failure')
  await fail()
  await fail()
  await delay(150)
  await fail()
  await fail()
  t.equal(await breaker.state(), 'closed')
  await fail()
  t.equal(await breaker.state(), 'open')
})

t.test('hot path: successes while closed cost no Redis write and at most one read per cache period', async (t) => {
  const upstream = await startFakeUpstream((_req, res) => reply(res, 200, 'ok'))
  const r = await testRedis()
  const counted = r.another()
  await counted.ping() // connected first: ioredis re-sends queued commands through sendCommand on connect
  const commands: string[] = []
  const send = counted.sendCommand.bind(counted)
  counted.sendCommand = ((cmd: { name: string }) => {
    commands.push(cmd.name)
    return send(cmd as never)
  }) as typeof counted.sendCommand
  const client = createUpstreamClient({ connectorId: 'hot', baseUrl: upstream.url, redis: counted, redisPrefix: r.prefix, log: silent, circuit: { stateCacheMs: 5000 } })
  t.teardown(async () => {
    await client.close()
    await upstream.close()
    await r.cleanup()
  })
  for (let i = 0; i < 20; i++) await get(client)
  t.equal(upstream.requests.length, 20)
  t.equal(commands.length, 1, `one state read for 20 calls (saw ${commands.join(', ')})`)
  t.strictSame(await r.redis.keys(`${r.prefix}*`), [], 'nothing written')
})

t.test('Redis unreachable: calls go through, one warning', async (t) => {
  const upstream = await startFakeUpstream((_req, res) => reply(res, 200, 'ok'))
  // Port 1 refuses connections; no offline queue so commands fail at once.
  const dead = new Redis({ host: '127.0.0.1', port: 1, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null })
  dead.on('error', () => {})
  const { log, lines } = captureLogger()
  const client = createUpstreamClient({ connectorId: 'no-redis', baseUrl: upstream.url, redis: dead, log, circuit: { failureThreshold: 1 } })
  t.teardown(async () => {
    await client.close()
    await upstream.close()
    dead.disconnect()
  })
  const started = Date.now()
  for (let i = 0; i < 5; i++) t.equal((await get(client)).status, 200)
  upstream.handler = (_req, res) => reply(res, 503)
  for (let i = 0; i < 3; i++) t.equal(await kindOf(get(client)), 'unavailable', 'failures still reach the upstream (no circuit without Redis)')
  t.ok(Date.now() - started < 2000, 'no Redis wait on the hot path')
  t.equal(upstream.requests.length, 8 + 2 * 3, 'retries as usual')
  t.equal(lines.filter((l) => l.level === 40 && String(l.msg).includes('cannot reach Redis')).length, 1, 'warned once')
  t.equal(await client.circuitState(), 'closed')
})
