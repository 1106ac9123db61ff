/** Liveness and readiness. Readiness checks what a request needs: the database and Redis. */
import type { FastifyPluginAsync } from 'fastify'
import type { RedisClient } from '../redis.js'
import type { Db } from '../db/types.js'

async function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, fail) => { timer = setTimeout(() => fail(new Error(`no answer within ${ms} ms`)), ms) })
  try {
    return await Promise.race([work, timeout])
  } finally {
    clearTimeout(timer)
  }
}

const healthRoutes: FastifyPluginAsync<{ db: Db; redis: RedisClient; isShuttingDown: () => boolean }> = async (app, deps) => {
  app.get('/healthz', { schema: { tags: ['operations'], summary: 'Liveness' } }, async function liveness() {
    return { status: 'ok' }
  })

  app.get('/readyz', { schema: { tags: ['operations'], summary: 'Readiness: database and Redis answer' } }, async function readiness(_request, reply) {
    const check = async (work: () => Promise<unknown>) => {
      try {
        await within(1000, work())
        return { ok: true }
      } catch (err) {
        return { ok: false, error: (err as Error).message }
      }
    }
    const [database, redis] = await Promise.all([check(() => deps.db.ping()), check(() => deps.redis.ping())])
    const ready = database.ok && redis.ok && !deps.isShuttingDown()
    reply.code(ready ? 200 : 503)
    return { status: ready ? 'ready' : 'not_ready', checks: { database, redis }, ...(deps.isShuttingDown() ? { shuttingDown: true } : {}) }
  })
}

export default healthRoutes
