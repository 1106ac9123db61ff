import t from 'tap'
import Fastify from 'fastify'
import problemPlugin from '../../../src/plugins/problem.js'
import authPlugin, { clientKeyProblems, sha256Hex } from '../../../src/plugins/auth.js'
import { createMetrics } from '../../../src/metrics.js'
import { createAuthFailureLimiter, type AuthFailureLimiter } from '../../../src/plugins/auth-failures.js'
import type { ClientConfig } from '../../../schemas/config.js'
import { Redis } from 'ioredis'
import { randomBytes } from 'node:crypto'
import { TEST_REDIS_URL, deleteRedisPrefix } from '../../helpers/hub.js'

async function appWith(clients: ClientConfig[], failures?: AuthFailureLimiter) {
  const app = Fastify()
  await app.register(problemPlugin, { metrics: createMetrics({ defaultMetrics: false }) })
  await app.register(authPlugin, { clients, ...(failures && { failures }) })
  app.get('/secret', { config: { scope: 'admin' } }, async (request) => ({ client: request.client?.name }))
  return app
}

const client = (name: string, key: string, expiresAt?: string): ClientConfig => ({ name, keySha256: sha256Hex(key), scopes: ['admin'], rateLimitPerMinute: 1200, ...(expiresAt && { expiresAt }) })

t.test('finding 12: a key past its expiresAt is refused with 401 and says so; others work', async (t) => {
  const app = await appWith([client('old', 'key-old', '2020-01-01'), client('current', 'key-new', '2999-01-01T00:00:00Z'), client('forever', 'key-forever')])
  t.teardown(() => app.close())
  const as = (key: string) => app.inject({ url: '/secret', headers: { authorization: `Bearer ${key}` } })
  const expired = await as('key-old')
  t.equal(expired.statusCode, 401)
  t.equal(expired.headers['content-type'], 'application/problem+json; charset=utf-8')
  t.strictSame(expired.json().detail, 'The API key of "old" expired at 2020-01-01; ask the hub operator for a new one.')
  t.strictSame((await as('key-new')).json(), { client: 'current' })
  t.strictSame((await as('key-forever')).json(), { client: 'forever' })
})

t.test('an unreadable expiry is a startup problem', async (t) => {
  t.strictSame(clientKeyProblems([client('a', 'k'), client('b', 'k2', '2026-13-45')]), ['config /clients/1/expiresAt: "2026-13-45" is not a date'])
})

t.test('finding 7: wrong keys from one address are answered 429 past the limit; a valid key still works', async (t) => {
  const redis = new Redis(TEST_REDIS_URL)
  const prefix = `test:${randomBytes(4).toString('hex')}:`
  t.teardown(async () => { redis.disconnect(); await deleteRedisPrefix(prefix) })
  const app = await appWith([client('good', 'key-good')], createAuthFailureLimiter(redis, prefix, 20))
  t.teardown(() => app.close())
  const statuses: number[] = []
  for (let i = 0; i < 30; i++) {
    const res = await app.inject({ url: '/secret', headers: i % 2 ? { authorization: `Bearer wrong-${i}` } : {} })
    statuses.push(res.statusCode)
  }
  t.strictSame(statuses, [...Array(20).fill(401), ...Array(10).fill(429)])
  const limited = await app.inject({ url: '/secret', headers: { authorization: 'Bearer wrong' } })
  t.equal(limited.headers['content-type'], 'application/problem+json; charset=utf-8')
  t.equal(limited.json().code, 'RATE_LIMITED')
  t.ok(Number(limited.headers['retry-after']) >= 1 && Number(limited.headers['retry-after']) <= 60, 'says when to retry')
  t.strictSame((await app.inject({ url: '/secret', headers: { authorization: 'Bearer key-good' } })).json(), { client: 'good' })
})
