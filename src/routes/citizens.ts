/** POST /v1/citizens/lookup and /v1/citizens/verify: the population database, audited. */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { Citizen, LookupInput, VerifyInput, VerifyOutput, type Citizen as CitizenT, type VerifyOutput as VerifyOutputT } from '../../schemas/citizen.js'
import { PersonalDataHeaders, upstreamErrors } from '../../schemas/api/common.js'
import { checkPersonalId } from '../../schemas/personal-id.js'
import { validationFailed, notFound } from '../errors.js'
import { auditedCall, clientGoneSignal } from '../audited-call.js'
import type { Logger } from 'pino'
import type { ConnectorRegistry } from '../upstream/registry.js'
import type { AuditLog } from '../audit/types.js'

export interface CitizenRouteDeps {
  registry: ConnectorRegistry
  audit: AuditLog
}

/** Structural ID checks answer 400 before any upstream call. */
function checkIdentity(body: { personalId: string; dateOfBirth: string }): void {
  const problems = checkPersonalId(body.personalId, body.dateOfBirth)
  if (problems.length > 0) throw validationFailed(problems.map((p) => ({ path: `/body/${p.field}`, message: p.message })))
}

function personalDataCall(request: FastifyRequest, reply: FastifyReply, operation: string, input: { personalId: string }) {
  const headers = request.headers as Record<string, string>
  return {
    client: request.client!.name,
    officerId: headers['x-officer-id']!,
    purpose: headers['x-purpose']!,
    requestId: request.id,
    connector: 'population',
    operation,
    subject: input.personalId,
    input,
    signal: clientGoneSignal(reply.raw),
    log: request.log as Logger,
  }
}

const citizensRoutes: FastifyPluginAsync<CitizenRouteDeps> = async (fastify, deps) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()

  app.post('/v1/citizens/lookup', {
    config: { scope: 'citizens:read' },
    schema: {
      tags: ['citizens'],
      summary: 'Look up a citizen in the national population database',
      description: 'Answers 404 when the population database holds no citizen with this ID, name and date of birth. The ID is checked (12 digits, province code, gender/century digit against the birth year) before any upstream call.',
      headers: PersonalDataHeaders,
      body: LookupInput,
      response: { 200: Type.Object({ citizen: Citizen }), 404: { ...Type.Ref('Problem'), description: 'No such citizen' }, ...upstreamErrors },
    },
  }, async function lookupCitizen(request, reply) {
    checkIdentity(request.body)
    const citizen = await auditedCall<CitizenT | null>(deps, personalDataCall(request, reply, 'lookup', request.body))
    if (!citizen) throw notFound('The population database holds no citizen with this ID, name and date of birth.')
    return { citizen }
  })

  app.post('/v1/citizens/verify', {
    config: { scope: 'citizens:verify' },
    schema: {
      tags: ['citizens'],
      summary: 'Verify supplied citizen data against the national population database',
      description: '`mismatches` names the supplied fields the record disagrees with; an unknown ID gives `match: false` with `personalId` among the mismatches.',
      headers: PersonalDataHeaders,
      body: VerifyInput,
      response: { 200: VerifyOutput, ...upstreamErrors },
    },
  }, async function verifyCitizen(request, reply) {
    checkIdentity(request.body)
    return auditedCall<VerifyOutputT>(deps, personalDataCall(request, reply, 'verify', request.body), (r) => (r.match ? 'match' : 'mismatch'))
  })
}

export default citizensRoutes
