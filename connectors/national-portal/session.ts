/**
 * The portal session, cached per connector instance. Concurrent callers share ONE login
 * (single flight); the login is aborted only when every caller waiting for it has gone away,
 * so one impatient caller cannot fail the others, and a hung login does not outlive its callers.
 */
import { classify, toUpstreamError } from '../../src/upstream/classify.js'
import type { UpstreamError } from '../../src/upstream/errors.js'

export interface SessionCacheOptions {
  /** How long a session is reused, counted from the moment its login started. */
  ttlMs: number
  /** Deadline of one login, whoever waits for it. */
  loginTimeoutMs: number
  /** Logs in and returns the session token. */
  login(signal: AbortSignal): Promise<string>
  /** Clock (tests). Default `Date.now`. */
  now?: () => number
}

export interface SessionCache {
  /** The cached session, or the one login in flight (started if none is). */
  get(signal: AbortSignal): Promise<string>
  /** Forgets `session` if it is still the cached one (a concurrent caller may already have replaced it). */
  invalidate(session: string): void
}

interface Flight {
  promise: Promise<string>
  waiters: number
  controller: AbortController
}

function abortError(signal: AbortSignal): UpstreamError {
  return toUpstreamError(classify({ error: signal.reason, signal }), { connectorId: 'national-portal', cause: signal.reason })
}

/** Waits for `promise` unless `signal` fires first; the promise itself goes on. */
function waitFor<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortError(signal))
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(err)
      },
    )
  })
}

export function createSessionCache(options: SessionCacheOptions): SessionCache {
  const now = options.now ?? Date.now
  let cached: { session: string; expiresAt: number } | undefined
  let flight: Flight | undefined

  function start(): Flight {
    const controller = new AbortController()
    const startedAt = now()
    const signal = AbortSignal.any([controller.signal, AbortSignal.timeout(options.loginTimeoutMs)])
    const f: Flight = { controller, waiters: 0, promise: Promise.resolve('') }
    f.promise = options.login(signal)
      .then((session) => {
        if (flight === f) cached = { session, expiresAt: startedAt + options.ttlMs }
        return session
      })
      .finally(() => {
        if (flight === f) flight = undefined
      })
    // Every waiter may have left; the outcome then matters to no one.
    f.promise.catch(() => {})
    return f
  }

  return {
    async get(signal) {
      if (cached !== undefined && now() < cached.expiresAt) return cached.session
      if (signal.aborted) throw abortError(signal)
      const f = flight ?? (flight = start())
      f.waiters++
      try {
        return await waitFor(f.promise, signal)
      } finally {
        f.waiters--
        if (f.waiters === 0 && flight === f && signal.aborted) {
          // The last one waiting went away: end the login (and its socket) and let the next caller start afresh.
          flight = undefined
          f.controller.abort(signal.reason)
        }
      }
    },
    invalidate(session) {
      if (cached?.session === session) cached = undefined
    },
  }
}
