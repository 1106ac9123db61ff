/**
 * OAuth2 client-credentials (RFC 6749 §4.4), as the national data platform's gateway and most
 * provincial LGSPs issue tokens: POST form `grant_type=client_credentials` with
 * `Authorization: Basic base64(clientId:clientSecret)`.
 *
 * Token endpoints are slow and rate-limited, so: the token is cached and refreshed a little
 * before it expires; every concurrent caller shares ONE in-flight token request (single flight);
 * a 401 drops the token and refreshes once, shared by all requests that were refused with it.
 */
import { request } from 'undici'
import type { AuthDeps, AuthStrategy } from './types.js'
import { classify, type Classification } from '../classify.js'
import { UpstreamError } from '../errors.js'
import { discard, readBounded } from '../read-body.js'

export interface OAuth2ClientCredentialsOptions {
  /** Token endpoint URL. */
  tokenUrl: string
  clientId: string
  clientSecret: string
  /** Space-separated scopes to request; none by default. */
  scope?: string
  /** Refresh this long before the token expires, in ms. Default 30000. */
  refreshSkewMs?: number
  /** Deadline for one token request, in ms. Default 5000. */
  timeoutMs?: number
  /** Lifetime assumed when the endpoint sends no `expires_in`, in seconds. Default 300. */
  defaultExpiresInS?: number
  /** Extra headers on the token request (the LGSP scheme's `lgspaccesstoken`). Default none. */
  tokenHeaders?: Record<string, string>
  /** Send `Authorization: Basic clientId:clientSecret` on the token request. Default true. */
  basicClientAuth?: boolean
}

interface Token {
  authorization: string
  /** From here on, callers wait for a fresh token. */
  refreshAt: number
  /** From here on, the token is not used at all. */
  expiresAt: number
}

interface Flight {
  promise: Promise<Token>
  /** Aborts the token request once every caller waiting on it has gone away. */
  controller: AbortController
  waiters: number
  settled: boolean
}

const MAX_TOKEN_RESPONSE_BYTES = 64 * 1024

