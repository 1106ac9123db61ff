/**
 * The last upstream failures per connector, for operators (`GET /admin/upstream-errors`, the
 * console's connector page). Kept in Redis so every replica's failures show in one list; a
 * capped list per connector (newest first), written without waiting: a Redis hiccup loses an
 * entry of this view, never a request. Only the safe fields of an UpstreamError are kept (its
 * message is written to be shown to a caller), and 9- and 12-digit runs are masked as in logs.
 * A caller's own abort and "no such record" are answers, not failures, and are not kept.
 */
import type { RedisClient } from '../redis.js'
import { maskIdsInText } from '../logger.js'
import type { UpstreamError, UpstreamErrorKind } from './errors.js'

export interface RecentError {
  connector: string
  operation: string
  /** ISO 8601. */
  at: string
  kind: UpstreamErrorKind
  message: string
  upstreamCode: string | null
  status: number | null
}

export interface RecentErrors {
  record(connector: string, operation: string, err: UpstreamError): void
  /** Newest first; every connector when `connector` is omitted. */
  list(q: { connector?: string; limit: number }): Promise<RecentError[]>
}

const NOT_FAILURES: ReadonlySet<UpstreamErrorKind> = new Set(['aborted', 'not_found'])

export function createRecentErrors(redis: RedisClient, keyPrefix: string, connectors: () => string[], keep = 50): RecentErrors {
  const key = (connector: string) => `${keyPrefix}upstream-errors:${connector}`
  return {
    record(connector, operation, err) {
      if (NOT_FAILURES.has(err.kind)) return
      const entry: RecentError = {
        connector, operation, at: new Date().toISOString(), kind: err.kind, message: maskIdsInText(err.message).slice(0, 500),
        upstreamCode: err.upstreamCode ?? null, status: err.status ?? null,
      }
      redis.multi().lpush(key(connector), JSON.stringify(entry)).ltrim(key(connector), 0, keep - 1).exec().catch(() => {})
    },
    async list(q) {
      const ids = q.connector === undefined ? connectors() : [q.connector]
      const lists = await Promise.all(ids.map((id) => redis.lrange(key(id), 0, q.limit - 1)))
      const entries: RecentError[] = []
      for (const raw of lists.flat()) {
        try {
          entries.push(JSON.parse(raw) as RecentError)
        } catch {}
      }
      return entries.sort((a, b) => b.at.localeCompare(a.at)).slice(0, q.limit)
    },
  }
}
