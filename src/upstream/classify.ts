/**
 * The ONE place that decides what an upstream failure is and whether it is worth another try
 * (STYLE: Nango's proxy retry module). The client, the token fetcher and the queues all ask
 * here, so a status or socket error never means two different things in two places.
 *
 * Reasons are built from status codes and error codes only — never from an upstream body or an
 * error message that could echo one — so they are safe to put in an `UpstreamError` message.
 */
import { UpstreamError, type UpstreamErrorKind } from './errors.js'
import { parseRetryAfter } from '../jobs/backoff.js'

export type ResponseHeaders = Record<string, string | string[] | undefined>

export interface ClassifyInput {
  /** What was thrown (undici error, abort reason, an `UpstreamError`, …). Wins over `status`. */
  error?: unknown
  /** HTTP status the upstream answered with, when it answered. */
  status?: number
  /** Response headers (lower-case names, as undici gives them), for Retry-After. */
  headers?: ResponseHeaders
  /**
   * The caller's signal. When it is aborted, its reason decides between `aborted` and `timeout`
   * whatever undici threw, because undici may surface the abort as a socket or body error.
   */
  signal?: AbortSignal
  /** Clock for HTTP-date Retry-After values (tests). Default `Date.now`. */
  now?: () => number
}

export interface Classification {
  kind: UpstreamErrorKind
  /** Worth another attempt (the client still retries only idempotent requests). */
  retry: boolean
  /** The upstream asked us to wait at least this long. */
  retryAfterMs?: number
  /** Short, safe, operator-facing explanation. */
  reason: string
  status?: number
  /** A 401: credentials may be stale; one refresh and one more attempt is worth it. */
  refreshAuth?: boolean
}

const TRANSIENT_KINDS: ReadonlySet<UpstreamErrorKind> = new Set(['timeout', 'unavailable'])

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT', 'ESOCKETTIMEDOUT'])
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN',
  'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_DESTROYED',
])
/** The upstream answered, but with something HTTP itself cannot parse or we refuse to hold. */
const BAD_RESPONSE_CODES = new Set([
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH', 'UND_ERR_HEADERS_OVERFLOW', 'UND_ERR_RES_EXCEEDED_MAX_SIZE', 'UND_ERR_INFO',
])

export function classify(input: ClassifyInput): Classification {
  if (input.error !== undefined) return classifyError(input.error, input.signal)
  if (input.status !== undefined) return classifyStatus(input.status, input.headers, input.now ?? Date.now)
  return { kind: 'bad_response', retry: false, reason: 'no reply and no error to classify' }
}

function classifyError(error: unknown, signal: AbortSignal | undefined): Classification {
  if (error instanceof UpstreamError) {
    const c: Classification = { kind: error.kind, retry: TRANSIENT_KINDS.has(error.kind), reason: error.message }
    if (error.retryAfterMs !== undefined) c.retryAfterMs = error.retryAfterMs
    if (error.status !== undefined) c.status = error.status
    return c
  }
  // The caller gave up (or its deadline passed): whatever undici reports is a consequence.
  if (signal?.aborted) return classifyAbortReason(signal.reason)

  const name = errorName(error)
  if (name === 'TimeoutError') return { kind: 'timeout', retry: false, reason: 'deadline exceeded' }
  if (name === 'AbortError') return classifyAbortReason((error as { cause?: unknown }).cause ?? error)

  const code = errorCode(error)
  if (code === 'UND_ERR_ABORTED') return { kind: 'aborted', retry: false, reason: 'request aborted' }
  if (code !== undefined) {
    if (TIMEOUT_CODES.has(code)) return { kind: 'timeout', retry: true, reason: timeoutReason(code) }
    if (UNAVAILABLE_CODES.has(code)) return { kind: 'unavailable', retry: true, reason: `connection failed (${code})` }
    if (BAD_RESPONSE_CODES.has(code) || code.startsWith('HPE_')) {
      return { kind: 'bad_response', retry: false, reason: `malformed HTTP reply (${code})` }
    }
  }
  // Unknown errors are most likely our own bugs (bad argument, TypeError): retrying won't help.
  return { kind: 'unavailable', retry: false, reason: `unexpected error (${code ?? name ?? typeof error})` }
}

