/**
 * API-key auth with scopes. Keys are configured as their SHA-256, never in clear. A route opts in
 * with `config: { scope }`; routes without a scope are public (health, metrics, docs).
 */
import { createHash } from 'node:crypto'
import fp from 'fastify-plugin'
import type { ClientConfig, Scope } from '../../schemas/config.js'
import { forbidden, unauthorized } from '../errors.js'

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

export default fp(async function authPlugin(app, opts: { clients: ClientConfig[] }) {
  const byHash = new Map(opts.clients.map((c) => [c.keySha256, { client: c, expiresAt: keyExpiry(c) }]))
  app.decorateRequest('client', null)
  app.addHook('onRequest', async function authenticate(request) {
    const scope = request.routeOptions.config.scope
    if (!scope) return
    const header = request.headers.authorization
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null
    if (!match) throw unauthorized()
    const known = byHash.get(sha256Hex(match[1]!))
    if (!known) throw unauthorized('The API key is not known to this hub.')
    // NaN (unreadable) compares false: such a key never works.
    if (!(Date.now() < known.expiresAt)) throw unauthorized(`The API key of "${known.client.name}" expired at ${known.client.expiresAt}; ask the hub operator for a new one.`)
    const client = known.client
    request.client = client
    if (scope !== 'authenticated' && !client.scopes.includes(scope)) throw forbidden(`The client "${client.name}" lacks the scope ${scope}.`)
  })
}, { name: 'auth' })
