/** Upstream auth as small pluggable strategies. */
import type { Logger } from 'pino'

/** What `createAuthStrategy` and the strategies receive besides their config. */
export interface AuthDeps {
  log?: Logger
  /** Clock in ms since the epoch (tests). Default `Date.now`. */
  now?: () => number
}

export interface AuthStrategy {
  readonly kind: string
  /** Headers to add to a request to `url`; may fetch or refresh a token. */
  headers(url: URL, signal: AbortSignal): Promise<Record<string, string>>
  /**
   * Called when the upstream refused our credentials (401). Returns true when the strategy
   * obtained fresh credentials and the request is worth one more try.
   * `refused` = the auth headers the refused request carried, so a strategy can tell "this token
   * was already replaced by a concurrent refresh" from "the current token is bad" and refresh once.
   */
  invalidate?(signal: AbortSignal, refused?: Record<string, string>): Promise<boolean>
}
