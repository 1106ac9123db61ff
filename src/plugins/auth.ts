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

export default fp(async function authPlugin(app, opts: { clients: ClientConfig[] }) {
  const byHash = new Map(opts.clients.map((c) => [c.keySha256, c]))
  app.decorateRequest('client', null)
  app.addHook('onRequest', async function authenticate(request) {
    const scope = request.routeOptions.config.scope
    if (!scope) return
    const header = request.headers.authorization
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null
    if (!match) throw unauthorized()
    const client = byHash.get(sha256Hex(match[1]!))
    if (!client) throw unauthorized('The API key is not known to this hub.')
    request.client = client
    if (scope !== 'authenticated' && !client.scopes.includes(scope)) throw forbidden(`The client "${client.name}" lacks the scope ${scope}.`)
  })
}, { name: 'auth' })
