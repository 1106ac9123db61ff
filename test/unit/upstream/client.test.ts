import t, { type Test } from 'tap'
import { pino } from 'pino'
import { createUpstreamClient, type UpstreamClientOptions } from '../../../src/upstream/client.js'
import { UpstreamError } from '../../../src/upstream/errors.js'
import type { AuthStrategy } from '../../../src/upstream/auth/types.js'
import { reply, startFakeUpstream, testRedis, waitFor, within, type FakeUpstream, type Handler } from './fake-upstream.js'

const silent = pino({ level: 'silent' })
const never = () => new AbortController().signal

/** A fake upstream and a client on it (fast retries), both closed in teardown. */
async function setup(t: Test, handler: Handler, options: Partial<UpstreamClientOptions> = {}) {
  const upstream = await startFakeUpstream(handler)
  const { redis, prefix, cleanup } = await testRedis()
  const client = createUpstreamClient({
    connectorId: 'test-upstream', baseUrl: upstream.url, redis, redisPrefix: prefix, log: silent,
    retry: { baseDelayMs: 1, maxDelayMs: 5 }, ...options,
  })
  t.teardown(async () => {
    await client.close()
    await upstream.close()
    await cleanup()
  })
  return { upstream, client }
}

const failureOf = (p: Promise<unknown>) =>
  p.then(
    () => ({ kind: 'resolved' }),
    (e: UpstreamError) => ({ error: e.name, kind: e.kind, status: e.status, retryAfterMs: e.retryAfterMs }),
  )

t.test('retries an idempotent GET on 503, then succeeds', async (t) => {
  const { upstream, client } = await setup(t, (_req, res, n) => (n < 3 ? reply(res, 503, 'busy') : reply(res, 200, 'ok', { 'x-trace': 'abc' })))
  const res = await client.request({ method: 'GET', path: '/records?id=1', idempotent: true, signal: never() })
  t.strictSame({ status: res.status, body: res.body.toString(), trace: res.headers['x-trace'] }, { status: 200, body: 'ok', trace: 'abc' })
  t.strictSame(upstream.requests.map((r) => `${r.method} ${r.url}`), ['GET /records?id=1', 'GET /records?id=1', 'GET /records?id=1'])
})

t.test('gives up after maxAttempts with the last classification', async (t) => {
  const { upstream, client } = await setup(t, (_req, res) => reply(res, 502), { retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 } })
  t.strictSame(await failureOf(client.request({ method: 'GET', path: '/', idempotent: true, signal: never() })),
    { error: 'UpstreamError', kind: 'unavailable', status: 502, retryAfterMs: undefined })
  t.equal(upstream.requests.length, 2)
})

t.test('does NOT retry a non-idempotent POST', async (t) => {
  const { upstream, client } = await setup(t, (_req, res) => reply(res, 503))
  t.strictSame(await failureOf(client.request({ method: 'POST', path: '/dossiers', body: '{"a":1}', idempotent: false, signal: never() })),
    { error: 'UpstreamError', kind: 'unavailable', status: 503, retryAfterMs: undefined })
  t.equal(upstream.requests.length, 1)
  t.equal(upstream.requests[0]!.body, '{"a":1}')
})

t.test('honours Retry-After before retrying', async (t) => {
  const { upstream, client } = await setup(t, (_req, res, n) => (n === 1 ? reply(res, 503, '', { 'retry-after': '1' }) : reply(res, 200, 'ok')))
  const started = Date.now()
  const res = await client.request({ method: 'GET', path: '/', idempotent: true, signal: never() })
  const waited = Date.now() - started
  t.equal(res.status, 200)
  t.equal(upstream.requests.length, 2)
  t.ok(waited >= 990, `waited ${waited} ms for a 1 s Retry-After despite a 5 ms backoff cap`)
})

t.test('a Retry-After longer than maxRetryAfterMs is handed back at once', async (t) => {
  const { upstream, client } = await setup(t, (_req, res) => reply(res, 429, '', { 'retry-after': '120' }))
  t.strictSame(await failureOf(client.request({ method: 'GET', path: '/', idempotent: true, signal: never() })),
    { error: 'UpstreamError', kind: 'unavailable', status: 429, retryAfterMs: 120_000 })
  t.equal(upstream.requests.length, 1)
})

t.test('no reply headers within headersTimeoutMs → timeout', async (t) => {
  // undici runs header/body timeouts on ~0.5–1 s resolution timers; sub-second budgets belong on the signal.
  const { client } = await setup(t, () => {}, { headersTimeoutMs: 50, retry: { maxAttempts: 1 } })
  const started = Date.now()
  t.strictSame(await failureOf(client.request({ method: 'GET', path: '/', idempotent: true, signal: never() })),
    { error: 'UpstreamError', kind: 'timeout', status: undefined, retryAfterMs: undefined })
  t.ok(Date.now() - started < 2500, 'failed within the timer resolution')
})

