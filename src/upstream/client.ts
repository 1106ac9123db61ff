/**
 * The shared upstream HTTP client: one undici Pool per upstream, connect/header/body timeouts,
 * retries with exponential backoff + jitter for idempotent requests only (honouring Retry-After),
 * failure classification through `classify()`, abort signals reaching the socket, a Redis-backed
 * circuit breaker, and pluggable auth strategies.
 *
 * Every failure leaves as an `UpstreamError` whose message is built from status and error codes
 * only — an upstream body never reaches a caller or a log through here.
 */
import { Pool } from 'undici'
import type { Logger } from 'pino'
import type { RedisClient } from '../redis.js'
import type { AuthStrategy } from './auth/types.js'
import { backoffDelay, sleep } from '../jobs/backoff.js'
import { createCircuitBreaker, type CircuitOutcome, type CircuitState, type CircuitTicket } from './circuit-breaker.js'
import { classify, toUpstreamError, type Classification } from './classify.js'
import { UpstreamError, type UpstreamErrorKind } from './errors.js'
import { discard, readBounded } from './read-body.js'

export interface RetryPolicy {
  /** Attempts in total including the first. Default 3. */
  maxAttempts: number
  /** First backoff in ms. Default 100. */
  baseDelayMs: number
  /** Cap for one backoff in ms. Default 2000. */
  maxDelayMs: number
  /**
   * Longest Retry-After the client waits out itself, in ms. Default 5000. Beyond it the error is
   * thrown at once with its `retryAfterMs`, for a queue to reschedule rather than hold a caller.
   */
  maxRetryAfterMs?: number
}

export interface CircuitPolicy {
  /** Failures within `windowMs` that open the circuit. Default 5. */
  failureThreshold: number
  /** Rolling window for counting failures. Default 10000. */
  windowMs: number
  /** How long the circuit stays open before one probe is let through (half-open). Default 5000. */
  openMs: number
  /** How long a replica trusts its last read of the circuit state, in ms. Default 250. */
  stateCacheMs?: number
  /** How long one probe may hold the half-open lock, in ms. Default: connect + headers + body timeouts. */
  probeTtlMs?: number
}

export interface UpstreamClientOptions {
  connectorId: string
  baseUrl: string
  redis: RedisClient
  log: Logger
  /** Key prefix for the circuit state in Redis (tests isolate with their own). Default `lgsp:`. */
  redisPrefix?: string
  /** Default 5000. */
  connectTimeoutMs?: number
  /** Default 10000. */
  headersTimeoutMs?: number
  /** Longest silence between body chunks. Default 10000. */
  bodyTimeoutMs?: number
  /** Largest reply body accepted; larger → `bad_response`. Default 1 MiB. */
  maxResponseBytes?: number
  /** Sockets in the pool. Default 10. */
  connections?: number
  retry?: Partial<RetryPolicy>
  circuit?: Partial<CircuitPolicy>
  auth?: AuthStrategy
  /** Follows the circuit state this replica sees (metrics). */
  onCircuitStateChange?: (to: CircuitState, from: CircuitState, connectorId: string) => void
}

export interface UpstreamRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE'
  /** Path (and query) relative to baseUrl. */
  path: string
  headers?: Record<string, string>
  body?: string | Buffer
  /** Only idempotent requests are retried. */
  idempotent: boolean
  signal: AbortSignal
  /** Statuses handed back to the caller instead of being classified as failures. Default: 2xx. */
  acceptStatus?: (status: number) => boolean
  /**
   * Looks into an accepted reply and returns an error when the upstream failed in its own terms
   * (a SOAP `Server` fault, a non-zero `error_code`). The client then treats it like any failure
   * of that kind: transient kinds are retried (idempotent requests only) and count against the
   * circuit breaker; the error itself is what the caller finally gets.
   */
  inspect?: (response: UpstreamResponse) => UpstreamError | undefined
}

