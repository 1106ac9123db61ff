/**
 * Per-client rate limits whose counters live in Redis, so replicas share them. Runs after auth
 * (both are onRequest hooks, auth registered first). A Redis outage skips limiting rather than
 * failing requests.
 */
import fp from 'fastify-plugin'
import rateLimit from '@fastify/rate-limit'
import type { RedisClient } from '../redis.js'
import { GatewayError } from '../errors.js'

export default fp(async function rateLimitPlugin(app, opts: { redis: RedisClient; keyPrefix: string }) {
  await app.register(rateLimit, {
    global: true,
    hook: 'onRequest',
    redis: opts.redis,
    nameSpace: `${opts.keyPrefix}rl:`,
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