export function createOAuth2ClientCredentials(options: OAuth2ClientCredentialsOptions, deps: AuthDeps = {}): AuthStrategy {
  const now = deps.now ?? Date.now
  const refreshSkewMs = options.refreshSkewMs ?? 30_000
  const timeoutMs = options.timeoutMs ?? 5000
  const defaultExpiresInS = options.defaultExpiresInS ?? 300
  const basic = Buffer.from(`${options.clientId}:${options.clientSecret}`, 'utf8').toString('base64')
  const clientAuth: Record<string, string> = options.basicClientAuth === false ? {} : { authorization: `Basic ${basic}` }
  let token: Token | undefined
  let flight: Flight | undefined

  async function fetchToken(signal: AbortSignal): Promise<Token> {
    const startedAt = now()
    const deadline = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)])
    const form = new URLSearchParams({ grant_type: 'client_credentials' })
    if (options.scope !== undefined && options.scope !== '') form.set('scope', options.scope)
    let json: unknown
    try {
      const res = await request(options.tokenUrl, {
        method: 'POST',
        headers: { ...options.tokenHeaders, ...clientAuth, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
        signal: deadline,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      })
      if (res.statusCode !== 200) {
        await discard(res.body)
        throw tokenError(classify({ status: res.statusCode, headers: res.headers }))
      }
      const body = await readBounded(res.body, MAX_TOKEN_RESPONSE_BYTES, res.headers['content-length'])
      json = JSON.parse(body.toString('utf8'))
    } catch (err) {
      if (err instanceof UpstreamError) throw err
      if (err instanceof SyntaxError) throw new UpstreamError('bad_response', 'token endpoint sent a reply that is not JSON')
      throw tokenError(classify({ error: err, signal: deadline }), err)
    }
    const { access_token: accessToken, expires_in: expiresIn } = (json ?? {}) as Record<string, unknown>
    if (typeof accessToken !== 'string' || accessToken === '') {
      throw new UpstreamError('bad_response', 'token endpoint reply has no access_token')
    }
    const seconds = Number(expiresIn)
    const lifetimeMs = (Number.isFinite(seconds) && seconds > 0 ? seconds : defaultExpiresInS) * 1000
    // A token shorter-lived than twice the skew would be refreshed on every call; halve instead.
    const skew = Math.min(refreshSkewMs, lifetimeMs / 2)
    deps.log?.debug({ tokenUrl: options.tokenUrl, lifetimeMs }, 'obtained upstream access token')
    return { authorization: `Bearer ${accessToken}`, refreshAt: startedAt + lifetimeMs - skew, expiresAt: startedAt + lifetimeMs }
  }

  function startFlight(): Flight {
    const controller = new AbortController()
    const f: Flight = { controller, waiters: 0, settled: false, promise: Promise.resolve(undefined as never) }
    f.promise = fetchToken(controller.signal)
      .then((t) => {
        token = t
        return t
      })
      .finally(() => {
        f.settled = true
        if (flight === f) flight = undefined
      })
    f.promise.catch(() => {}) // each waiter handles the rejection; this only silences the shared copy
    flight = f
    return f
  }

  /** Waits for the shared token request (starting it if none runs), or for `signal` to abort. */
  function join(signal: AbortSignal): Promise<Token> {
    if (signal.aborted) return Promise.reject(abortError(signal))
    const f = flight ?? startFlight()
    f.waiters += 1
    return new Promise<Token>((resolve, reject) => {
      let done = false
      const onAbort = (): void => {
        if (done) return
        done = true
        f.waiters -= 1
        if (f.waiters === 0 && !f.settled) {
          if (flight === f) flight = undefined // a caller arriving now must not join a cancelled request
          f.controller.abort(signal.reason)
        }
        reject(abortError(signal))
      }
      signal.addEventListener('abort', onAbort, { once: true })
      f.promise.then(
        (t) => {
          if (done) return
          done = true
          signal.removeEventListener('abort', onAbort)
          resolve(t)
        },
        (err: unknown) => {
          if (done) return
          done = true
          signal.removeEventListener('abort', onAbort)
          reject(err)
        },
      )
    })
  }

  return {
    kind: 'oauth2',

    async headers(_url, signal) {
      const current = token
      if (current !== undefined && now() < current.refreshAt) return { authorization: current.authorization }
      try {
        return { authorization: (await join(signal)).authorization }
      } catch (err) {
        // The refresh failed but the old token has not expired yet: better to use it than fail.
        if (current !== undefined && now() < current.expiresAt && !signal.aborted) {
          deps.log?.warn({ err, tokenUrl: options.tokenUrl }, 'token refresh failed; using the current token until it expires')
          return { authorization: current.authorization }
        }
        throw err
      }
    },

    async invalidate(signal, refused) {
      const refusedAuth = refused?.authorization ?? refused?.Authorization
      // Another request already replaced the refused token: just try again with the new one.
      if (refusedAuth !== undefined && token !== undefined && token.authorization !== refusedAuth) return true
      if (flight === undefined) token = undefined
      const fresh = await join(signal)
      // Some gateways hand back the same token while it is valid; retrying with it cannot help.
      return refusedAuth === undefined || fresh.authorization !== refusedAuth
    },
  }
}

/** Token endpoint failures: a refusal of our credentials is `unauthorized`, not the caller's fault. */
function tokenError(c: Classification, cause?: unknown): UpstreamError {
  const status = c.status === undefined ? '' : ` (HTTP ${c.status})`
  const withCause = cause === undefined ? {} : { cause }
  const extra = { ...withCause, ...(c.status !== undefined && { status: c.status }), ...(c.retryAfterMs !== undefined && { retryAfterMs: c.retryAfterMs }) }
  switch (c.kind) {
    case 'rejected':
    case 'not_found':
    case 'unauthorized':
      return new UpstreamError('unauthorized', `token endpoint refused the client credentials${status}; check clientId, clientSecret and scope`, extra)
    case 'timeout':
    case 'aborted':
    case 'bad_response':
      return new UpstreamError(c.kind, `token request failed: ${c.reason}`, extra)
    default:
      return new UpstreamError('unavailable', `token endpoint unavailable: ${c.reason}`, extra)
  }
}

function abortError(signal: AbortSignal): UpstreamError {
  const c = classify({ error: signal.reason, signal })
  return new UpstreamError(c.kind, `token request ${c.kind === 'timeout' ? 'exceeded the deadline' : 'aborted by the caller'}`, { cause: signal.reason })
}
