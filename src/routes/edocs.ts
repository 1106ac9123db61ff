/**
 * Official documents over the national document axis (DESIGN §5): send one (202 once its edXML
 * package and outbox entry are committed), read one with its sending state and every processing
 * status, download its files, and report a processing status on a document the province received.
 */
import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { EdocView, ReportStatus, SendEdoc } from '../../schemas/api/edocs.js'
import { agencyMatcher } from '../agencies.js'
import { notFound } from '../errors.js'
import type { EdocService } from '../edocs/index.js'
import { untrustedFileHeaders, servedContentType } from '../edocs/file-headers.js'

const problem = (description: string) => ({ ...Type.Ref('Problem'), description })
const common = { 400: problem('Invalid request (field errors in `errors[]`)'), 401: problem('No or unknown API key'), 403: problem('The client lacks the scope or the agency') }
const Id = Type.Object({ id: Type.String({ format: 'uuid', description: 'The hub\'s id of the document' }) })

export interface EdocRouteDeps {
  edocs: EdocService
  bodyLimitBytes: number
}

const edocsRoutes: FastifyPluginAsync<EdocRouteDeps> = async (fastify, deps) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const { edocs } = deps

  app.post('/v1/edocs', {
    config: { scope: 'edocs:send' },
    bodyLimit: deps.bodyLimitBytes,
    schema: {
      tags: ['edocs'],
      operationId: 'sendEdoc',
      summary: 'Send an official document over the document axis',
      description: 'Builds the edXML package (QCVN 102:2016, the layout real agencies exchange; signed when a key is configured), stores it and queues it for sending in one transaction; 202 after the commit. Attachments come base64 (`data`) or by URL (`url`: HTTPS on a public address; http on loopback only in the sandbox), fetched before the answer. Idempotent by the axis document id (sender, date, number, notation): the same body again answers 200 with the same id, another body 409.',
      body: SendEdoc,
      response: {
        202: Type.Object({ id: Type.String(), documentId: Type.String(), outcome: Type.Literal('accepted') }),
        200: Type.Object({ id: Type.String(), documentId: Type.String(), outcome: Type.Literal('unchanged') }),
        409: problem('The document id was already used with a different body (IDEMPOTENCY_CONFLICT)'),
        413: problem('Body over edocs.bodyLimitBytes'),
        422: problem('An attachment URL could not be fetched (ATTACHMENT_UNAVAILABLE)'),
        ...common,
      },
    },
  }, async function sendEdoc(request, reply) {
    const result = await edocs.send(request.body, request.client!.name, agencyMatcher(request.client))
    reply.code(result.outcome === 'accepted' ? 202 : 200)
    if (result.outcome === 'accepted') reply.header('location', `/v1/edocs/${result.id}`)
    return result
  })

  app.get('/v1/edocs/:id', {
    config: { scope: 'edocs:read' },
    schema: {
      tags: ['edocs'],
      operationId: 'getEdoc',
      summary: 'A document sent or received, with its sending state and every processing status',
      params: Id,
      response: { 200: EdocView, 404: problem('No such document for this client'), ...common },
    },
  }, async function getEdoc(request) {
    const view = await edocs.view(request.params.id, agencyMatcher(request.client))
    if (!view) throw notFound(`No document ${request.params.id}.`)
    return view
  })

  app.get('/v1/edocs/:id/attachments/:contentId', {
    config: { scope: 'edocs:read' },
    schema: {
      tags: ['edocs'],
      operationId: 'getEdocAttachment',
      summary: 'One file of a document',
      // NUL cannot be in a content id (XML cannot carry it) nor in a PostgreSQL text parameter.
      params: Type.Object({ id: Id.properties.id, contentId: Type.String({ minLength: 1, maxLength: 200, pattern: '^[^\\u0000]+$' }) }),
      response: { 200: Type.Unsafe({ description: 'The file, with its content type' }), 404: problem('No such document or file for this client'), ...common },
    },
  }, async function getEdocAttachment(request, reply) {
    const file = await edocs.attachment(request.params.id, request.params.contentId, agencyMatcher(request.client))
    if (!file) throw notFound(`No file ${request.params.contentId} in document ${request.params.id}.`)
    reply.type(servedContentType(file.contentType))
    reply.headers(untrustedFileHeaders(file.name))
    return reply.send(file.data)
  })

  app.post('/v1/edocs/:id/status', {
    config: { scope: 'edocs:send' },
    schema: {
      tags: ['edocs'],
      operationId: 'reportEdocStatus',
      summary: 'Report a processing status on a document the province received',
      description: 'Queues a status packet (01 arrived … 06 completed, 13/15/16 recall) to the sender; 202 after the commit. Statuses of one document are sent in the order they were accepted. The same report as the document\'s last one (same reporter, code, description and staff) is taken for a retry: 200 with that status\'s id, nothing sent again.',
      params: Id,
      body: ReportStatus,
      response: {
        202: Type.Object({ statusId: Type.Integer(), outcome: Type.Literal('accepted') }),
        200: Type.Object({ statusId: Type.Integer(), outcome: Type.Literal('unchanged') }),
        404: problem('No such document for this client'),
        ...common,
      },
    },
  }, async function reportEdocStatus(request, reply) {
    const result = await edocs.reportStatus(request.params.id, request.body, request.client!.name, agencyMatcher(request.client))
    reply.code(result.outcome === 'accepted' ? 202 : 200)
    return result
  })
}

export default edocsRoutes
