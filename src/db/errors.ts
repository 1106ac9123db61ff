/**
 * Which failures mean "the ledger database (or Redis) cannot be reached right now" rather than
 * "this request is wrong" or "this is a bug". The error handler answers them 503 with
 * Retry-After, so callers retry instead of treating a restart of PostgreSQL as a defect.
 */

// SQLSTATE class 08 (connection exception, 08007 a COMMIT whose answer was lost) and operator
// intervention: admin/crash shutdown, cannot connect now (starting up), too many connections;
// 25006: a write reached a server that became a standby (a failover in progress).
const PG_UNAVAILABLE = /^(08...|57P01|57P02|57P03|53300|25006)$/
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

/**
 * COMMIT was sent and the connection broke before its answer (SQLSTATE 08007,
 * transaction_resolution_unknown): the transaction may or may not have committed. It is answered
 * 503 (the client resends; the same version and body are idempotent) and never retried blindly.
 */
export class CommitOutcomeUnknownError extends Error {
  override name = 'CommitOutcomeUnknownError'
  readonly code = '08007'
  constructor(cause: unknown) {
    super('The connection broke while COMMIT was in flight; whether it committed is unknown.', { cause })
  }
}

/**
 * The transaction certainly did not commit and another attempt may succeed: the connection was
 * lost before COMMIT, no host takes writes yet, or the host became a standby. A failover, in short.
 */
export function isRetryableBeforeCommit(err: unknown): boolean {
  if (err instanceof CommitOutcomeUnknownError) return false
  return isConnectionFailure(err)
}

/**
 * Runs `attempt` (one whole transaction, which must have no effect outside it) again while a
 * failover is under way, for at most `budgetMs` in all; then the last error goes to the caller
 * (a 503 with Retry-After). 100 ms, 200 ms, 400 ms, … apart, at most 1 s.
 */
export async function retryDuringFailover<T>(attempt: () => Promise<T>, budgetMs: number): Promise<T> {
  const deadline = Date.now() + budgetMs
  for (let n = 0; ; n++) {
    try {
      return await attempt()
    } catch (err) {
      const wait = Math.min(100 * 2 ** n, 1000)
      if (!isRetryableBeforeCommit(err) || Date.now() + wait > deadline) throw err
      await new Promise((r) => setTimeout(r, wait))
    }
  }
}
