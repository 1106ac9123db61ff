/** How sync workers judge a failed delivery: refusal or not, the backoff, and the text kept with it. */
import type { SyncTarget } from '../../schemas/config.js'
import type { UpstreamError } from '../upstream/errors.js'

/** Kinds that say "this request is wrong", not "try later". */
export const REFUSALS: ReadonlySet<string> = new Set(['rejected', 'not_found'])

/** Equal jitter: half the exponential ceiling plus a random half, so a retry is never immediate. */
export function retryDelay(attempt: number, retry: SyncTarget['retry'], retryAfterMs?: number, random = Math.random): number {
  const ceiling = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30))
  const delay = Math.floor(ceiling / 2 + random() * (ceiling / 2))
  return retryAfterMs === undefined ? delay : Math.max(delay, Math.ceil(retryAfterMs))
}

/** The failure as kept in the ledger (`last_error`) and shown under /admin. */
export function describeFailure(err: UpstreamError): string {
  const reason = err.upstreamReason ? `: ${err.upstreamReason}` : ''
  return `${err.kind}${err.upstreamCode ? ` ${err.upstreamCode}` : ''} — ${err.message}${reason}`.slice(0, 1000)
}
