/** How sync workers judge a failed delivery: refusal or not, the backoff, and the text kept with it. */
import type { SyncTarget } from '../../schemas/config.js'
import { isUpstreamError, type UpstreamError } from '../upstream/errors.js'
import { backoffDelay } from '../jobs/backoff.js'

/** Kinds that say "this request is wrong", not "try later". */
const REFUSALS: ReadonlySet<string> = new Set(['rejected', 'not_found'])

/** The target's backoff with equal jitter, so a retry is never immediate; a Retry-After is a floor. */
export const retryDelay = (attempt: number, retry: SyncTarget['retry'], retryAfterMs?: number): number =>
  backoffDelay(attempt, { baseDelayMs: retry.baseDelayMs, maxDelayMs: retry.maxDelayMs, jitter: 'equal' }, retryAfterMs)

/** The failure as kept in the ledger (`last_error`) and shown under /admin. */
function describeFailure(err: UpstreamError): string {
  const reason = err.upstreamReason ? `: ${err.upstreamReason}` : ''
  return `${err.kind}${err.upstreamCode ? ` ${err.upstreamCode}` : ''} — ${err.message}${reason}`.slice(0, 1000)
}

/** One failed item, judged: `dead` now (refused, or out of attempts) or to be retried. */
export interface Judgement {
  dead: boolean
  id: number
  /** Attempts including this one. */
  attempts: number
  error: string
  upstreamCode?: string
  /** The upstream's Retry-After (or the circuit's reopen time), a floor for the backoff. */
  retryAfterMs?: number
  /** For logs: the failure's kind (`crash` for anything that is not an upstream failure). */
  kind: string
}

/** The one place a delivery failure is classified, for both delivery paths. */
export function judgeFailure(item: { id: number; attempts: number }, caught: unknown, maxAttempts: number): Judgement {
  const err = isUpstreamError(caught) ? caught : undefined
  const attempts = item.attempts + 1
  const error = err ? describeFailure(err) : String(caught).slice(0, 1000)
  const refused = err !== undefined && REFUSALS.has(err.kind)
  const common = { id: item.id, attempts, kind: err?.kind ?? 'crash', ...(err?.upstreamCode !== undefined && { upstreamCode: err.upstreamCode }) }
  if (refused || attempts >= maxAttempts) return { ...common, dead: true, error: refused ? error : `gave up after ${attempts} attempts: ${error}` }
  return { ...common, dead: false, error, ...(err?.retryAfterMs !== undefined && { retryAfterMs: err.retryAfterMs }) }
}
