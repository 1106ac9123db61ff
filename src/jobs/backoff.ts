/**
 * The one place retry timing is computed: exponential backoff (with full, equal or no jitter), a
 * fixed schedule, the upstream's `Retry-After`, and an abortable sleep. Used by the upstream HTTP
 * client (full jitter, in-process retries), the sync workers (equal jitter: a retry is never
 * immediate), the inbox deliverer (its configured schedule) and the axis poller's receive
 * failures (no jitter: one ledger row per package, nothing to spread).
 *
 * Jitter: AWS architecture blog, "Exponential Backoff And Jitter" — a random part spreads the
 * retries of many replicas instead of letting them hit a recovering upstream in lock-step.
 */

export interface BackoffPolicy {
  /** Ceiling of the first retry's delay in ms. */
  baseDelayMs: number
  /** Ceiling of any one delay in ms (a Retry-After may ask for more; see `backoffDelay`). */
  maxDelayMs: number
  /**
   * `full` (default): a random delay in [0, ceiling). `equal`: half the ceiling plus a random
   * half, so a retry is never immediate. `none`: the ceiling itself.
   */
  jitter?: 'full' | 'equal' | 'none'
}

/**
 * Delay before retry number `retry` (1 = the first retry): min(max, base·2^(retry-1)), jittered.
 * A Retry-After is a floor, not subject to `maxDelayMs`: the upstream told us when it will be
 * ready, and coming back sooner only earns another 429/503. Whether to wait that long at all is
 * the caller's decision (the client gives up above its `maxRetryAfterMs`).
 */
export function backoffDelay(
  retry: number,
  policy: BackoffPolicy,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, Math.min(retry - 1, 30)) // 2^30 already dwarfs any sane cap
  const ceiling = Math.max(0, Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** exponent))
  const jitter = policy.jitter ?? 'full'
  const delay = jitter === 'none' ? ceiling : Math.floor(jitter === 'equal' ? ceiling / 2 + random() * (ceiling / 2) : random() * ceiling)
  return retryAfterMs === undefined ? delay : Math.max(delay, Math.ceil(retryAfterMs))
}

/**
 * Delay before attempt number `attempt` (0-based, as the schedule lists it) of a fixed schedule
 * such as the outgoing webhooks' 0 s, 5 s, 5 min, …; undefined once the schedule is exhausted.
 * A Retry-After is a floor here too.
 */
export function scheduledDelay(attempt: number, scheduleMs: readonly number[], retryAfterMs?: number): number | undefined {
  if (attempt >= scheduleMs.length) return undefined
  return Math.max(scheduleMs[attempt]!, retryAfterMs ?? 0)
}

/**
 * Retry-After is either delta-seconds or an HTTP-date (RFC 9110 §10.2.3); answers ms from now.
 * Anything else (a negative or fractional number, an empty value) is no Retry-After at all.
 */
export function parseRetryAfter(value: string | string[] | undefined, nowMs: number = Date.now()): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value
  if (raw === undefined) return undefined
  const v = raw.trim()
  if (/^\d+$/.test(v)) return Number(v) * 1000
  // Every HTTP-date form names its month; Date.parse alone would read "-1" as a year.
  if (!/[a-z]{3}/i.test(v)) return undefined
  const at = Date.parse(v)
  if (Number.isNaN(at)) return undefined
  return Math.max(0, at - nowMs)
}

/**
 * Waits `ms`, or rejects with the signal's own reason as soon as it aborts, so the caller can
 * tell a deadline (TimeoutError) from a caller that went away (AbortError).
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason)
      return
    }
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, Math.max(0, ms))
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