/** An abort means `timeout` when a deadline fired, `aborted` when someone went away. */
function classifyAbortReason(reason: unknown): Classification {
  if (reason instanceof UpstreamError) return classifyError(reason, undefined)
  if (errorName(reason) === 'TimeoutError') return { kind: 'timeout', retry: false, reason: 'deadline exceeded' }
  return { kind: 'aborted', retry: false, reason: 'request aborted by the caller' }
}

function classifyStatus(status: number, headers: ResponseHeaders | undefined, now: () => number): Classification {
  const http = `HTTP ${status} from upstream`
  if (status === 408) return { kind: 'timeout', retry: true, reason: http, status }
  if (status === 401) return { kind: 'unauthorized', retry: false, reason: `${http}: credentials refused`, status, refreshAuth: true }
  if (status === 403) return { kind: 'unauthorized', retry: false, reason: `${http}: access denied`, status }
  if (status === 404) return { kind: 'not_found', retry: false, reason: http, status }
  if (status === 429 || status === 503) {
    const c: Classification = { kind: 'unavailable', retry: true, reason: http, status }
    const retryAfterMs = parseRetryAfter(header(headers, 'retry-after'), now())
    if (retryAfterMs !== undefined) c.retryAfterMs = retryAfterMs
    return c
  }
  // 501: the upstream will never implement this method — repeating cannot help.
  if (status === 501) return { kind: 'unavailable', retry: false, reason: http, status }
  if (status >= 500 && status <= 599) return { kind: 'unavailable', retry: true, reason: http, status }
  if (status >= 400 && status <= 499) return { kind: 'rejected', retry: false, reason: http, status }
  // A 1xx/2xx/3xx the caller did not accept (e.g. a redirect undici does not follow).
  return { kind: 'bad_response', retry: false, reason: `unexpected ${http}`, status }
}

/** The one Retry-After parser (src/jobs/backoff.ts), re-exported where classification needs it. */
export { parseRetryAfter }

export interface ToUpstreamErrorOptions {
  /** Prefixes the message so an operator sees which upstream failed. */
  connectorId?: string
  /** The original error, kept for logs (never shown to callers). */
  cause?: unknown
  upstreamCode?: string
}

/**
 * Turns a classification into the error callers see. An `UpstreamError` cause of the same kind is
 * returned as is, so connector-made errors keep their upstream code and message.
 */
export function toUpstreamError(c: Classification, options: ToUpstreamErrorOptions = {}): UpstreamError {
  if (options.cause instanceof UpstreamError && options.cause.kind === c.kind) return options.cause
  const message = options.connectorId === undefined ? c.reason : `${options.connectorId}: ${c.reason}`
  return new UpstreamError(c.kind, message, {
    ...(c.status !== undefined && { status: c.status }),
    ...(c.retryAfterMs !== undefined && { retryAfterMs: c.retryAfterMs }),
    ...(options.upstreamCode !== undefined && { upstreamCode: options.upstreamCode }),
    ...(options.cause !== undefined && { cause: options.cause }),
  })
}

function timeoutReason(code: string): string {
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return 'no connection within the connect timeout'
  if (code === 'UND_ERR_HEADERS_TIMEOUT') return 'no reply headers within the headers timeout'
  if (code === 'UND_ERR_BODY_TIMEOUT') return 'reply body stalled past the body timeout'
  return `timed out (${code})`
}

function errorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && typeof (error as { name?: unknown }).name === 'string'
    ? (error as { name: string }).name
    : undefined
}

/** undici and Node put the code on the error, on its cause, or (happy eyeballs) on an inner error. */
function errorCode(error: unknown, depth = 0): string | undefined {
  if (typeof error !== 'object' || error === null || depth > 3) return undefined
  const e = error as { code?: unknown; cause?: unknown; errors?: unknown }
  if (typeof e.code === 'string') return e.code
  if (Array.isArray(e.errors) && e.errors.length > 0) return errorCode(e.errors[0], depth + 1)
  return errorCode(e.cause, depth + 1)
}

function header(headers: ResponseHeaders | undefined, name: string): string | undefined {
  const v = headers?.[name]
  return Array.isArray(v) ? v[0] : v
}
