/**
 * Upstream failure kinds. Every failure a connector or the upstream client sees becomes an
 * `UpstreamError` with one of these kinds; the gateway maps kinds to problem+json codes.
 */
export type UpstreamErrorKind =
  /** No answer within a deadline (connect, headers, body or the operation's overall budget). */
  | 'timeout'
  /** Connection refused or reset, DNS failure, 5xx, 429, or a transient upstream error code. */
  | 'unavailable'
  /** The upstream understood the request and refused it (4xx, non-transient business error code). */
  | 'rejected'
  /** The upstream says the subject does not exist. */
  | 'not_found'
  /** The upstream refused the hub's own credentials (after one refresh where that applies). */
  | 'unauthorized'
  /** A reply we cannot use: malformed, oversize, unexpected shape or content type. */
  | 'bad_response'
  /** The circuit breaker for this upstream is open; no call was made. */
  | 'circuit_open'
  /** The caller aborted (client disconnected, shutdown). */
  | 'aborted'

export interface UpstreamErrorOptions {
  /** Upstream's own error code (e.g. population DB `004`), safe to show. */
  upstreamCode?: string
  /** HTTP status the upstream answered, when there was one. */
  status?: number
  /** Milliseconds the upstream asked us to wait (Retry-After), when it did. */
  retryAfterMs?: number
  /**
   * The upstream's own explanation of a refusal (e.g. which field it rejected), for operators:
   * kept with dead letters and shown under `/admin`, never in a caller's error or a log line.
   * Connectors must not put personal data here; it is truncated to 500 characters.
   */
  upstreamReason?: string
  cause?: unknown
}

export class UpstreamError extends Error {
  override name = 'UpstreamError'
  readonly kind: UpstreamErrorKind
  readonly upstreamCode?: string
  readonly status?: number
  readonly retryAfterMs?: number
  readonly upstreamReason?: string

  /** `message` must be safe to show a caller: no upstream payload, no personal data. */
  constructor(kind: UpstreamErrorKind, message: string, options: UpstreamErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.kind = kind
    if (options.upstreamCode !== undefined) this.upstreamCode = options.upstreamCode
    if (options.status !== undefined) this.status = options.status
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs
    if (options.upstreamReason !== undefined) this.upstreamReason = options.upstreamReason.slice(0, 500)
  }
}

export function isUpstreamError(err: unknown): err is UpstreamError {
  return err instanceof UpstreamError
}
