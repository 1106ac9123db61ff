import t, { type Test } from 'tap'
import { pino } from 'pino'
import { createOAuth2ClientCredentials } from '../../../src/upstream/auth/oauth2-client-credentials.js'
import { createUpstreamClient } from '../../../src/upstream/client.js'
import { UpstreamError } from '../../../src/upstream/errors.js'
import { delay, reply, startFakeUpstream, testRedis, within, type FakeUpstream } from './fake-upstream.js'

const silent = pino({ level: 'silent' })
const url = new URL('http://upstream.invalid/x')
const never = () => new AbortController().signal

/** A token server issuing `tok-1`, `tok-2`, … after `latencyMs`. */
async function tokenServer(t: Test, opts: { latencyMs?: number; expiresIn?: number } = {}): Promise<FakeUpstream> {
  const server = await startFakeUpstream(async (_req, res, n) => {
    await delay(opts.latencyMs ?? 30)
    reply(res, 200, JSON.stringify({ access_token: `tok-${n}`, token_type: 'Bearer', expires_in: opts.expiresIn ?? 3600 }), { 'content-type': 'application/json' })
  })
  t.teardown(() => server.close())
  return server
}

t.test('50 parallel callers share ONE token request, sent as the spec says', async (t) => {
  const server = await tokenServer(t)
  const auth = createOAuth2ClientCredentials({ tokenUrl: `${server.url}/token`, clientId: 'hub', clientSecret: 's3cret', scope: 'citizens' })
  const all = await Promise.all(Array.from({ length: 50 }, () => auth.headers(url, never())))
  t.equal(server.requests.length, 1)
  t.strictSame(new Set(all.map((h) => h.authorization)), new Set(['Bearer tok-1']))
  const r = server.requests[0]!
  t.strictSame(
    { method: r.method, url: r.url, auth: r.headers.authorization, type: r.headers['content-type'], body: r.body },
    {
      method: 'POST', url: '/token', auth: `Basic ${Buffer.from('hub:s3cret').toString('base64')}`,
      type: 'application/x-www-form-urlencoded', body: 'grant_type=client_credentials&scope=citizens',
    },
  )
  await auth.headers(url, never())
  t.equal(server.requests.length, 1, 'cached afterwards')
})

t.test('refreshes refreshSkewMs before expires_in runs out', async (t) => {
  const server = await tokenServer(t, { latencyMs: 0, expiresIn: 3600 })
  let clock = 1_000_000
  const auth = createOAuth2ClientCredentials({ tokenUrl: `${server.url}/token`, clientId: 'a', clientSecret: 'b' }, { now: () => clock })
  t.strictSame(await auth.headers(url, never()), { authorization: 'Bearer tok-1' })
  clock += 3600_000 - 30_000 - 1
  t.strictSame(await auth.headers(url, never()), { authorization: 'Bearer tok-1' }, 'still fresh just before the skew')
  clock += 1
  t.strictSame(await auth.headers(url, never()), { authorization: 'Bearer tok-2' }, 'refreshed 30 s before expiry')
  t.equal(server.requests.length, 2)
})

t.test('a failed refresh keeps using the current token until it really expires', async (t) => {
  let fail = false
  const server = await startFakeUpstream((_req, res, n) => {
    if (fail) return reply(res, 503)
    reply(res, 200, JSON.stringify({ access_token: `tok-${n}`, expires_in: 100 }))
  })
  t.teardown(() => server.close())
  let clock = 0
  const auth = createOAuth2ClientCredentials({ tokenUrl: server.url, clientId: 'a', clientSecret: 'b', refreshSkewMs: 30_000 }, { now: () => clock })
  await auth.headers(url, never())
  fail = true
  clock = 80_000 // past refreshAt (100 s − 30 s skew), before expiry (100 s)
  t.strictSame(await auth.headers(url, never()), { authorization: 'Bearer tok-1' })
  t.equal(server.requests.length, 2, 'a refresh was attempted')
  clock = 100_000
  await t.rejects(auth.headers(url, never()), { name: 'UpstreamError', kind: 'unavailable', status: 503 })
})

t.test('concurrent invalidations of the same token share one refresh; a late one refreshes nothing', async (t) => {
  const server = await tokenServer(t)
  const auth = createOAuth2ClientCredentials({ tokenUrl: server.url, clientId: 'a', clientSecret: 'b' })
  const refused = await auth.headers(url, never())
  const results = await Promise.all(Array.from({ length: 10 }, () => auth.invalidate!(never(), refused)))
  t.strictSame(results, Array(10).fill(true))
  t.equal(server.requests.length, 2, 'one initial token, one refresh')
  t.equal(await auth.invalidate!(never(), refused), true, 'a request refused with tok-1 may retry with tok-2')
  t.equal(server.requests.length, 2, 'without another refresh')
  t.strictSame(await auth.headers(url, never()), { authorization: 'Bearer tok-2' })
})

