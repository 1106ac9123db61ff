/**
 * Counts failed authentications per caller address in Redis (shared by replicas): past the limit
 * in a minute, a wrong or missing key is answered 429 instead of 401. A request with a valid key
 * never costs a round trip here, so a shared office NAT with one noisy machine does not lock out
 * the others. A Redis outage skips counting, like the per-client limits.
 */
import type { RedisClient } from '../redis.js'

export interface AuthFailureLimiter {
  /** Records one failure; resolves to the retry-after seconds when the address is over the limit. */
  fail(ip: string): Promise<number | undefined>
}

const WINDOW_MS = 60_000

export function createAuthFailureLimiter(redis: RedisClient, keyPrefix: string, perMinute: number): AuthFailureLimiter {
  return {
    async fail(ip) {
      const key = `${keyPrefix}authfail:${ip}`
      try {
        const replies = await redis.multi().incr(key).pexpire(key, WINDOW_MS, 'NX').pttl(key).exec()
        const count = Number(replies?.[0]?.[1] ?? 0)
        const ttl = Number(replies?.[2]?.[1] ?? WINDOW_MS)
        return count > perMinute ? Math.max(1, Math.ceil(ttl / 1000)) : undefined
      } catch {
        // Redis away: no lock-out applies (fail open, the key check itself still decides) and
        // /readyz reports Redis; a log line per failed login would only repeat that.
        return undefined
      }
    },
  }
}
