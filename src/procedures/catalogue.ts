/**
 * The procedure catalogue, cached in Redis. An entry younger than `cacheTtlMs` is served without
 * asking upstream; an older one is refreshed, and when the upstream fails it is served stale —
 * marked so, with its age — for up to `staleTtlMs`. Concurrent misses for one code share one
 * upstream call in this process.
 */
import type { RedisClient } from '../redis.js'
import type { Logger } from 'pino'
import type { Procedure } from '../../schemas/procedure.js'
import type { ConnectorRegistry } from '../upstream/registry.js'
import { ProcedureGet } from '../contracts/portal.js'

export interface CatalogueAnswer {
  procedure: Procedure | null
  cache: { status: 'fresh' | 'miss' | 'stale'; ageSeconds: number; fetchedAt: string }
  /** The upstream failure that made a stale answer necessary. */
  staleBecause?: unknown
}

export interface Catalogue {
  get(code: string, ctx: { requestId: string; signal: AbortSignal; log: Logger }): Promise<CatalogueAnswer>
}

export interface CatalogueOptions {
  redis: RedisClient
  keyPrefix: string
  registry: ConnectorRegistry
  connector: string
  cacheTtlMs: number
  staleTtlMs: number
  now?: () => number
}

interface Entry {
  fetchedAt: number
  procedure: Procedure | null
}

export function createCatalogue(options: CatalogueOptions): Catalogue {
  const now = options.now ?? Date.now
  const inFlight = new Map<string, Promise<Entry>>()
  const key = (code: string) => `${options.keyPrefix}procedure:${code}`

  async function readCache(code: string): Promise<Entry | undefined> {
    try {
      const raw = await options.redis.get(key(code))
      return raw === null ? undefined : (JSON.parse(raw) as Entry)
    } catch {
      return undefined // a cache that does not answer is a miss, not an error
    }
  }

  function fetch(code: string, ctx: { requestId: string; signal: AbortSignal; log: Logger }): Promise<Entry> {
    let pending = inFlight.get(code)
    if (!pending) {
      pending = (async () => {
        const procedure = await options.registry.call(ProcedureGet, { code }, { ...ctx, connector: options.connector, signal: AbortSignal.timeout(30_000) })
        const entry = { fetchedAt: now(), procedure }
        // Unknown codes are remembered briefly only: a new procedure must show up soon.
        const ttl = procedure === null ? Math.min(options.cacheTtlMs, 300_000) : options.cacheTtlMs + options.staleTtlMs
        if (ttl > 0) await options.redis.set(key(code), JSON.stringify(entry), 'PX', ttl).catch((err: unknown) => ctx.log.warn({ err }, 'procedure cache write failed'))
        return entry
      })().finally(() => inFlight.delete(code))
      inFlight.set(code, pending)
    }
    // Each caller waits only as long as its own signal allows.
    return Promise.race([pending, new Promise<never>((_, reject) => {
      if (ctx.signal.aborted) reject(ctx.signal.reason)
      ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true })
    })])
  }

  const answer = (entry: Entry, status: CatalogueAnswer['cache']['status']): CatalogueAnswer => ({
    procedure: entry.procedure,
    cache: { status, ageSeconds: Math.max(0, Math.floor((now() - entry.fetchedAt) / 1000)), fetchedAt: new Date(entry.fetchedAt).toISOString() },
  })

  return {
    async get(code, ctx) {
      const cached = await readCache(code)
      if (cached && now() - cached.fetchedAt < options.cacheTtlMs) return answer(cached, 'fresh')
      try {
        return answer(await fetch(code, ctx), 'miss')
      } catch (err) {
        if (cached && cached.procedure !== null && now() - cached.fetchedAt < options.cacheTtlMs + options.staleTtlMs) {
          return { ...answer(cached, 'stale'), staleBecause: err }
        }
        throw err
      }
    },
  }
}
