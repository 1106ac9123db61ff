/**
 * Gateway errors with stable codes (DESIGN §2). Every error a caller sees is one of these,
 * rendered as application/problem+json by the error handler plugin.
 */
export type ErrorCode =
  | 'VALIDATION_FAILED'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'UPSTREAM_UNAVAILABLE'
  | 'UPSTREAM_TIMEOUT'
  | 'UPSTREAM_REJECTED'
  | 'UPSTREAM_BAD_RESPONSE'
  | 'CIRCUIT_OPEN'
  | 'STALE_VERSION'
  | 'IDEMPOTENCY_CONFLICT'
  | 'ATTACHMENT_UNAVAILABLE'
  | 'PACKAGE_UNREADABLE'
  | 'RATE_LIMITED'
  | 'AUDIT_UNAVAILABLE'
  | 'SERVICE_UNAVAILABLE'
  | 'INTERNAL'

export interface FieldError {
  /** JSON pointer into the request, e.g. `/body/personalId` or `/headers/x-officer-id`. */
  path: string
  message: string
}

export class GatewayError extends Error {
  override name = 'GatewayError'
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    /** Human-readable, safe to show; says what to do where possible. */
    message: string,
    readonly errors?: FieldError[],
    /** Extra response headers, e.g. Retry-After. */
    readonly headers?: Record<string, string>,
  ) {
    super(message)
  }
}

export const TITLES: Record<ErrorCode, string> = {
  VALIDATION_FAILED: 'Request validation failed',
  UNAUTHORIZED: 'Authentication required',
  FORBIDDEN: 'Not allowed',
  NOT_FOUND: 'Not found',
  METHOD_NOT_ALLOWED: 'Method not allowed',
  PAYLOAD_TOO_LARGE: 'Payload too large',
  UNSUPPORTED_MEDIA_TYPE: 'Unsupported media type',
  UPSTREAM_UNAVAILABLE: 'Upstream system unavailable',
  UPSTREAM_TIMEOUT: 'Upstream system did not answer in time',
  UPSTREAM_REJECTED: 'Upstream system rejected the request',
  UPSTREAM_BAD_RESPONSE: 'Upstream system sent an unusable reply',
  CIRCUIT_OPEN: 'Upstream system temporarily disabled',
  STALE_VERSION: 'Stale version',
  IDEMPOTENCY_CONFLICT: 'Idempotency conflict',
  ATTACHMENT_UNAVAILABLE: 'Attachment could not be fetched',
  PACKAGE_UNREADABLE: 'Received package is not acceptable edXML',
  RATE_LIMITED: 'Too many requests',
  AUDIT_UNAVAILABLE: 'Audit log unavailable',
  SERVICE_UNAVAILABLE: 'Service unavailable',
  INTERNAL: 'Internal error',
}

export const validationFailed = (errors: FieldError[], message = 'The request is invalid; see errors[] for each field.') =>
  new GatewayError(400, 'VALIDATION_FAILED', message, errors)
export const unauthorized = (message = 'Send `Authorization: Bearer <api key>`.') =>
  new GatewayError(401, 'UNAUTHORIZED', message, undefined, { 'www-authenticate': 'Bearer' })
export const forbidden = (message: string) => new GatewayError(403, 'FORBIDDEN', message)
export const notFound = (message: string) => new GatewayError(404, 'NOT_FOUND', message)
