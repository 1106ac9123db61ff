/** POST /v1/prefill: what the state already holds for this applicant and procedure (seed plan: do not ask again). */
import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { Logger } from 'pino'
import { PrefillInput, PrefillOutput } from '../../schemas/api/prefill.js'
import { PersonalDataHeaders } from '../../schemas/api/common.js'
import { checkOwnerId } from '../owner-id.js'
import { checkPersonalId } from '../../schemas/personal-id.js'
import { validationFailed } from '../errors.js'
import { clientGoneSignal } from '../audited-call.js'
import { prefill, type PrefillDeps } from '../prefill/prefill.js'

const problem = (description: string) => ({ ...Type.Ref('Problem'), description })

const prefillRoutes: FastifyPluginAsync<PrefillDeps> = async (fastify, deps) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  app.post('/v1/prefill', {
    config: { scope: 'documents:read' },
    schema: {
      tags: ['documents'],
      operationId: 'prefillApplication',
      summary: 'Pre-fill: identity, held documents and the procedure\'s required papers, in parallel',
      description: `Asks the population database (citizen) or the business registry (business), the document store and the procedure catalogue in parallel under one deadline (\`prefill.deadlineMs\`, default 3 s). Each source reports \`{status: ok|error|timeout|skipped, ms, code?}\`; a slow or failing source does not hold back the others. The identity source needs the scope citizens:read or enterprises:read as well (otherwise it is skipped). Every personal-data source is audited.`,
      headers: PersonalDataHeaders,
      body: PrefillInput,
      response: { 200: PrefillOutput, 400: problem('Invalid applicant ID or procedure code'), 401: problem('No or unknown API key'), 403: problem('The client lacks documents:read, or asks for citizen groups (include) without citizens:read-sensitive') },
    },
  }, async function prefillRoute(request, reply) {
    const { applicant } = request.body
    const problems = applicant.type === 'citizen'
      ? checkPersonalId(applicant.id, applicant.dateOfBirth).map((p) => ({ path: `/body/applicant/${p.field === 'personalId' ? 'id' : 'dateOfBirth'}`, message: p.message }))
      : checkOwnerId(applicant.id).map((message) => ({ path: '/body/applicant/id', message }))
    if (problems.length > 0) throw validationFailed(problems)
    const headers = request.headers as Record<string, string>
    return prefill(deps, request.body, {
      client: request.client!.name, scopes: request.client!.scopes, officerId: headers['x-officer-id']!, purpose: headers['x-purpose']!,
      requestId: request.id, signal: clientGoneSignal(reply.raw), log: request.log as Logger,
    })
  })
}

export default prefillRoutes