t.test('a caller abort against a hanging upstream rejects promptly and closes the socket', async (t) => {
  const { upstream, client } = await setup(t, () => {})
  const c = new AbortController()
  const pending = client.request({ method: 'GET', path: '/', idempotent: true, signal: c.signal })
  await waitFor(() => upstream.requests.length === 1, 1000, 'request arrival')
  const abortedAt = Date.now()
  c.abort()
  t.strictSame(await failureOf(pending), { error: 'UpstreamError', kind: 'aborted', status: undefined, retryAfterMs: undefined })
  t.ok(Date.now() - abortedAt < 200, 'rejected promptly')
  await within(upstream.closedEarly(1), 2000, 'server-side socket close')
  t.equal(upstream.requests.length, 1, 'an abort is never retried')
})

t.test('an operation deadline (AbortSignal.timeout) → timeout, never retried', async (t) => {
  const { upstream, client } = await setup(t, () => {})
  t.strictSame(await failureOf(client.request({ method: 'GET', path: '/', idempotent: true, signal: AbortSignal.timeout(60) })),
    { error: 'UpstreamError', kind: 'timeout', status: undefined, retryAfterMs: undefined })
  t.equal(upstream.requests.length, 1)
})

t.test('an oversize body → bad_response, with or without Content-Length', async (t) => {
  const big = 'x'.repeat(4096)
  const { upstream, client } = await setup(t, (req, res) => {
    if (req.url === '/declared') return reply(res, 200, big)
    res.writeHead(200, { 'content-type': 'text/plain' }) // chunked: size unknown up front
    const timer = setInterval(() => res.write('y'.repeat(512)), 5)
    res.on('close', () => clearInterval(timer))
  }, { maxResponseBytes: 1024 })
  for (const path of ['/declared', '/streamed']) {
    t.strictSame(await failureOf(client.request({ method: 'GET', path, idempotent: true, signal: never() })),
      { error: 'UpstreamError', kind: 'bad_response', status: undefined, retryAfterMs: undefined }, path)
  }
  t.equal(upstream.requests.length, 2, 'bad_response is not retried')
  await within(upstream.closedEarly(2), 2000, 'endless stream cut off')
})

t.test('status mapping without retries; acceptStatus hands chosen statuses back', async (t) => {
  const { upstream, client } = await setup(t, (req, res) => reply(res, Number(req.url!.slice(1)), 'SECRET-BODY 062090001234'))
  for (const [status, kind] of [[404, 'not_found'], [400, 'rejected'], [403, 'unauthorized'], [501, 'unavailable']] as const) {
    const err = await client.request({ method: 'GET', path: `/${status}`, idempotent: true, signal: never() }).catch((e: UpstreamError) => e)
    t.ok(err instanceof UpstreamError)
    const e = err as UpstreamError
    t.strictSame({ kind: e.kind, status: e.status }, { kind, status })
    t.notMatch(e.message, /SECRET|062090001234/, 'the upstream body never reaches the message')
  }
  t.equal(upstream.requests.length, 4)
  const soapFault = await client.request({ method: 'POST', path: '/500', idempotent: false, signal: never(), acceptStatus: (s) => s === 200 || s === 500 })
  t.strictSame({ status: soapFault.status, body: soapFault.body.toString() }, { status: 500, body: 'SECRET-BODY 062090001234' })
})

t.test('connection refused → unavailable after the retries', async (t) => {
  const dead = await startFakeUpstream(() => {})
  await dead.close() // its port now refuses connections
  const { redis, prefix, cleanup } = await testRedis()
  const client = createUpstreamClient({ connectorId: 'gone', baseUrl: dead.url, redis, redisPrefix: prefix, log: silent, retry: { baseDelayMs: 1, maxDelayMs: 1 } })
  t.teardown(async () => {
    await client.close()
    await cleanup()
  })
  t.strictSame(await failureOf(client.request({ method: 'GET', path: '/', idempotent: true, signal: never() })),
    { error: 'UpstreamError', kind: 'unavailable', status: undefined, retryAfterMs: undefined })
})

t.test('base path prefix, caller headers and auth headers (auth wins, one spelling)', async (t) => {
  const seen: string[] = []
  const auth: AuthStrategy = {
    kind: 'test',
    async headers(url) {
      seen.push(url.href)
      return { Authorization: 'Bearer from-strategy' }
    },
  }
  const upstream: FakeUpstream = await startFakeUpstream((_req, res) => reply(res, 200, 'ok'))
  const { redis, prefix, cleanup } = await testRedis()
  const client = createUpstreamClient({ connectorId: 'p', baseUrl: `${upstream.url}/lgsp/api/`, redis, redisPrefix: prefix, log: silent, auth })
  t.teardown(async () => {
    await client.close()
    await upstream.close()
    await cleanup()
  })
  await client.request({ method: 'PUT', path: 'items/7?v=2', headers: { authorization: 'Bearer caller', 'X-Officer': 'cb01' }, body: 'b', idempotent: true, signal: never() })
  const r = upstream.requests[0]!
  t.strictSame({ url: r.url, auth: r.headers.authorization, officer: r.headers['x-officer'] }, { url: '/lgsp/api/items/7?v=2', auth: 'Bearer from-strategy', officer: 'cb01' })
  t.strictSame(seen, [`${upstream.url}/lgsp/api/items/7?v=2`], 'the strategy sees the full URL (xroad signs it)')
})
