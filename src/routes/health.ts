/** Liveness and readiness. Readiness checks what a request needs: the database and Redis. */
import type { FastifyPluginAsync } from 'fastify'
import { Type } from 'typebox'
import type { RedisClient } from '../redis.js'
import type { Db } from '../db/types.js'

// The input guard (src/plugins/input-guard.ts) checks the query string of every route.
const refused = { 400: { ...Type.Ref('Problem'), description: 'A query string the input guard refuses (a NUL or a lone surrogate)' } }
const Check = Type.Object({ ok: Type.Boolean(), error: Type.Optional(Type.String()) })
const Readiness = (description: string) => Type.Object({
  status: Type.Enum(['ready', 'not_ready']), checks: Type.Object({ database: Check, redis: Check }), shuttingDown: Type.Optional(Type.Boolean()),
}, { description })

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
  app.get('/healthz', {
    schema: { tags: ['operations'], operationId: 'getLiveness', summary: 'Liveness', response: { 200: Type.Object({ status: Type.Literal('ok') }, { description: 'The process is up' }), ...refused } },
  }, async function liveness() {
    return { status: 'ok' }
  })

  app.get('/readyz', {
    schema: { tags: ['operations'], operationId: 'getReadiness', summary: 'Readiness: database and Redis answer', response: { 200: Readiness('Ready: the database and Redis answer'), 503: Readiness('Not ready: a dependency does not answer, or the hub is shutting down'), ...refused } },
  }, async function readiness(_request, reply) {
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
