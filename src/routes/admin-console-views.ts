/**
 * Operator views the console needs beyond the original admin routes (scope `admin`): the recent
 * upstream failures per connector; documents sent and received over the axis with their sending
 * state and last status; the `edxml:inspect` verdict on a quarantined package.
 */
import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { Logger } from 'pino'
import type { Db } from '../db/types.js'
import type { ConnectorRegistry } from '../upstream/registry.js'
import type { RecentErrors } from '../upstream/recent-errors.js'
import { inspectReceiveFailure, listEdocs } from '../edocs/listing.js'
import { notFound } from '../errors.js'

export interface ConsoleViewDeps {
  db: Db
  registry: ConnectorRegistry
  upstreamErrors: RecentErrors
  /** The document axis connector, when it is enabled. */
  edocsConnector?: string
}

const problem = (description: string) => ({ ...Type.Ref('Problem'), description })
const adminErrors = { 400: problem('Invalid request'), 401: problem('No or unknown API key'), 403: problem('The client lacks the admin scope') }
const DateTime = Type.String({ format: 'date-time' })
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()])

const UpstreamFailure = Type.Object({
  connector: Type.String(), operation: Type.String(), at: DateTime,
  kind: Type.Enum(['timeout', 'unavailable', 'rejected', 'not_found', 'unauthorized', 'bad_response', 'circuit_open', 'aborted']),
  message: Type.String({ description: 'The hub\'s description of the failure (never an upstream payload; 9- and 12-digit runs masked)' }),
  upstreamCode: Nullable(Type.String()), status: Nullable(Type.Integer({ description: 'HTTP status the upstream answered' })),
})

const EdocItem = Type.Object({
  id: Type.String(), direction: Type.Enum(['outgoing', 'incoming']), documentId: Type.String(), from: Type.String(), to: Type.Array(Type.String()),
  subject: Type.String(), createdAt: DateTime,
  sending: Nullable(Type.Object({ state: Type.String(), attempts: Type.Integer(), lastError: Nullable(Type.String()) }, { description: 'Outgoing: its sending through the outbox' })),
  lastStatus: Nullable(Type.Object({ code: Type.String(), status: Type.String(), from: Type.String(), at: DateTime, direction: Type.Enum(['incoming', 'outgoing']) })),
  statuses: Type.Integer({ description: 'Statuses recorded on it, both directions' }),
})

const DocId = Type.Object({ docId: Type.String({ pattern: '^[\\x21-\\x7e]{1,200}$', description: 'The axis\'s id of the package' }) })

const consoleViewRoutes: FastifyPluginAsync<ConsoleViewDeps> = async (fastify, deps) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const config = { scope: 'admin' as const }

  app.get('/admin/upstream-errors', {
    config,
    schema: {
      tags: ['admin'], operationId: 'listUpstreamErrors', summary: 'Recent upstream failures, newest first (the last 50 per connector, across replicas)',
      querystring: Type.Object({
        connector: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9-]{0,63}$' })),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
      }, { additionalProperties: false }),
      response: { 200: Type.Object({ errors: Type.Array(UpstreamFailure) }, { description: 'Recent failures, newest first' }), 404: problem('No such connector'), ...adminErrors },
    },
  }, async function upstreamErrors(request) {
    const { connector, limit = 50 } = request.query
    if (connector !== undefined && !deps.registry.has(connector)) throw notFound(`No connector ${connector}; connectors: ${deps.registry.ids().join(', ')}.`)
    return { errors: await deps.upstreamErrors.list({ limit, ...(connector !== undefined && { connector }) }) }
  })

  if (!deps.edocsConnector) return
  const connector = deps.edocsConnector

  app.get('/admin/edocs', {
    config,
    schema: {
      tags: ['admin'], operationId: 'listEdocs', summary: 'Documents sent and received over the axis, newest first, with sending state and last status',
      querystring: Type.Object({
        direction: Type.Optional(Type.Enum(['outgoing', 'incoming'])),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
        before: Type.Optional(Type.String({ maxLength: 300, description: 'Cursor: `next` of the previous page' })),
      }, { additionalProperties: false }),
      response: { 200: Type.Object({ items: Type.Array(EdocItem), next: Nullable(Type.String()) }, { description: 'A page of documents, newest first' }), ...adminErrors },
    },
  }, async function edocList(request) {
    const q = request.query
    return listEdocs(deps.db, connector, { limit: q.limit ?? 50, ...(q.direction && { direction: q.direction }), ...(q.before !== undefined && { before: q.before }) })
  })

  app.get('/admin/edocs/receive-failures/:docId/inspection', {
    config,
    schema: {
      tags: ['admin'], operationId: 'inspectReceiveFailure', summary: 'What `edxml:inspect` says of a quarantined package: readable with its signature verdict, or the element at fault',
      params: DocId,
      response: {
        200: Type.Object({
          docId: Type.String(),
          inspection: Nullable(Type.Record(Type.String(), Type.Unknown(), { description: '`{ok: true, kind, header | status, attachments, signature}` or `{ok: false, element, reason}`; null for a retrying package, whose bytes stay in the axis mailbox until it is quarantined' })),
        }, { description: 'The verdict' }),
        404: problem('No failure recorded for this docId'), ...adminErrors,
      },
    },
  }, async function inspection(request) {
    const { docId } = request.params
    const result = await inspectReceiveFailure(deps.db, deps.registry, connector, docId, { requestId: request.id, log: request.log as Logger })
    if (result === undefined) throw notFound(`No receive failure recorded for ${docId}.`)
    return { docId, inspection: result as Record<string, unknown> | null }
  })
}

export default consoleViewRoutes
