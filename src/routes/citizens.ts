/** POST /v1/citizens/lookup and /v1/citizens/verify: the population database, audited. */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type, type Static } from 'typebox'
import { Citizen, CitizenLookupRequest, SENSITIVE_SCOPE, VerifyInput, VerifyOutput } from '../../schemas/citizen.js'
import { CitizenLookup, CitizenVerify } from '../contracts/identity.js'
import type { Contract } from '../upstream/types.js'
import { PersonalDataHeaders, upstreamErrors } from '../../schemas/api/common.js'
import { checkPersonalId } from '../../schemas/personal-id.js'
import { validationFailed, notFound } from '../errors.js'
import { auditedCall, clientGoneSignal } from '../audited-call.js'
import { auditOperation, disclose, disclosedGroups } from '../citizen-disclosure.js'
import type { Logger } from 'pino'
import type { ConnectorRegistry } from '../upstream/registry.js'
import type { AuditLog } from '../audit/types.js'

export interface CitizenRouteDeps {
  registry: ConnectorRegistry
  audit: AuditLog
}

/** Structural ID checks answer 400 before any upstream call (an old 9-digit ID has no structure to check). */
function checkIdentity(body: { personalId: string; dateOfBirth: string }): void {
  if (body.personalId.length === 9) return
  const problems = checkPersonalId(body.personalId, body.dateOfBirth)
  if (problems.length > 0) throw validationFailed(problems.map((p) => ({ path: `/body/${p.field}`, message: p.message })))
}

function personalDataCall<C extends Contract>(request: FastifyRequest, reply: FastifyReply, contract: C, input: Static<C['input']> & { personalId: string }, audited = contract.operation) {
  const headers = request.headers as Record<string, string>
  return {
    client: request.client!.name,
    officerId: headers['x-officer-id']!,
    purpose: headers['x-purpose']!,
    requestId: request.id,
    contract,
    auditOperation: audited,
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
      operationId: 'lookupCitizen',
      summary: 'Look up a citizen in the national population database',
      description: `Answers 404 when the population database holds no citizen with this ID, name and date of birth. \`personalId\` is the 12-digit personal ID (checked: province code, gender/century digit against the birth year, before any upstream call) or an old 9-digit ID-card number. The answer holds identity fields only (IDs, name, birth date, gender, nationality, birth registration place, addresses); the groups in \`include\` (relatives, guardian, household, maritalStatus, religion, ethnicity, bloodType) are added only for a client with ${SENSITIVE_SCOPE} (403 otherwise), and the audit record names them.`,
      headers: PersonalDataHeaders,
      body: CitizenLookupRequest,
      response: { 200: Type.Object({ citizen: Citizen }), 404: { ...Type.Ref('Problem'), description: 'No such citizen' }, ...upstreamErrors },
    },
  }, async function lookupCitizen(request, reply) {
    checkIdentity(request.body)
    const { include, ...input } = request.body
    const groups = disclosedGroups(include, request.client!.scopes)
    const found = await auditedCall(deps, personalDataCall(request, reply, CitizenLookup, input, auditOperation('lookup', groups)))
    const citizen = disclose(found, groups)
    if (!citizen) throw notFound('The population database holds no citizen with this ID, name and date of birth.')
    return { citizen }
  })

  app.post('/v1/citizens/verify', {
    config: { scope: 'citizens:verify' },
    schema: {
      tags: ['citizens'],
      operationId: 'verifyCitizen',
      summary: 'Verify supplied citizen data against the national population database',
      description: 'Asks the population database whether a citizen with exactly this ID (12-digit, or old 9-digit), full name and date of birth exists. The answer is yes or no: `checked` lists the fields checked together, and the database never says which one differs.',
      headers: PersonalDataHeaders,
      body: VerifyInput,
      response: { 200: VerifyOutput, ...upstreamErrors },
    },
  }, async function verifyCitizen(request, reply) {
    checkIdentity(request.body)
    return auditedCall(deps, personalDataCall(request, reply, CitizenVerify, request.body), (r) => (r.match ? 'match' : 'mismatch'))
  })
}

export default citizensRoutes
