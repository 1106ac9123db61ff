/** A static API key in one header, for upstreams (and provincial LGSPs) that only want that. */
import type { AuthStrategy } from './types.js'

export interface ApiKeyOptions {
  /** Header name. Default `X-API-Key`. */
  header?: string
  value: string
}

export function createApiKey(options: ApiKeyOptions): AuthStrategy {
  const headers = Object.freeze({ [options.header ?? 'X-API-Key']: options.value })
  return {
    kind: 'api-key',
    async headers() {
      return { ...headers }
    },
  }
}
