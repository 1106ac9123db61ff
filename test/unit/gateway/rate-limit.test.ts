/**
 * Per-client rate limits counted in the process and shared through Redis in batches: one replica
 * is exact, two replicas share the window (within one flush), Redis keeps the shared count.
 */
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import Fastify from 'fastify'
import { Redis } from 'ioredis'
import t, { type Test } from 'tap'
import type { ClientConfig } from '../../../schemas/config.js'
import { createMetrics } from '../../../src/metrics.js'
import authPlugin, { sha256Hex } from '../../../src/plugins/auth.js'
import problemPlugin from '../../../src/plugins/problem.js'
import rateLimitPlugin from '../../../src/plugins/rate-limit.js'
import { BatchedCounters } from '../../../src/plugins/rate-limit-store.js'
import { TEST_REDIS_URL, deleteRedisPrefix } from '../../helpers/hub.js'

const clients: ClientConfig[] = [
  { name: 'kiosk', keySha256: sha256Hex('key-kiosk'), scopes: ['admin'], rateLimitPerMinute: 5 },
  { name: 'one-stop', keySha256: sha256Hex('key-one-stop'), scopes: ['admin'], rateLimitPerMinute: 8 },
]

async function replica(t: Test, redis: Redis, prefix: string, flushMs: number) {
  const app = Fastify()
  await app.register(problemPlugin, { metrics: createMetrics({ defaultMetrics: false }) })
  await app.register(authPlugin, { clients })
  await app.register(rateLimitPlugin, { redis, keyPrefix: prefix, flushMs })
  app.get('/thing', { config: { scope: 'admin' } }, async (request) => ({ client: request.client?.name }))
  t.teardown(() => app.close())
  return (key: string) => app.inject({ url: '/thing', headers: { authorization: `Bearer ${key}` } })
}

function setup(t: Test) {
  const redis = new Redis(TEST_REDIS_URL)
  const prefix = `test:${randomBytes(4).toString('hex')}:`
  t.teardown(async () => { await deleteRedisPrefix(prefix); redis.disconnect() })
  return { redis, prefix }
}

t.test('one replica: exactly the client limit, then 429 problem+json with Retry-After; clients counted apart', async (t) => {
  const { redis, prefix } = setup(t)
  const call = await replica(t, redis, prefix, 20)
  const statuses: number[] = []
  for (let i = 0; i < 7; i++) statuses.push((await call('key-kiosk')).statusCode)
  t.strictSame(statuses, [200, 200, 200, 200, 200, 429, 429])
  const limited = await call('key-kiosk')
  t.equal(limited.headers['content-type'], 'application/problem+json; charset=utf-8')
  t.equal(limited.json().code, 'RATE_LIMITED')
  const retry = Number(limited.headers['retry-after'])
  t.ok(retry >= 1 && retry <= 60, `Retry-After ${retry} within the window`)
  t.equal((await call('key-one-stop')).statusCode, 200, 'another client has its own count')
})

t.test('two replicas share the window through Redis once their counts are flushed', async (t) => {
  const { redis, prefix } = setup(t)
  const a = await replica(t, redis, prefix, 10)
  const b = await replica(t, redis, prefix, 10)
  for (let i = 0; i < 4; i++) t.equal((await a('key-one-stop')).statusCode, 200)
  await sleep(100)
  for (let i = 0; i < 4; i++) t.equal((await b('key-one-stop')).statusCode, 200)
  await sleep(100)
  t.equal((await a('key-one-stop')).statusCode, 429, 'replica A sees B’s four')
  t.equal((await b('key-one-stop')).statusCode, 429)
  await sleep(100)
  const keys = await redis.keys(`${prefix}rl:*`)
  t.equal(keys.length, 1, 'one shared counter for the client and window')
  t.equal(Number(await redis.get(keys[0]!)), 10, 'every request counted once, the refused ones included')
  const ttl = await redis.pttl(keys[0]!)
  t.ok(ttl > 0 && ttl <= 65_000, 'the counter expires after its window')
})

t.test('counters: windows aligned to the clock, pending kept while Redis fails, flushed after', async (t) => {
  const { prefix } = setup(t)
  let now = 120_000 + 59_990
  const broken = new Redis({ port: 1, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 })
  const counters = new BatchedCounters({ redis: broken, keyPrefix: prefix, flushMs: 60_000, now: () => now })
  t.strictSame(counters.incr('c', 60_000), { current: 1, ttl: 10 })
  t.strictSame(counters.incr('c', 60_000), { current: 2, ttl: 10 })
  await counters.flush()
  t.strictSame(counters.incr('c', 60_000), { current: 3, ttl: 10 }, 'nothing lost when Redis refused the flush')
  now += 20
  t.strictSame(counters.incr('c', 60_000), { current: 1, ttl: 59_990 }, 'a new window starts at zero')
  await counters.close()
  broken.disconnect()
})
