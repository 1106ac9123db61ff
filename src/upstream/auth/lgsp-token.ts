/**
 * The provincial LGSP token scheme (reference population-registry.md §1, LGSP Hậu Giang; the
 * same scheme fronts other national databases):
 *   lgspaccesstoken: base64(JSON {AccessKey, SecretKey, AppName, PartnerCode, PartnerCodeCus})
 *   token:  POST {tokenUrl}, form grant_type=client_credentials, header lgspaccesstoken → access_token
 *   call:   Authorization: Bearer <access_token>, lgspaccesstoken: <the same value>
 * The officer's own `AuthHash` is per request and added by the connector, which knows the officer.
 * Token caching, single flight and refresh-on-401 come from the OAuth2 strategy.
 */
import type { AuthDeps, AuthStrategy } from './types.js'
import { createOAuth2ClientCredentials } from './oauth2-client-credentials.js'

export interface LgspTokenOptions {
  tokenUrl: string
  accessKey: string
  secretKey: string
  appName: string
  partnerCode: string
  partnerCodeCus: string
  refreshSkewMs?: number
  timeoutMs?: number
  defaultExpiresInS?: number
}

/** The `lgspaccesstoken` header value; exported so the simulator checks the very same encoding. */
export function lgspAccessToken(o: Pick<LgspTokenOptions, 'accessKey' | 'secretKey' | 'appName' | 'partnerCode' | 'partnerCodeCus'>): string {
  const json = JSON.stringify({ AccessKey: o.accessKey, SecretKey: o.secretKey, AppName: o.appName, PartnerCode: o.partnerCode, PartnerCodeCus: o.partnerCodeCus })
  return Buffer.from(json, 'utf8').toString('base64')
}

/** `AuthHash`: base64(keyName:keyPassword) of the officer's own population-DB account. */
export const lgspAuthHash = (keyName: string, keyPassword: string) => Buffer.from(`${keyName}:${keyPassword}`, 'utf8').toString('base64')

export function createLgspToken(options: LgspTokenOptions, deps: AuthDeps = {}): AuthStrategy {
  const lgsp = lgspAccessToken(options)
  const oauth = createOAuth2ClientCredentials({
    tokenUrl: options.tokenUrl,
    clientId: options.accessKey,
    clientSecret: options.secretKey,
    tokenHeaders: { lgspaccesstoken: lgsp },
    basicClientAuth: false,
    ...(options.refreshSkewMs !== undefined && { refreshSkewMs: options.refreshSkewMs }),
    ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
    ...(options.defaultExpiresInS !== undefined && { defaultExpiresInS: options.defaultExpiresInS }),
  }, deps)
  return {
    kind: 'lgsp-token',
    async headers(url, signal) {
      return { ...(await oauth.headers(url, signal)), lgspaccesstoken: lgsp }
    },
    invalidate: (signal, refused) => oauth.invalidate!(signal, refused),
  }
}
