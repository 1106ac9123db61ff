/**
 * API-key auth with scopes. Keys are configured as their SHA-256, never in clear. A route opts in
 * with `config: { scope }`; routes without a scope are public (health, metrics, docs).
 */
import { createHash } from 'node:crypto'
import fp from 'fastify-plugin'
import type { ClientConfig, Scope } from '../../schemas/config.js'
import { GatewayError, forbidden, unauthorized } from '../errors.js'
import type { AuthFailureLimiter } from './auth-failures.js'

declare module 'fastify' {
  interface FastifyRequest {
    client: ClientConfig | null
  }
  interface FastifyContextConfig {
    /** Scope a caller needs for this route; `authenticated` = any known client; unset = public route. */
    scope?: Scope | 'authenticated'
  }
}

export const sha256Hex = (value: string) => createHash('sha256').update(value).digest('hex')

/** When a client's key stops working, in epoch ms (Infinity = never; NaN = unreadable). */
export const keyExpiry = (client: Pick<ClientConfig, 'expiresAt'>) => client.expiresAt === undefined ? Infinity : Date.parse(client.expiresAt)

/** Startup problems with the clients' keys (an unreadable expiry would fail closed on every request). */
export function clientKeyProblems(clients: ClientConfig[]): string[] {
  return clients.flatMap((c, i) => Number.isNaN(keyExpiry(c)) ? [`config /clients/${i}/expiresAt: "${c.expiresAt}" is not a date`] : [])
}

export default fp(async function authPlugin(app, opts: { clients: ClientConfig[]; failures?: AuthFailureLimiter }) {
  const byHash = new Map(opts.clients.map((c) => [c.keySha256, { client: c, expiresAt: keyExpiry(c) }]))
  app.decorateRequest('client', null)
  app.addHook('onRequest', async function authenticate(request) {
    const scope = request.routeOptions.config.scope
    if (!scope) return
    // A console session (console-session.ts, an earlier hook) may have named the client already.
    if (request.client) {
      if (scope !== 'authenticated' && !request.client.scopes.includes(scope)) throw forbidden(`The client "${request.client.name}" lacks the scope ${scope}.`)
      return
    }
    const header = request.headers.authorization
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null
    const known = match ? byHash.get(sha256Hex(match[1]!)) : undefined
    // NaN (unreadable) compares false: such a key never works.
    if (!known || !(Date.now() < known.expiresAt)) {
      const retryAfter = await opts.failures?.fail(request.ip)
      if (retryAfter !== undefined) {
        throw new GatewayError('RATE_LIMITED', `Too many failed authentications from this address; retry in ${retryAfter} s.`, { headers: { 'retry-after': String(retryAfter) } })
      }
      if (!match) throw unauthorized()
      if (!known) throw unauthorized('The API key is not known to this hub.')
      throw unauthorized(`The API key of "${known.client.name}" expired at ${known.client.expiresAt}; ask the hub operator for a new one.`)
    }
    const client = known.client
    request.client = client
    if (scope !== 'authenticated' && !client.scopes.includes(scope)) throw forbidden(`The client "${client.name}" lacks the scope ${scope}.`)
  })
}, { name: 'auth' })