t.test('invalidate reports false when the endpoint hands back the same token', async (t) => {
  const server = await startFakeUpstream((_req, res) => reply(res, 200, JSON.stringify({ access_token: 'same', expires_in: 3600 })))
  t.teardown(() => server.close())
  const auth = createOAuth2ClientCredentials({ tokenUrl: server.url, clientId: 'a', clientSecret: 'b' })
  const refused = await auth.headers(url, never())
  t.equal(await auth.invalidate!(never(), refused), false)
})

t.test('token endpoint failures become UpstreamErrors with safe messages', async (t) => {
  const cases: Array<[number, string, string]> = [
    [401, '{"error":"invalid_client","detail":"SECRET-DETAIL"}', 'unauthorized'],
    [400, '{"error":"invalid_scope"}', 'unauthorized'],
    [503, 'busy', 'unavailable'],
    [200, '<html>not json</html>', 'bad_response'],
    [200, '{"token":"x"}', 'bad_response'],
  ]
  for (const [status, body, kind] of cases) {
    const server = await startFakeUpstream((_req, res) => reply(res, status, body))
    const auth = createOAuth2ClientCredentials({ tokenUrl: server.url, clientId: 'a', clientSecret: 'b' })
    const err = await auth.headers(url, never()).catch((e: unknown) => e)
    await server.close()
    t.ok(err instanceof UpstreamError, `${status} ${body}`)
    t.equal((err as UpstreamError).kind, kind, `${status} → ${kind}`)
    t.notMatch((err as Error).message, /SECRET|html|invalid_/, 'no token endpoint body in the message')
  }
})

t.test('token request timeout → timeout; a caller abort leaves other waiters served', async (t) => {
  const slow = await startFakeUpstream(() => {}) // never answers
  t.teardown(() => slow.close())
  const auth = createOAuth2ClientCredentials({ tokenUrl: slow.url, clientId: 'a', clientSecret: 'b', timeoutMs: 80 })
  await t.rejects(within(auth.headers(url, never()), 2000, 'token timeout'), { name: 'UpstreamError', kind: 'timeout' })

  const server = await tokenServer(t, { latencyMs: 100 })
  const shared = createOAuth2ClientCredentials({ tokenUrl: server.url, clientId: 'a', clientSecret: 'b' })
  const quitter = new AbortController()
  const first = shared.headers(url, quitter.signal)
  const second = shared.headers(url, never())
  setTimeout(() => quitter.abort(), 20)
  await t.rejects(first, { name: 'UpstreamError', kind: 'aborted' })
  t.strictSame(await second, { authorization: 'Bearer tok-1' }, 'the other waiter still gets the token')
  t.equal(server.requests.length, 1)

  const alone = await startFakeUpstream(() => {}) // never answers
  t.teardown(() => alone.close())
  const lonely = createOAuth2ClientCredentials({ tokenUrl: alone.url, clientId: 'a', clientSecret: 'b' })
  const c = new AbortController()
  const p = lonely.headers(url, c.signal)
  setTimeout(() => c.abort(), 20)
  await t.rejects(p, { name: 'UpstreamError', kind: 'aborted' })
  await within(alone.closedEarly(1), 2000, 'token request cancelled once its last waiter left')
})

t.test('through the client: a 401 → one refresh and one retry, even for a POST', async (t) => {
  const tokens = await tokenServer(t)
  const upstream = await startFakeUpstream((req, res) => {
    if (req.headers.authorization === 'Bearer tok-2') return reply(res, 200, 'accepted')
    reply(res, 401)
  })
  t.teardown(() => upstream.close())
  const { redis, prefix, cleanup } = await testRedis()
  t.teardown(cleanup)
  const auth = createOAuth2ClientCredentials({ tokenUrl: tokens.url, clientId: 'a', clientSecret: 'b' })
  const client = createUpstreamClient({ connectorId: 'registry', baseUrl: upstream.url, redis, redisPrefix: prefix, log: silent, auth })
  t.teardown(() => client.close())

  const res = await client.request({ method: 'POST', path: '/dossiers', body: '{}', idempotent: false, signal: never() })
  t.strictSame({ status: res.status, body: res.body.toString() }, { status: 200, body: 'accepted' })
  t.strictSame(upstream.requests.map((r) => r.headers.authorization), ['Bearer tok-1', 'Bearer tok-2'])
  t.equal(tokens.requests.length, 2)

  // Now every token is refused: exactly one refresh, one retry, then `unauthorized`.
  upstream.handler = (_req, res) => reply(res, 401)
  await t.rejects(client.request({ method: 'GET', path: '/x', idempotent: true, signal: never() }), { name: 'UpstreamError', kind: 'unauthorized', status: 401 })
  t.equal(upstream.requests.length, 4)
  t.equal(tokens.requests.length, 3)
})
