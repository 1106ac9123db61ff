/**
 * Per-client rate limits whose counters are shared by the replicas through Redis, counted in the
 * process and synced in batches (rate-limit-store.ts) rather than one Redis script per request.
 * Runs after auth (both are onRequest hooks, auth registered first). A Redis outage leaves each
 * replica limiting on its own counts rather than failing requests.
 */
import fp from 'fastify-plugin'
import rateLimit from '@fastify/rate-limit'
import type { RedisClient } from '../redis.js'
import { GatewayError } from '../errors.js'
import { BatchedCounters, batchedStore } from './rate-limit-store.js'

export default fp(async function rateLimitPlugin(app, opts: { redis: RedisClient; keyPrefix: string; flushMs?: number }) {
  const counters = new BatchedCounters({ redis: opts.redis, keyPrefix: `${opts.keyPrefix}rl:`, ...(opts.flushMs && { flushMs: opts.flushMs }) })
  app.addHook('onClose', async function flushRateCounts() {
    await counters.close()
  })
  await app.register(rateLimit, {
    global: true,
    hook: 'onRequest',
    store: batchedStore(counters),
    skipOnError: true,
    timeWindow: 60_000,
    allowList: (request) => !request.client,
    keyGenerator: (request) => request.client?.name ?? request.ip,
    max: (request) => request.client?.rateLimitPerMinute ?? 1200,
    errorResponseBuilder: (_request, context) =>
      new GatewayError('RATE_LIMITED', `Rate limit of ${context.max} requests per minute reached; retry in ${Math.ceil(context.ttl / 1000)} s.`, {
        headers: { 'retry-after': String(Math.ceil(context.ttl / 1000)) },
      }),
  })
}, { name: 'rate-limit', dependencies: ['auth'] })
