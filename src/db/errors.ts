/**
 * Which failures mean "the ledger database (or Redis) cannot be reached right now" rather than
 * "this request is wrong" or "this is a bug". The error handler answers them 503 with
 * Retry-After, so callers retry instead of treating a restart of PostgreSQL as a defect.
 */

// SQLSTATE class 08 (connection exception) and operator intervention: admin/crash shutdown,
// cannot connect now (starting up), too many connections.
const PG_UNAVAILABLE = /^(08...|57P01|57P02|57P03|53300)$/
const NET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN'])
const MESSAGES = [
  'Connection terminated', // pg: server went away mid-query or while connecting
  'timeout exceeded when trying to connect', // pg pool: connectionTimeoutMillis
  'Client has encountered a connection error and is not queryable',
  'Connection is closed', // ioredis
  'Reached the max retries per request limit', // ioredis MaxRetriesPerRequestError
  'Stream isn\'t writeable', // ioredis offline queue off
]

/** True when `err` (or an error in its `cause` chain) is a lost or refused connection. */
export function isConnectionFailure(err: unknown): boolean {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown }
    if (typeof code === 'string' && (PG_UNAVAILABLE.test(code) || NET_CODES.has(code))) return true
    if (typeof message === 'string' && MESSAGES.some((m) => message.includes(m))) return true
    // AggregateError (a host with several addresses, all refusing).
    const errors = (e as { errors?: unknown }).errors
    if (Array.isArray(errors) && errors.length > 0 && errors.every(isConnectionFailure)) return true
  }
  return false
}