export interface UpstreamResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: Buffer
}

export interface UpstreamClient {
  readonly connectorId: string
  request(req: UpstreamRequest): Promise<UpstreamResponse>
  /** Current circuit state as the replicas agree on it. */
  circuitState(): Promise<'closed' | 'open' | 'half_open'>
  close(): Promise<void>
}

const is2xx = (status: number): boolean => status >= 200 && status <= 299

/** What the breaker learns from each kind of failure (only upstream sickness counts). */
const BREAKER_OUTCOME: Record<UpstreamErrorKind, CircuitOutcome> = {
  timeout: 'failure',
  unavailable: 'failure',
  bad_response: 'failure',
  rejected: 'answered',
  not_found: 'answered',
  unauthorized: 'answered',
  aborted: 'neutral',
  circuit_open: 'neutral',
}

type AttemptResult =
  | { ok: true; response: UpstreamResponse }
  | { ok: false; c: Classification; cause?: unknown }

export function createUpstreamClient(options: UpstreamClientOptions): UpstreamClient {
  const { connectorId, log, auth } = options
  const base = new URL(options.baseUrl)
  // baseUrl may carry a path prefix (`https://lgsp.example/api/v1`); request paths append to it.
  const basePath = base.pathname.replace(/\/+$/, '')
  const connectTimeoutMs = options.connectTimeoutMs ?? 5000
  const headersTimeoutMs = options.headersTimeoutMs ?? 10_000
  const bodyTimeoutMs = options.bodyTimeoutMs ?? 10_000
  const maxResponseBytes = options.maxResponseBytes ?? 1024 * 1024
  const retry = {
    maxAttempts: Math.max(1, options.retry?.maxAttempts ?? 3),
    baseDelayMs: options.retry?.baseDelayMs ?? 100,
    maxDelayMs: options.retry?.maxDelayMs ?? 2000,
    maxRetryAfterMs: options.retry?.maxRetryAfterMs ?? 5000,
  }
  const pool = new Pool(base.origin, {
    connections: options.connections ?? 10,
    connect: { timeout: connectTimeoutMs },
    headersTimeout: headersTimeoutMs,
    bodyTimeout: bodyTimeoutMs,
  })
  const breaker = createCircuitBreaker({
    redis: options.redis,
    name: connectorId,
    prefix: options.redisPrefix ?? 'lgsp:',
    log,
    failureThreshold: options.circuit?.failureThreshold ?? 5,
    windowMs: options.circuit?.windowMs ?? 10_000,
    openMs: options.circuit?.openMs ?? 5000,
    probeTtlMs: options.circuit?.probeTtlMs ?? connectTimeoutMs + headersTimeoutMs + bodyTimeoutMs,
    ...(options.circuit?.stateCacheMs !== undefined && { stateCacheMs: options.circuit.stateCacheMs }),
    ...(options.onCircuitStateChange && { onStateChange: options.onCircuitStateChange }),
  })

  /** One HTTP exchange; never throws. */
  async function attempt(req: UpstreamRequest, path: string, headers: Record<string, string>): Promise<AttemptResult> {
    const accept = req.acceptStatus ?? is2xx
    try {
      const res = await pool.request({
        method: req.method,
        path,
        headers,
        body: req.body ?? null,
        signal: req.signal,
      })
      if (!accept(res.statusCode)) {
        await discard(res.body)
        return { ok: false, c: classify({ status: res.statusCode, headers: res.headers }) }
      }
      const body = await readBounded(res.body, maxResponseBytes, res.headers['content-length'])
      const response = { status: res.statusCode, headers: res.headers, body }
      const failure = req.inspect?.(response)
      if (failure !== undefined) return { ok: false, c: fromInspection(failure, res.statusCode), cause: failure }
      return { ok: true, response }
    } catch (err) {
      return { ok: false, c: classify({ error: err, signal: req.signal }), cause: err }
    }
  }

  function fail(c: Classification, cause?: unknown): UpstreamError {
    return toUpstreamError(c, { connectorId, cause })
  }

  async function request(req: UpstreamRequest): Promise<UpstreamResponse> {
    const url = new URL(basePath + (req.path.startsWith('/') ? req.path : `/${req.path}`), base.origin)
    const path = url.pathname + url.search
    const callerHeaders = lowerCaseKeys(req.headers ?? {})
    let attempts = 0
    let authRefreshed = false
    let last: { c: Classification; cause?: unknown } | undefined

    for (;;) {
      if (req.signal.aborted) throw fail(classify({ error: req.signal.reason, signal: req.signal }), req.signal.reason)

      const ticket = await breaker.acquire()
      if (!ticket.allowed) {
        // Mid-retry the breaker opened (maybe on our own failures): report what the upstream did.
        if (last !== undefined) throw fail(last.c, last.cause)
        throw circuitOpen(ticket)
      }

      let authHeaders: Record<string, string> = {}
      if (auth !== undefined) {
        try {
          authHeaders = await auth.headers(url, req.signal)
        } catch (err) {
          await breaker.record(ticket, 'neutral') // the upstream itself was not called
          throw err instanceof UpstreamError ? err : fail(classify({ error: err, signal: req.signal }), err)
        }
      }

      attempts += 1
      const result = await attempt(req, path, { ...callerHeaders, ...lowerCaseKeys(authHeaders) })
      await breaker.record(ticket, result.ok ? 'success' : BREAKER_OUTCOME[result.c.kind])
      if (result.ok) return result.response

      const { c } = result
      last = result
      log.debug({ method: req.method, attempt: attempts, kind: c.kind, status: c.status, reason: c.reason }, 'upstream attempt failed')

      // The upstream refused before doing anything, so one more try is safe even for a POST.
      if (c.refreshAuth && !authRefreshed && auth?.invalidate !== undefined) {
        authRefreshed = true
        let fresh: boolean
        try {
          fresh = await auth.invalidate(req.signal, authHeaders)
        } catch (err) {
          throw err instanceof UpstreamError ? err : fail(classify({ error: err, signal: req.signal }), err)
        }
        if (fresh) continue // not counted against maxAttempts: it is a different problem
      }

      const transientAttempts = attempts - (authRefreshed ? 1 : 0)
      if (!req.idempotent || !c.retry || transientAttempts >= retry.maxAttempts) throw fail(c, result.cause)
      if (c.retryAfterMs !== undefined && c.retryAfterMs > retry.maxRetryAfterMs) throw fail(c, result.cause)

      try {
        await sleep(backoffDelay(transientAttempts, retry, c.retryAfterMs), req.signal)
      } catch (reason) {
        throw fail(classify({ error: reason, signal: req.signal }), reason)
      }
    }
  }

  function circuitOpen(ticket: CircuitTicket): UpstreamError {
    const seconds = Math.max(1, Math.ceil((ticket.retryAfterMs ?? 0) / 1000))
    return new UpstreamError('circuit_open', `${connectorId}: upstream failing, calls paused; retry in about ${seconds} s`, {
      retryAfterMs: ticket.retryAfterMs ?? 0,
    })
  }

  return {
    connectorId,
    request,
    circuitState: () => breaker.state(),
    async close() {
      await pool.close()
    },
  }
}

/** A failure a connector found inside an accepted reply, in the client's own terms. */
function fromInspection(err: UpstreamError, status: number): Classification {
  return {
    kind: err.kind,
    retry: err.kind === 'timeout' || err.kind === 'unavailable',
    reason: err.message,
    status,
    ...(err.retryAfterMs !== undefined && { retryAfterMs: err.retryAfterMs }),
  }
}

/** Header names are case-insensitive; one spelling each so an auth header cannot be sent twice. */
function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(headers)) out[k.toLowerCase()] = v
  return out
}
