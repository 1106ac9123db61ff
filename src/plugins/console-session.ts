/**
 * Console sessions at the HTTP layer: a request carrying the session cookie AND the console's
 * own header (`x-lgsp-console: 1`; a page on another site cannot add it without a CORS
 * preflight this hub never grants, so the cookie alone authorises nothing) acts as the client
 * that signed in, under the officer named at sign-in (its `X-Officer-Id` is that officer,
 * whatever the page sent; its `X-Purpose` may come percent-encoded as `x-purpose-utf8`, since a
 * browser cannot send Vietnamese in a header). An `Authorization` header wins over the cookie.
 *
 * Every request a session makes is audited (who: client and officer; what: method and path;
 * when; outcome: the HTTP status) before its answer leaves. If that record cannot be written,
 * the answer becomes 503 AUDIT_UNAVAILABLE: the operator learns the action was not recorded.
 * Runs before the auth plugin, which then only checks the route's scope.
 */
import fp from 'fastify-plugin'
import cookie from '@fastify/cookie'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Logger } from 'pino'
import type { ClientConfig } from '../../schemas/config.js'
import type { AuditLog } from '../audit/types.js'
import type { ConsoleSession, SessionStore } from '../console/sessions.js'
import { recordAccess } from '../audited-call.js'
import { maskIdsInText } from '../logger.js'
import { unauthorized, validationFailed } from '../errors.js'
import { keyExpiry } from './auth.js'

export const SESSION_COOKIE = 'lgsp_console'
export const CONSOLE_HEADER = 'x-lgsp-console'
export const PURPOSE_HEADER = 'x-purpose-utf8'

declare module 'fastify' {
  interface FastifyRequest {
    /** Set when the request authenticated with a console session. */
    consoleSession: { token: string; session: ConsoleSession } | null
  }
}

export interface ConsoleSessionOptions {
  sessions: SessionStore
  clients: ClientConfig[]
  audit: AuditLog
}

/** The client a session names, if it still exists and its key has not expired since sign-in. */
export function liveClient(clients: ClientConfig[], name: string): ClientConfig | undefined {
  const client = clients.find((c) => c.name === name)
  return client && Date.now() < keyExpiry(client) ? client : undefined
}

/** What the audit record calls a console request: its method and path, never the query. */
export const consoleOperation = (request: FastifyRequest) => maskIdsInText(`${request.method} ${request.url.split('?')[0]}`).slice(0, 300)

export default fp(async function consoleSessionPlugin(app, opts: ConsoleSessionOptions) {
  await app.register(cookie)
  app.decorateRequest('consoleSession', null)
  const audited = new WeakSet<FastifyRequest>()

  app.addHook('onRequest', async function consoleAuthenticate(request) {
    if (!request.routeOptions.config.scope || request.headers.authorization !== undefined) return
    const token = request.cookies[SESSION_COOKIE]
    if (!token || request.headers[CONSOLE_HEADER] !== '1') return
    const session = await opts.sessions.resolve(token)
    const client = session && liveClient(opts.clients, session.client)
    if (!session || !client) throw unauthorized('The console session has ended (signed out, idle too long or past its lifetime); sign in again.')
    request.client = client
    request.consoleSession = { token, session }
    request.headers['x-officer-id'] = session.officerId
    // Browsers send header values as ISO-8859-1 only; the console sends a Vietnamese purpose
    // percent-encoded (UTF-8) in this header instead.
    const encoded = request.headers[PURPOSE_HEADER]
    if (typeof encoded === 'string') {
      try {
        request.headers['x-purpose'] = decodeURIComponent(encoded)
      } catch {
        throw validationFailed([{ path: `/headers/${PURPOSE_HEADER}`, message: 'is not percent-encoded UTF-8' }])
      }
    }
  })

  app.addHook('onSend', async function auditConsoleRequest(request: FastifyRequest, reply: FastifyReply, payload) {
    const own = request.consoleSession
    // Once per request: a 503 for a failed record passes through this hook again.
    if (!own || audited.has(request)) return payload
    audited.add(request)
    const purpose = request.headers['x-purpose']
    await recordAccess(opts.audit, {
      at: new Date(), requestId: request.id, client: own.session.client, officerId: own.session.officerId,
      purpose: typeof purpose === 'string' && purpose !== '' ? purpose.slice(0, 200) : 'console',
      connector: 'console', operation: consoleOperation(request), subject: null,
      outcome: String(reply.statusCode), latencyMs: Math.round(reply.elapsedTime),
    }, request.log as Logger)
    return payload
  })
}, { name: 'console-session' })
