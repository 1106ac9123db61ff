/**
 * Upstream auth config (one schema, validated at boot with the connector's config) and the
 * factory that turns it into a strategy. A connector's config embeds `AuthConfigSchema`, so a
 * province can switch e.g. the population DB from the direct X-Road scheme to its LGSP's OAuth2
 * gateway by configuration alone.
 *
 * Secret fields carry `writeOnly: true` so config dumps and admin views can redact them by schema.
 */
import { Type, type Static } from 'typebox'
import type { AuthDeps, AuthStrategy } from './types.js'
import { createOAuth2ClientCredentials } from './oauth2-client-credentials.js'
import { createXRoadBasic } from './xroad-basic.js'
import { createApiKey } from './api-key.js'
import { createLgspToken } from './lgsp-token.js'

export type { AuthDeps, AuthStrategy } from './types.js'
export { createOAuth2ClientCredentials, type OAuth2ClientCredentialsOptions } from './oauth2-client-credentials.js'
export { createXRoadBasic, xroadSignature, type XRoadBasicOptions } from './xroad-basic.js'
export { createApiKey, type ApiKeyOptions } from './api-key.js'
export { createLgspToken, lgspAccessToken, lgspAuthHash, type LgspTokenOptions } from './lgsp-token.js'

const HttpUrl = (description: string) => Type.String({ pattern: '^https?://', description })
const Secret = (description: string) => Type.String({ minLength: 1, writeOnly: true, description })

export const NoAuthConfigSchema = Type.Object({
  type: Type.Literal('none', { description: 'No upstream credentials' }),
}, { additionalProperties: false })

export const OAuth2AuthConfigSchema = Type.Object({
  type: Type.Literal('oauth2', { description: 'OAuth2 client-credentials token, sent as `Authorization: Bearer`' }),
  tokenUrl: HttpUrl('Token endpoint, e.g. `https://lgsp.example.gov.vn/token`'),
  clientId: Type.String({ minLength: 1, description: 'Client id (consumer key)' }),
  clientSecret: Secret('Client secret (consumer secret); from env or a file, never logged'),
  scope: Type.Optional(Type.String({ description: 'Space-separated scopes to request; none by default' })),
  refreshSkewMs: Type.Optional(Type.Integer({ minimum: 0, default: 30_000, description: 'Refresh this many ms before the token expires' })),
  timeoutMs: Type.Optional(Type.Integer({ minimum: 1, default: 5000, description: 'Deadline for one token request in ms' })),
  defaultExpiresInS: Type.Optional(Type.Integer({ minimum: 1, default: 300, description: 'Token lifetime in s assumed when the endpoint sends no expires_in' })),
}, { additionalProperties: false })

export const XRoadBasicAuthConfigSchema = Type.Object({
  type: Type.Literal('xroad-basic', { description: 'National data-exchange platform: Timestamp + Basic sha256 signature' }),
  username: Type.String({ minLength: 1, description: 'Account name issued by the platform' }),
  secretKey: Secret('Secret key issued with the account; from env or a file, never logged'),
  timestampUnit: Type.Optional(Type.Union([Type.Literal('s'), Type.Literal('ms')], { default: 's', description: 'Unit of the Timestamp header (clients disagree; unverified)' })),
  authUrl: Type.Optional(HttpUrl('The auth URL the platform issued with the account, which enters the signature (peers sign this, not the endpoint); default: each request\'s full URL')),
  xRoadClient: Type.Optional(Type.String({ minLength: 1, description: 'X-Road-Client header (calling subsystem id); not sent when absent' })),
  apiKey: Type.Optional(Secret('API key sent in apiKeyHeader; not sent when absent')),
  apiKeyHeader: Type.Optional(Type.String({ minLength: 1, default: 'ApiKey', description: 'Header carrying apiKey (`ApiKey` as a peer sends it)' })),
}, { additionalProperties: false })

export const LgspTokenAuthConfigSchema = Type.Object({
  type: Type.Literal('lgsp-token', { description: 'Provincial LGSP: `lgspaccesstoken` (base64 JSON of the keys below) + client_credentials token, sent as Bearer with the same `lgspaccesstoken`' }),
  tokenUrl: HttpUrl('Token endpoint of the LGSP adapter ({adapter}{getToken})'),
  accessKey: Type.String({ minLength: 1, description: 'AccessKey issued by the LGSP' }),
  secretKey: Secret('SecretKey issued by the LGSP; from env or a file, never logged'),
  appName: Type.String({ minLength: 1, description: 'AppName registered with the LGSP' }),
  partnerCode: Type.String({ minLength: 1, description: 'PartnerCode (the calling system)' }),
  partnerCodeCus: Type.String({ minLength: 1, description: 'PartnerCodeCus (the system called through the LGSP)' }),
  refreshSkewMs: Type.Optional(Type.Integer({ minimum: 0, default: 30_000, description: 'Refresh this many ms before the token expires' })),
  timeoutMs: Type.Optional(Type.Integer({ minimum: 1, default: 5000, description: 'Deadline for one token request in ms' })),
  defaultExpiresInS: Type.Optional(Type.Integer({ minimum: 1, default: 300, description: 'Token lifetime in s assumed when the endpoint sends no expires_in' })),
}, { additionalProperties: false })

export const ApiKeyAuthConfigSchema = Type.Object({
  type: Type.Literal('api-key', { description: 'A static key in one header' }),
  header: Type.Optional(Type.String({ minLength: 1, default: 'X-API-Key', description: 'Header name' })),
  value: Secret('The key; from env or a file, never logged'),
}, { additionalProperties: false })

export const AuthConfigSchema = Type.Union(
  [NoAuthConfigSchema, OAuth2AuthConfigSchema, XRoadBasicAuthConfigSchema, LgspTokenAuthConfigSchema, ApiKeyAuthConfigSchema],
  { description: 'How the hub authenticates to this upstream; `type` selects the scheme' },
)
export type AuthConfig = Static<typeof AuthConfigSchema>

const NO_AUTH: AuthStrategy = Object.freeze({
  kind: 'none',
  async headers() {
    return {}
  },
})

/** Builds the strategy for an already-validated config (defaults are applied here too). */
export function createAuthStrategy(config: AuthConfig, deps: AuthDeps = {}): AuthStrategy {
  switch (config.type) {
    case 'none':
      return NO_AUTH
    case 'oauth2':
      return createOAuth2ClientCredentials(config, deps)
    case 'xroad-basic':
      return createXRoadBasic(config, deps)
    case 'lgsp-token':
      return createLgspToken(config, deps)
    case 'api-key':
      return createApiKey(config)
  }
}
