/**
 * A rate-limit store for @fastify/rate-limit that counts in the process and syncs the counts to
 * Redis in batches, instead of one Redis script per request (issue 17: that round trip was on
 * every request of every client).
 *
 * Windows are fixed and aligned to the clock (`floor(now / window)`), so every replica counts the
 * same window under the same key. A request is answered at once from `remote + pending`: `remote`
 * is the shared count Redis returned at the last flush (all replicas' requests, ours included),
 * `pending` what this replica counted since. Every `flushMs` the pending counts go to Redis in one
 * pipeline (`INCRBY` + `PEXPIREAT` per key, `GET` for the windows it has not counted in since),
 * whose replies become the new `remote`. One replica alone is therefore exact; N replicas
 * together may let through at most what the others accepted in one flush interval beyond the
 * limit. A Redis error keeps the pending counts for the next
 * flush (limiting goes on per replica), as the Redis store's `skipOnError` did.
 */
import type { RedisClient } from '../redis.js'

interface WindowCount {
  /** Start of the window (ms since the epoch). */
  start: number
  windowMs: number
  /** The shared count Redis last reported for this window. */
  remote: number
  /** Counted here since the last flush that succeeded. */
  pending: number
}

type IncrCallback = (err: Error | null, result?: { current: number; ttl: number }) => void

export interface BatchedCounterOptions {
  redis: RedisClient
  /** Redis key prefix for the counters. */
  keyPrefix: string
  /** How often pending counts are written to Redis. Default 100 ms. */
  flushMs?: number
  now?: () => number
}

/** The counters shared by every route's store of one app; `close()` flushes and stops the timer. */
export class BatchedCounters {
  private readonly counts = new Map<string, WindowCount>()
  private readonly timer: NodeJS.Timeout
  private flushing: Promise<void> | undefined
  private readonly now: () => number

  constructor(private readonly options: BatchedCounterOptions) {
    this.now = options.now ?? Date.now
    this.timer = setInterval(() => void this.flush(), options.flushMs ?? 100)
    this.timer.unref()
  }

  /** Counts one request for `key` in the current window of `windowMs`; answers without I/O. */
  incr(key: string, windowMs: number): { current: number; ttl: number } {
    const now = this.now()
    const start = now - (now % windowMs)
    let count = this.counts.get(key)
    if (!count || count.start !== start) {
      count = { start, windowMs, remote: 0, pending: 0 }
      this.counts.set(key, count)
    }
    count.pending += 1
    return { current: count.remote + count.pending, ttl: start + windowMs - now }
  }

  /** Writes every pending count to Redis in one pipeline; concurrent calls share one flush. */
  flush(): Promise<void> {
    this.flushing ??= this.writePending().finally(() => {
      this.flushing = undefined
    })
    return this.flushing
  }

  /**
   * One pipeline: pending counts are added (`INCRBY` + `PEXPIREAT`), the windows this replica is
   * still in but has not counted in since are read (`GET`), so an idle replica also learns what
   * the others counted. Every reply becomes the window's `remote`.
   */
  private async writePending(): Promise<void> {
    const now = this.now()
    const batch = [...this.counts]
      .filter(([, count]) => count.pending > 0 || count.start + count.windowMs > now)
      .map(([key, count]) => ({ key, count, sent: count.pending, redisKey: `${this.options.keyPrefix}${key}:${count.start}` }))
    if (batch.length === 0) return
    const pipeline = this.options.redis.pipeline()
    for (const { count, sent, redisKey } of batch) {
      if (sent === 0) {
        pipeline.get(redisKey)
        continue
      }
      pipeline.incrby(redisKey, sent)
      // Kept a little past the window's end so a slow replica's late flush still lands in it.
      pipeline.pexpireat(redisKey, count.start + count.windowMs + 5000)
    }
    const replies = await pipeline.exec().catch(() => null)
    if (!replies) return
    let i = 0
    for (const { key, count, sent } of batch) {
      const [err, reply] = replies[i] ?? [new Error('no reply')]
      i += sent === 0 ? 1 : 2
      const total = Number(reply ?? 0)
      if (err || !Number.isSafeInteger(total)) continue
      count.pending -= sent
      count.remote = Math.max(count.remote, total)
      // A window that has ended and has nothing pending is forgotten.
      if (this.counts.get(key) === count && count.pending === 0 && count.start + count.windowMs <= this.now()) this.counts.delete(key)
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer)
    await this.flush()
  }
}

/**
 * The constructor @fastify/rate-limit's `store` option wants: it is created with the plugin's
 * options; ours carry nothing it needs beyond the shared counters captured here.
 */
export function batchedStore(counters: BatchedCounters) {
  return class BatchedStore {
    constructor(
      _options?: unknown,
      private readonly scope = '',
    ) {}

    incr(key: string, callback: IncrCallback, timeWindow: number): void {
      const result = counters.incr(`${this.scope}${key}`, timeWindow)
      callback(null, result)
    }

    // A route with its own limit counts under its own key (what the plugin's Redis store does).
    // The plugin passes its merged options with the route as `routeInfo` (its typings say otherwise).
    child(routeOptions: object) {
      const route = (routeOptions as { routeInfo?: { method?: unknown; url?: unknown } }).routeInfo
      return new BatchedStore(undefined, `${this.scope}${String(route?.method ?? '')}${String(route?.url ?? '')}-`)
    }
  }
}
