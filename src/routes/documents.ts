/**
 * Digitized documents: the one-stop software registers papers it digitized at intake
 * (`POST /v1/documents`, idempotent by code and hash) and asks what the state already holds for
 * an owner (`POST /v1/documents/search`, audited: it reveals a person's papers).
 */
import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { Logger } from 'pino'
import { HeldDocument, RegisterDocument, SearchDocuments } from '../../schemas/document.js'
import { PersonalDataHeaders } from '../../schemas/api/common.js'
import { checkOwnerId } from '../owner-id.js'
import { validationFailed } from '../errors.js'
import { recordAccess } from '../audited-call.js'
import type { DocumentStore } from '../documents/store.js'
import type { AuditLog } from '../audit/types.js'

const problem = (description: string) => ({ ...Type.Ref('Problem'), description })
const common = { 401: problem('No or unknown API key'), 403: problem('The client lacks the scope'), 400: problem('Invalid request (field errors in `errors[]`)') }

export interface DocumentRouteDeps {
  documents: DocumentStore
  audit: AuditLog
}

function checkOwner(ownerId: string, path: string): void {
  const problems = checkOwnerId(ownerId)
  if (problems.length > 0) throw validationFailed(problems.map((message) => ({ path, message })))
}

const documentsRoutes: FastifyPluginAsync<DocumentRouteDeps> = async (fastify, deps) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()

  app.post('/v1/documents', {
    config: { scope: 'dossiers:write' },
    schema: {
      tags: ['documents'],
      operationId: 'registerDocument',
      summary: 'Register a paper digitized at intake',
      description: 'Idempotent by code and SHA-256: the same paper again answers 200 with the existing id; another file under the same code (a renewed paper) is a new document. The owner ID is stored only as a keyed hash and a masked form.',
      body: RegisterDocument,
      response: { 201: Type.Object({ id: Type.Integer(), outcome: Type.Literal('created') }), 200: Type.Object({ id: Type.Integer(), outcome: Type.Literal('existing') }), ...common },
    },
  }, async function registerDocument(request, reply) {
    checkOwner(request.body.code.split('.')[0]!, '/body/code')
    const { id, created } = await deps.documents.register(request.body, request.client!.name)
    reply.code(created ? 201 : 200)
    return created ? { id, outcome: 'created' as const } : { id, outcome: 'existing' as const }
  })

  app.post('/v1/documents/search', {
    config: { scope: 'documents:read' },
    schema: {
      tags: ['documents'],
      operationId: 'searchDocuments',
      summary: 'Digitized papers and results already held for an owner',
      description: 'By owner (personal ID or enterprise code) and optional document types; expired papers are left out unless `includeExpired`. Audited with the officer and purpose.',
      headers: PersonalDataHeaders,
      body: SearchDocuments,
      response: { 200: Type.Object({ documents: Type.Array(HeldDocument) }), 503: problem('The audit log cannot be written'), ...common },
    },
  }, async function searchDocuments(request) {
    checkOwner(request.body.ownerId, '/body/ownerId')
    const started = performance.now()
    const documents = await deps.documents.search({
      ownerId: request.body.ownerId,
      ...(request.body.documentTypes !== undefined && { documentTypes: request.body.documentTypes }),
      ...(request.body.includeExpired !== undefined && { includeExpired: request.body.includeExpired }),
    })
    const headers = request.headers as Record<string, string>
    await recordAccess(deps.audit, {
      at: new Date(), requestId: request.id, client: request.client!.name, officerId: headers['x-officer-id']!, purpose: headers['x-purpose']!,
      connector: 'ledger', operation: 'documents.search', subject: request.body.ownerId, outcome: documents.length > 0 ? 'ok' : 'not_found',
      latencyMs: Math.round(performance.now() - started),
    }, request.log as Logger)
    return { documents }
  })
}

export default documentsRoutes
