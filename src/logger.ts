/**
 * pino with personal data kept out: known paths are redacted, and as a last line of defence every
 * line is scanned for 12-digit (personal ID) and 9-digit (old ID card) numbers, which are masked
 * (`062*******34`) before the line is written.
 */
import pino, { type DestinationStream, type Logger } from 'pino'

// A UUID (request ids, event ids) is matched first and kept whole: a 9- or 12-digit run inside
// its hex groups is not a personal ID, and masking it made about 2.5 % of ids unfindable.
const UUID_OR_ID = /(?<![0-9A-Fa-f-])([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})(?![0-9A-Fa-f-])|(?<![0-9])([0-9]{3})([0-9]{4}|[0-9]{7})([0-9]{2})(?![0-9])/g

export function maskIdsInText(line: string): string {
  return line.replace(UUID_OR_ID, (match, uuid: string | undefined, head: string, middle: string, tail: string) =>
    uuid !== undefined ? match : `${head}${'*'.repeat(middle.length)}${tail}`)
}

/** Error fields that are codes and numbers, safe in a log line; anything else an error carries is left out. */
const SAFE_ERROR_FIELDS = ['code', 'kind', 'status', 'statusCode', 'upstreamCode', 'retryAfterMs', 'errno', 'syscall'] as const

/**
 * The `err` serializer: type, message, stack, the whitelisted fields and the cause chain — never
 * an error's other properties (an UpstreamError's `upstreamReason`, a driver's `detail` with
 * row values, a client's request options), which may hold an upstream payload or personal data.
 * So `log.error({ err }, 'what failed')` is always safe, and is the one way to log a failure.
 */
export function serializeError(err: unknown, depth = 0): unknown {
  if (!(err instanceof Error)) return typeof err === 'object' && err !== null ? { type: 'non-error', message: String(err) } : err
  const out: Record<string, unknown> = { type: err.name, message: err.message }
  if (err.stack !== undefined) out.stack = err.stack
  const fields = err as unknown as Record<string, unknown>
  for (const key of SAFE_ERROR_FIELDS) {
    const value = fields[key]
    if (typeof value === 'string' || typeof value === 'number') out[key] = value
  }
  if (err.cause !== undefined && depth < 3) out.cause = serializeError(err.cause, depth + 1)
  if (err instanceof AggregateError && depth < 3) out.errors = err.errors.slice(0, 5).map((e: unknown) => serializeError(e, depth + 1))
  return out
}

export function createLogger(options: { level: string; stream?: DestinationStream; name?: string }): Logger {
  return pino(
    {
      level: options.level,
      name: options.name ?? 'lgsp-hub',
      redact: {
        paths: [
          'req.headers.authorization',
          'headers.authorization',
          '*.personalId',
          '*.subject',
          '*.password',
          '*.secret',
          '*.clientSecret',
          '*.secretKey',
          '*.hashKey',
        ],
        censor: '[redacted]',
      },
      serializers: { err: serializeError },
      hooks: { streamWrite: maskIdsInText },
    },
    options.stream,
  )
}
