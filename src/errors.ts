/**
 * Gateway errors with stable codes (DESIGN §2), in the style of @fastify/error's `createError`:
 * ONE table says, per code, the HTTP status, the problem title and a hint for the operator who
 * reads the log or docs/errors.md. A call site names the code and says what happened; it never
 * chooses a status. Every error a caller sees is one of these, rendered as
 * application/problem+json by the error handler plugin (plugins/problem.ts).
 */

export interface ErrorSpec {
  status: number
  /** The problem's `title`: the same for every occurrence of the code. */
  title: string
  /** For operators (logs, docs/errors.md), never sent to the caller: what usually causes it and what to check. */
  hint: string
}

export const ERRORS = {
  VALIDATION_FAILED: { status: 400, title: 'Request validation failed', hint: 'The caller sent something the schema or a domain rule refuses; errors[] names each field. Nothing to fix on the hub unless a valid request is refused.' },
  UNAUTHORIZED: { status: 401, title: 'Authentication required', hint: 'No API key, an unknown one, or a bad webhook signature. Check the client\'s key hash (clients[].keySha256) or the webhook secrets.' },
  FORBIDDEN: { status: 403, title: 'Not allowed', hint: 'The key lacks the scope or agency the route needs; grant it in the client\'s config if the access is intended.' },
  NOT_FOUND: { status: 404, title: 'Not found', hint: 'No such route or record (or the client may not see it). A 404 from an upstream lookup means the upstream has no such subject.' },
  METHOD_NOT_ALLOWED: { status: 405, title: 'Method not allowed', hint: 'The route exists with other methods; see /docs.' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'Payload too large', hint: 'The body is over the configured body limit; raise it only if such bodies are legitimate.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type', hint: 'The client must send application/json.' },
  UPSTREAM_UNAVAILABLE: { status: 502, title: 'Upstream system unavailable', hint: 'The national system refused connections, answered 5xx/429, or refused the hub\'s credentials: check /admin/connectors and the connector\'s URL and auth settings.' },
  UPSTREAM_TIMEOUT: { status: 504, title: 'Upstream system did not answer in time', hint: 'The upstream exceeded the operation\'s deadline (connectors.<id>.timeoutMs); check its latency before raising the deadline.' },
  UPSTREAM_REJECTED: { status: 422, title: 'Upstream system rejected the request', hint: 'The upstream understood and refused the request; its code is in the detail. Usually the caller\'s data; a refusal of valid data points at the connector\'s mapping.' },
  UPSTREAM_BAD_RESPONSE: { status: 502, title: 'Upstream system sent an unusable reply', hint: 'Malformed, oversize or unexpected reply: the upstream changed its contract or is failing; compare with the connector\'s README and fixtures.' },
  CIRCUIT_OPEN: { status: 503, title: 'Upstream system temporarily disabled', hint: 'Too many recent failures opened the connector\'s circuit breaker; it lets a probe through after its cool-down (see /admin/connectors).' },
  STALE_VERSION: { status: 409, title: 'Stale version', hint: 'The client sent a dossier version below the stored one: its copy is out of date.' },
  IDEMPOTENCY_CONFLICT: { status: 409, title: 'Idempotency conflict', hint: 'The same id (version, step, document number, callback) was reused with a different body.' },
  ATTACHMENT_UNAVAILABLE: { status: 422, title: 'Attachment could not be fetched', hint: 'An attachment URL did not answer as allowed (edocs.fetch): check the host allow-list and that the URL serves the file.' },
  PACKAGE_UNREADABLE: { status: 422, title: 'Received package is not acceptable edXML', hint: 'A quarantined axis package still fails to parse; fix the limit or parser named in the detail, or discard it.' },
  RATE_LIMITED: { status: 429, title: 'Too many requests', hint: 'The client is over its rate limit or failed authentication too often; Retry-After says when to come back.' },
  AUDIT_UNAVAILABLE: { status: 503, title: 'Audit log unavailable', hint: 'The audit record could not be written, so personal data is not served (fail closed): check the database.' },
  SERVICE_UNAVAILABLE: { status: 503, title: 'Service unavailable', hint: 'The database or Redis is unreachable, or a needed part is not configured (the detail says which).' },
  INTERNAL: { status: 500, title: 'Internal error', hint: 'A defect: the log line with this request id has the error and its stack.' },
} as const satisfies Record<string, ErrorSpec>

export type ErrorCode = keyof typeof ERRORS

export interface FieldError {
  /** JSON pointer into the request, e.g. `/body/personalId` or `/headers/x-officer-id`. */
  path: string
  message: string
}

export interface GatewayErrorOptions {
  errors?: FieldError[]
  /** Extra response headers, e.g. Retry-After. */
  headers?: Record<string, string> | undefined
  /**
   * Only for a framework 4xx the table has no code for (plugins/problem.ts): its own status is
   * kept. Everywhere else the status is the code's.
   */
  status?: number
}

export class GatewayError extends Error {
  override name = 'GatewayError'
  readonly status: number
  readonly errors?: FieldError[]
  readonly headers?: Record<string, string>

  constructor(
    readonly code: ErrorCode,
    /** Human-readable, safe to show; says what to do where possible. */
    message: string,
    options: GatewayErrorOptions = {},
  ) {
    super(message)
    this.status = options.status ?? ERRORS[code].status
    if (options.errors !== undefined) this.errors = options.errors
    if (options.headers !== undefined) this.headers = options.headers
  }
}

export const validationFailed = (errors: FieldError[], message = 'The request is invalid; see errors[] for each field.') =>
  new GatewayError('VALIDATION_FAILED', message, { errors })
export const unauthorized = (message = 'Send `Authorization: Bearer <api key>`.') =>
  new GatewayError('UNAUTHORIZED', message, { headers: { 'www-authenticate': 'Bearer' } })
export const forbidden = (message: string) => new GatewayError('FORBIDDEN', message)
export const notFound = (message: string) => new GatewayError('NOT_FOUND', message)
