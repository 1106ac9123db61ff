/**
 * The operators' web console: its built files under `/console/` (console/ → dist/console by
 * `npm run build:console`, no CDN: the province's network is closed) and its session
 * (`/console/session`): sign in with an admin key for a short-lived HttpOnly cookie, read it,
 * sign out. Sign-ins are audited here, whether they succeed or not; every request a session
 * makes is audited by the console-session plugin.
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import fastifyStatic from '@fastify/static'
import { Type } from 'typebox'
import type { Logger } from 'pino'
import type { ClientConfig } from '../../schemas/config.js'
import type { AuditLog } from '../audit/types.js'
import type { SessionStore } from '../console/sessions.js'
import type { AuthFailureLimiter } from '../plugins/auth-failures.js'
import { keyExpiry, sha256Hex } from '../plugins/auth.js'
import { SESSION_COOKIE } from '../plugins/console-session.js'
import { recordAccess } from '../audited-call.js'
import { GatewayError, forbidden, notFound, unauthorized } from '../errors.js'

export interface ConsoleRouteDeps {
  sessions: SessionStore
  clients: ClientConfig[]
  audit: AuditLog
  failures?: AuthFailureLimiter
  /** Where the built console is; default: the first of dist/console (from source) or ../console (from a build) that exists. */
  dir?: string
}

/** The built console, seen from src/routes (tsx) or dist/src/routes (compiled). */
export function consoleDir(): string | undefined {
  const candidates = ['../../dist/console', '../../console'].map((p) => fileURLToPath(new URL(p, import.meta.url)))
  return candidates.find((dir) => existsSync(`${dir}/index.html`))
}

const problem = (description: string) => ({ ...Type.Ref('Problem'), description })
const OfficerId = Type.String({ minLength: 1, maxLength: 64, pattern: '^[\\x21-\\x7e]+$', description: 'The accountable officer signing in; every console request is audited under it', examples: ['CB-0001'] })
const SessionView = Type.Object({
  client: Type.String({ description: 'The API client whose key signed in' }),
  officerId: Type.String(),
  scopes: Type.Array(Type.String()),
  expiresAt: Type.String({ format: 'date-time', description: 'The latest the session can last; it ends earlier after `idleMs` without a request' }),
  idleMs: Type.Integer(),
}, { description: 'The console session' })

// Pages of the console only talk to this hub; nothing inline, no framing by other sites.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

const consoleRoutes: FastifyPluginAsync<ConsoleRouteDeps & { idleMs: number }> = async (fastify, deps) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const byHash = new Map(deps.clients.map((c) => [c.keySha256, c]))
  const view = (client: ClientConfig, officerId: string, expiresAt: number) => ({
    client: client.name, officerId, scopes: [...client.scopes], expiresAt: new Date(expiresAt).toISOString(), idleMs: deps.idleMs,
  })
  const signInAudit = (request: FastifyRequest, client: string, officerId: string, outcome: string) => recordAccess(deps.audit, {
    at: new Date(), requestId: request.id, client, officerId, purpose: 'console sign-in', connector: 'console',
    operation: 'console.sign-in', subject: null, outcome, latencyMs: 0,
  }, request.log as Logger)

  app.post('/console/session', {
    schema: {
      tags: ['console'], operationId: 'consoleSignIn', summary: 'Sign in to the console: an admin API key for a session cookie',
      description: 'Answers with an HttpOnly, SameSite=Strict session cookie; console requests send it with the header `x-lgsp-console: 1`. The key is checked once and kept nowhere. Audited, failures included; failed sign-ins count towards the address\'s authentication failures (429 past the limit).',
      body: Type.Object({ key: Type.String({ minLength: 1, maxLength: 512, description: 'An API key holding the `admin` scope' }), officerId: OfficerId }, { additionalProperties: false }),
      response: {
        201: SessionView, 400: problem('Invalid request'), 401: problem('Unknown or expired key'), 403: problem('The key lacks the admin scope'), 429: problem('Too many failed authentications from this address'),
      },
    },
  }, async function signIn(request, reply) {
    const { key, officerId } = request.body
    const client = byHash.get(sha256Hex(key))
    if (!client || !(Date.now() < keyExpiry(client))) {
      await signInAudit(request, client?.name ?? '(unknown key)', officerId, 'UNAUTHORIZED')
      const retryAfter = await deps.failures?.fail(request.ip)
      if (retryAfter !== undefined) throw new GatewayError('RATE_LIMITED', `Too many failed authentications from this address; retry in ${retryAfter} s.`, { headers: { 'retry-after': String(retryAfter) } })
      throw unauthorized(client ? `The API key of "${client.name}" has expired; ask the hub operator for a new one.` : 'The API key is not known to this hub.')
    }
    if (!client.scopes.includes('admin')) {
      await signInAudit(request, client.name, officerId, 'FORBIDDEN')
      throw forbidden(`The client "${client.name}" lacks the admin scope the console needs.`)
    }
    const { token, session } = await deps.sessions.create({ client: client.name, officerId })
    await signInAudit(request, client.name, officerId, 'ok')
    reply.setCookie(SESSION_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'strict', secure: request.protocol === 'https' })
    reply.code(201)
    return view(client, officerId, session.expiresAt)
  })

  app.get('/console/session', {
    config: { scope: 'admin' },
    schema: {
      tags: ['console'], operationId: 'consoleSession', summary: 'The console session this request carries',
      response: { 200: SessionView, 401: problem('No session, or it has ended'), 404: problem('The request authenticated with a bearer key, not a session') },
    },
  }, async function currentSession(request) {
    const own = request.consoleSession
    if (!own) throw notFound('This request carries no console session (it authenticated with a bearer key).')
    return view(request.client!, own.session.officerId, own.session.expiresAt)
  })

  app.delete('/console/session', {
    config: { scope: 'admin' },
    schema: {
      tags: ['console'], operationId: 'consoleSignOut', summary: 'Sign out: end the console session',
      response: { 204: Type.Null({ description: 'Signed out' }), 401: problem('No session, or it has ended'), 404: problem('The request authenticated with a bearer key, not a session') },
    },
  }, async function signOut(request, reply) {
    const own = request.consoleSession
    if (!own) throw notFound('This request carries no console session (it authenticated with a bearer key).')
    await deps.sessions.destroy(own.token)
    reply.clearCookie(SESSION_COOKIE, { path: '/' })
    reply.code(204)
  })

  const dir = deps.dir ?? consoleDir()
  app.get('/console', { schema: { hide: true } }, async function consoleRoot(_request, reply) {
    return reply.redirect('/console/')
  })
  if (!dir) {
    app.get('/console/*', { schema: { hide: true } }, async function consoleNotBuilt() {
      throw new GatewayError('SERVICE_UNAVAILABLE', 'The console is not built on this hub: run `npm run build:console` (npm start and npm test do it), then restart.')
    })
    return
  }
  await app.register(fastifyStatic, {
    root: dir,
    prefix: '/console/',
    decorateReply: false,
    index: ['index.html'],
    // Bundles carry a content hash in their name; index.html must be fetched anew.
    setHeaders(reply, path) {
      reply.header('content-security-policy', CSP)
      reply.header('x-content-type-options', 'nosniff')
      reply.header('referrer-policy', 'no-referrer')
      reply.header('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache')
    },
  })
}

export default consoleRoutes
