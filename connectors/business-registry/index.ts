/**
 * Connector for the National Business Registration Database (via the national data platform):
 * `getEnterprise` over REST/JSON with an OAuth2 client-credentials token. Wire format in
 * wire.ts, config in config.ts, the upstream's stand-in in simulator.ts.
 */
import type { Connector, ConnectorContext } from '../../src/upstream/types.js'
import { implement } from '../../src/upstream/contract.js'
import { defineConnector } from '../../src/upstream/connector-kit.js'
import { EnterpriseGet } from '../../src/contracts/identity.js'
import type { UpstreamClient } from '../../src/upstream/client.js'
import { UpstreamError, isUpstreamError } from '../../src/upstream/errors.js'
import { createAuthStrategy } from '../../src/upstream/auth/index.js'
import { checkEnterpriseCode, type Enterprise } from '../../schemas/enterprise.js'
import { BusinessRegistryConfigSchema, resolveConfig, type BusinessRegistryConfig } from './config.js'
import { lookupPath, readEnterpriseReply } from './wire.js'
import { DEFAULT_TOKEN_PATH, SANDBOX_CREDENTIALS, startBusinessRegistrySimulator } from './simulator.js'
import { clientOverrides } from '../../src/upstream/client-config.js'

export { BusinessRegistryConfigSchema, type BusinessRegistryConfig }

/** 2xx carries the record or an empty `Data`; 404 may be the registry's "no such enterprise" (wire.ts decides). */
const acceptLookupStatus = (status: number) => (status >= 200 && status <= 299) || status === 404

function create(ctx: ConnectorContext<BusinessRegistryConfig>): Connector {
  const config = resolveConfig(ctx.config)
  // The token is cached, refreshed before expiry and shared by concurrent calls; a 401 drops it
  // and the client refreshes once and retries once (src/upstream/auth/oauth2-client-credentials.ts).
  const client: UpstreamClient = ctx.createClient({
    baseUrl: config.baseUrl,
    auth: createAuthStrategy(config.auth, { log: ctx.log }),
    ...(config.maxResponseBytes !== undefined && { maxResponseBytes: config.maxResponseBytes }),
    ...clientOverrides(config),
  })
  const readOptions = { bare404IsNotFound: config.bare404IsNotFound }

  /**
   * One lookup. The reply is read inside the client's `inspect` hook, so an unreadable body is a
   * `bad_response` the circuit breaker counts, like any other upstream failure.
   */
  async function lookup(code: string, signal: AbortSignal): Promise<Enterprise | null> {
    let outcome: { value: Enterprise | null } | undefined
    await client.request({
      method: 'GET', path: lookupPath(config.paths.lookup, code), headers: { accept: 'application/json' }, idempotent: true, signal,
      acceptStatus: acceptLookupStatus,
      inspect(res) {
        const r = readEnterpriseReply(res.body, res.status, code, readOptions)
        if (!r.ok) return r.error
        outcome = { value: r.value }
        return undefined
      },
    })
    if (outcome === undefined) throw new UpstreamError('bad_response', 'The business registry reply was not read.')
    return outcome.value
  }

  const getEnterprise = implement(EnterpriseGet, {
    timeoutMs: config.timeoutMs.getEnterprise,
    idempotent: true,
    async run(input, op) {
      // Checked here too (not only at the route): queue workers and prefill call without the gateway.
      const problems = checkEnterpriseCode(input.code)
      if (problems.length > 0) {
        throw new UpstreamError('rejected', `The enterprise code is not valid: ${problems.join('; ')}. Nothing was sent to the business registry.`)
      }
      return lookup(input.code, op.signal)
    },
  })

  /**
   * A fresh token from a strategy of its own (proves the token endpoint and the consumer key and
   * secret now, without dropping the token lookups share), then a lookup of a code nobody holds
   * (proves the detail endpoint accepts our token). Any readable answer is healthy.
   */
  async function probe(signal: AbortSignal) {
    await createAuthStrategy(config.auth, { log: ctx.log }).headers(new URL(config.baseUrl), signal)
    await lookup(config.health.code, signal)
  }

  return { operations: { getEnterprise }, probe }
}

export default defineConnector({
  id: 'business-registry',
  configSchema: BusinessRegistryConfigSchema,
  create,
  simulator: {
    start: startBusinessRegistrySimulator,
    sandboxConfig: (sim) => ({
      baseUrl: sim.url,
      auth: { type: 'oauth2', tokenUrl: `${sim.url}${DEFAULT_TOKEN_PATH}`, clientId: SANDBOX_CREDENTIALS.consumerKey, clientSecret: SANDBOX_CREDENTIALS.consumerSecret },
    }),
  },
})
