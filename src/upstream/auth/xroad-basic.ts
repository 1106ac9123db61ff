/**
 * The national data-exchange platform's direct scheme (X-Road style; reference §1):
 *   Timestamp: <Unix epoch>
 *   Authorization: Basic base64(username:sha256hex(authUrl + username + timestamp + secretKey))
 * plus optional `X-Road-Client` and API-key headers. Clients seen in the wild disagree on
 * seconds vs milliseconds and on which URL is signed, so both are configurable.
 */
import { createHash } from 'node:crypto'
import type { AuthDeps, AuthStrategy } from './types.js'

export interface XRoadBasicOptions {
  username: string
  secretKey: string
  /** Unit of the `Timestamp` header. Default `s` (seconds). */
  timestampUnit?: 's' | 'ms'
  /** URL that enters the signature. Default: the full URL of each request. */
  authUrl?: string
  /** Value of the `X-Road-Client` header (the calling subsystem); not sent when absent. */
  xRoadClient?: string
  /** API key sent in `apiKeyHeader`; not sent when absent. */
  apiKey?: string
  /** Header carrying `apiKey`. Default `ApiKey`, as a peer sends it (unconfirmed: keep configurable). */
  apiKeyHeader?: string
}

/** The signature alone, exported so the simulator verifies with the very same computation. */
export function xroadSignature(authUrl: string, username: string, timestamp: string, secretKey: string): string {
  const digest = createHash('sha256').update(authUrl + username + timestamp + secretKey, 'utf8').digest('hex')
  return `Basic ${Buffer.from(`${username}:${digest}`, 'utf8').toString('base64')}`
}

export function createXRoadBasic(options: XRoadBasicOptions, deps: AuthDeps = {}): AuthStrategy {
  const now = deps.now ?? Date.now
  const unit = options.timestampUnit ?? 's'
  const apiKeyHeader = options.apiKeyHeader ?? 'ApiKey'
  return {
    kind: 'xroad-basic',
    async headers(url) {
      const ms = now()
      const timestamp = String(unit === 'ms' ? ms : Math.floor(ms / 1000))
      const headers: Record<string, string> = {
        Timestamp: timestamp,
        Authorization: xroadSignature(options.authUrl ?? url.href, options.username, timestamp, options.secretKey),
      }
      if (options.xRoadClient !== undefined) headers['X-Road-Client'] = options.xRoadClient
      if (options.apiKey !== undefined) headers[apiKeyHeader] = options.apiKey
      return headers
    },
    // Each request is signed afresh; a 401 means the credentials are wrong, not stale.
  }
}
