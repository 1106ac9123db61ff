/**
 * The upstream client's knobs every connector's config section offers (socket timeouts, pool
 * size, retry and circuit-breaker overrides): one schema to spread into a connector's config
 * schema, and one function that hands the values given to `createClient`. Defaults live in the
 * client (src/upstream/client.ts), so an absent value stays absent here.
 */
import { Type, type Static } from 'typebox'
import type { UpstreamClientOptions } from './client.js'

const OptionalInt = (minimum: number, description: string) => Type.Optional(Type.Integer({ minimum, description }))

/** Schema fields for a connector config; `retryDescription` says which calls the connector retries. */
export function upstreamClientFields(retryDescription: string) {
  return {
    connectTimeoutMs: OptionalInt(1, 'TCP/TLS connect timeout in ms. Default 5000 (upstream client).'),
    headersTimeoutMs: OptionalInt(1, 'Wait for response headers in ms. Default 10000 (upstream client).'),
    bodyTimeoutMs: OptionalInt(1, 'Longest silence between body chunks in ms. Default 10000 (upstream client).'),
    connections: OptionalInt(1, 'Sockets in the pool. Default 10 (upstream client).'),
    retry: Type.Optional(Type.Object({
      maxAttempts: OptionalInt(1, 'Attempts including the first. Default 3.'),
      baseDelayMs: OptionalInt(0, 'First backoff in ms. Default 100.'),
      maxDelayMs: OptionalInt(0, 'Cap of one backoff in ms. Default 2000.'),
      maxRetryAfterMs: OptionalInt(0, 'Longest Retry-After waited out in ms. Default 5000.'),
    }, { additionalProperties: false, description: retryDescription })),
    circuit: Type.Optional(Type.Object({
      failureThreshold: OptionalInt(1, 'Failures within windowMs that open the circuit. Default 5.'),
      windowMs: OptionalInt(1, 'Rolling failure window in ms. Default 10000.'),
      openMs: OptionalInt(1, 'Time open before one probe in ms. Default 5000.'),
    }, { additionalProperties: false, description: 'Circuit-breaker overrides.' })),
  }
}

const Fields = Type.Object(upstreamClientFields(''))
export type UpstreamClientFields = Static<typeof Fields>

/** The values a config section gives, ready to spread into `createClient` options. */
export function clientOverrides(config: UpstreamClientFields): Partial<Pick<UpstreamClientOptions, 'connectTimeoutMs' | 'headersTimeoutMs' | 'bodyTimeoutMs' | 'connections' | 'retry' | 'circuit'>> {
  return {
    ...(config.connectTimeoutMs !== undefined && { connectTimeoutMs: config.connectTimeoutMs }),
    ...(config.headersTimeoutMs !== undefined && { headersTimeoutMs: config.headersTimeoutMs }),
    ...(config.bodyTimeoutMs !== undefined && { bodyTimeoutMs: config.bodyTimeoutMs }),
    ...(config.connections !== undefined && { connections: config.connections }),
    ...(config.retry !== undefined && { retry: config.retry }),
    ...(config.circuit !== undefined && { circuit: config.circuit }),
  }
}
