/**
 * GET /v1/enterprises/{code}: the business registry record, check digit validated before any
 * upstream call, audited on every access (cached or not).
 *
 * Caching: registry records change rarely (a new representative, an address) and the upstream is
 * rate-limited, so a found record is cached in Redis for `enterprises.cacheTtlMs` (default
 * 10 min) and the answer says so (`source.cached`, `source.ageSeconds`). Not-found answers are
 * never cached: a just-registered enterprise must show up at once.
 */
import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { Logger } from 'pino'
import type { RedisClient } from '../redis.js'
import { Enterprise, checkEnterpriseCode, withoutMembers, type Enterprise as EnterpriseT } from '../../schemas/enterprise.js'
import { PersonalDataHeaders, upstreamErrors } from '../../schemas/api/common.js'
import { notFound, validationFailed } from '../errors.js'
import { auditedCall, clientGoneSignal, recordAccess } from '../audited-call.js'
import { EnterpriseGet } from '../contracts/identity.js'
import type { ConnectorRegistry } from '../upstream/registry.js'
import type { AuditLog } from '../audit/types.js'

export interface EnterpriseRouteDeps {
  registry: ConnectorRegistry
  audit: AuditLog
  redis: RedisClient
  keyPrefix: string
  cacheTtlMs: number
}

const enterprisesRoutes: FastifyPluginAsync<EnterpriseRouteDeps> = async (fastify, deps) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const key = (code: string) => `${deps.keyPrefix}enterprise:${code}`

  app.get('/v1/enterprises/:code', {
    config: { scope: 'enterprises:read' },
    schema: {
      tags: ['enterprises'],
      operationId: 'getEnterprise',
      summary: 'An enterprise from the national business registry',
      description: 'The code (10 digits, or NNNNNNNNNN-BBB for a branch) is checked, check digit included, before any upstream call. Every access is audited. A found record may come from a short cache (`source.cached`, default 10 min). Members and their capital (personal data) only with `?include=members`; the audit record says so (`getEnterprise+members`).',
      params: Type.Object({ code: Type.String({ maxLength: 20 }) }),
      querystring: Type.Object({ include: Type.Optional(Type.Literal('members', { description: 'Add the members and their capital' })) }, { additionalProperties: false }),
      headers: PersonalDataHeaders,
      response: {
        200: Type.Object({ enterprise: Enterprise, source: Type.Object({ cached: Type.Boolean(), ageSeconds: Type.Integer() }) }),
        404: { ...Type.Ref('Problem'), description: 'No such enterprise' },
        ...upstreamErrors,
      },
    },
  }, async function getEnterprise(request, reply) {
    const { code } = request.params
    const members = request.query.include === 'members'
    const shown = (e: EnterpriseT) => (members ? e : withoutMembers(e))
    const problems = checkEnterpriseCode(code)
    if (problems.length > 0) throw validationFailed(problems.map((message) => ({ path: '/params/code', message })))
    const headers = request.headers as Record<string, string>
    const call = {
      client: request.client!.name, officerId: headers['x-officer-id']!, purpose: headers['x-purpose']!, requestId: request.id,
      contract: EnterpriseGet, auditOperation: members ? 'getEnterprise+members' : 'getEnterprise', subject: code, input: { code },
      signal: clientGoneSignal(reply.raw), log: request.log as Logger,
    }
    const cached = deps.cacheTtlMs > 0 ? await deps.redis.get(key(code)).catch(() => null) : null
    if (cached !== null) {
      const entry = JSON.parse(cached) as { at: number; enterprise: EnterpriseT }
      // A cache hit is still an access to the enterprise's data: audited like a registry call.
      await recordAccess(deps.audit, {
        at: new Date(), requestId: call.requestId, client: call.client, officerId: call.officerId, purpose: call.purpose,
        connector: deps.registry.provider(EnterpriseGet) ?? EnterpriseGet.capability, operation: `${call.auditOperation}.cached`, subject: code, outcome: 'ok', latencyMs: 0,
      }, call.log)
      return { enterprise: shown(entry.enterprise), source: { cached: true, ageSeconds: Math.floor((Date.now() - entry.at) / 1000) } }
    }
    const enterprise = await auditedCall(deps, call)
    if (!enterprise) throw notFound('The business registry holds no enterprise with this code.')
    if (deps.cacheTtlMs > 0) await deps.redis.set(key(code), JSON.stringify({ at: Date.now(), enterprise }), 'PX', deps.cacheTtlMs).catch((err: unknown) => request.log.warn({ err }, 'enterprise cache write failed'))
    return { enterprise: shown(enterprise), source: { cached: false, ageSeconds: 0 } }
  })
}

export default enterprisesRoutes
