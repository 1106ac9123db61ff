/**
 * Operator routes (scope `admin`) for receiving from the document axis: the packages the hub could
 * not take in — still retrying in the mailbox, or kept in quarantine because the parser refuses
 * them — with their reasons; read one again once its cause is fixed, or discard it
 * (src/edocs/receive-failures.ts, docs/edocs.md).
 */
import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { GatewayError, notFound } from '../errors.js'
import type { EdocService } from '../edocs/index.js'

const problem = (description: string) => ({ ...Type.Ref('Problem'), description })
const adminErrors = { 400: problem('Invalid request'), 401: problem('No or unknown API key'), 403: problem('The client lacks the admin scope') }
const DateTime = Type.String({ format: 'date-time' })
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()])
const DocId = Type.Object({ docId: Type.String({ pattern: '^[\\x21-\\x7e]{1,200}$', description: 'The axis\'s id of the package' }) })

const ReceiveFailure = Type.Object({
  docId: Type.String(), messageType: Type.Enum(['edoc', 'status']), from: Type.String({ description: 'Sender organ, as the mailbox lists it' }),
  to: Type.String({ description: 'Recipient organs in the province, as the mailbox lists them' }),
  failures: Type.Integer({ description: 'Failed reads in a row' }),
  lastError: Type.String({ description: 'The last failure: a fetch error, or the parser\'s reason naming the element or limit (never content)' }),
  state: Type.Enum(['retrying', 'quarantined'], { description: 'retrying: still in the axis mailbox; quarantined: kept here with its bytes and acknowledged' }),
  retryAt: Nullable(DateTime), quarantinedAt: Nullable(DateTime), size: Nullable(Type.Integer({ description: 'Bytes kept (quarantined)' })),
  firstFailedAt: DateTime, lastFailedAt: DateTime,
})

export interface AdminEdocRouteDeps {
  edocs: EdocService
}

const adminEdocsRoutes: FastifyPluginAsync<AdminEdocRouteDeps> = async (fastify, { edocs }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const config = { scope: 'admin' as const }

  app.get('/admin/edocs/receive-failures', {
    config,
    schema: {
      operationId: 'listReceiveFailures',
      tags: ['admin'], summary: 'Received packages the hub could not take in: retrying, or kept in quarantine',
      querystring: Type.Object({
        state: Type.Optional(Type.Enum(['retrying', 'quarantined'])),
        limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
        after: Type.Optional(Type.String({ maxLength: 200, description: 'Page after this docId (ordered by docId)' })),
      }, { additionalProperties: false }),
      response: { 200: Type.Object({ failures: Type.Array(ReceiveFailure) }), ...adminErrors },
    },
  }, async function listReceiveFailures(request) {
    const q = request.query
    return { failures: await edocs.receiveFailures({ limit: q.limit, ...(q.state && { state: q.state }), ...(q.after !== undefined && { after: q.after }) }) }
  })

  app.post('/admin/edocs/receive-failures/:docId/retry', {
    config,
    schema: {
      operationId: 'retryReceiveFailure',
      tags: ['admin'], summary: 'Read a quarantined package again (after a limit was raised or the parser fixed), or fetch a retrying one on the next pass',
      params: DocId,
      response: {
        200: Type.Object({ outcome: Type.Literal('stored') }, { description: 'Quarantined, now readable: stored and announced like any received package' }),
        202: Type.Object({ outcome: Type.Literal('scheduled') }, { description: 'Still in the mailbox: fetched on the next pass, its backoff skipped' }),
        404: problem('No failure recorded for this docId'),
        422: problem('Still not acceptable edXML (PACKAGE_UNREADABLE); `detail` gives the reason'),
        ...adminErrors,
      },
    },
  }, async function retryReceiveFailure(request, reply) {
    const result = await edocs.retryReceiveFailure(request.params.docId)
    if (result.outcome === 'not_found') throw notFound(`No receive failure recorded for ${request.params.docId}.`)
    if (result.outcome === 'unreadable') throw new GatewayError('PACKAGE_UNREADABLE', `The package is still not acceptable edXML: ${result.reason}`)
    reply.code(result.outcome === 'stored' ? 200 : 202)
    return { outcome: result.outcome }
  })

  app.delete('/admin/edocs/receive-failures/:docId', {
    config,
    schema: {
      operationId: 'discardReceiveFailure',
      tags: ['admin'], summary: 'Forget a receive failure (a quarantined package\'s bytes included), e.g. once handled outside the hub',
      params: DocId,
      response: { 204: Type.Null(), 404: problem('No failure recorded for this docId'), ...adminErrors },
    },
  }, async function discardReceiveFailure(request, reply) {
    if (!await edocs.discardReceiveFailure(request.params.docId)) throw notFound(`No receive failure recorded for ${request.params.docId}.`)
    reply.code(204)
  })
}

export default adminEdocsRoutes
