/**
 * Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And Jitter"):
 * a random delay in [0, min(cap, base·2^(n-1))) spreads the retries of many replicas instead of
 * letting them hit a recovering upstream in lock-step.
 */

export interface BackoffPolicy {
  /** Ceiling of the first retry's delay in ms. */
  baseDelayMs: number
  /** Ceiling of any one delay in ms (a Retry-After may ask for more; see `backoffDelay`). */
  maxDelayMs: number
}

/**
 * Delay before retry number `retry` (1 = the first retry).
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
  const jittered = Math.floor(random() * ceiling)
  return retryAfterMs === undefined ? jittered : Math.max(jittered, Math.ceil(retryAfterMs))
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
