/**
 * Routes the enabled connectors declare (`routes` in their module, see DeclaredRoute in
 * src/upstream/types.ts), mounted the same way for each: the declared scope, the contract's input
 * as the body schema (unknown properties refused), X-Officer-Id and X-Purpose required, the call
 * made through the registry and audited before the answer leaves (fail closed), a null answer a
 * 404. A connector adds an API this way without a file in the gateway; it never sees Fastify.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { Logger } from 'pino'
import { Type } from 'typebox'
import { PersonalDataHeaders, upstreamErrors } from '../../schemas/api/common.js'
import { auditedCall, clientGoneSignal } from '../audited-call.js'
import { notFound } from '../errors.js'
import type { ConnectorRegistry } from '../upstream/registry.js'
import type { DeclaredRoute } from '../upstream/types.js'
import type { AuditLog } from '../audit/types.js'

export interface DeclaredRouteDeps {
  registry: ConnectorRegistry
  audit: AuditLog
}

const declaredRoutes: FastifyPluginAsync<DeclaredRouteDeps> = async (app, deps) => {
  for (const { connector, route } of deps.registry.routes()) mount(connector, route)

  function mount(connector: string, route: DeclaredRoute) {
    app.route({
      method: route.method,
      url: route.url,
      config: { scope: route.scope },
      schema: {
        tags: [route.tag], operationId: route.operationId, summary: route.summary, description: route.description,
        headers: PersonalDataHeaders, body: route.contract.input,
        response: { 200: route.response, ...(route.notFound !== undefined && { 404: { ...Type.Ref('Problem'), description: route.notFound } }), ...upstreamErrors },
      },
      async handler(request: FastifyRequest, reply: FastifyReply) {
        const headers = request.headers as Record<string, string>
        const input = request.body
        const output = await auditedCall(deps, {
          client: request.client!.name, officerId: headers['x-officer-id']!, purpose: headers['x-purpose']!, requestId: request.id,
          contract: route.contract, connector, subject: route.audit.subject(input), input, signal: clientGoneSignal(reply.raw), log: request.log as Logger,
        }, (out) => route.audit.outcome?.(out) ?? (out === null ? 'not_found' : 'ok'))
        const body = route.reply(output)
        if (body === null) throw notFound(route.notFound ?? 'Not found.')
        return body
      },
    })
  }
}

export default declaredRoutes
