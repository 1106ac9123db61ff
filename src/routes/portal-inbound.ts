/**
 * Pushes the national portal forwards through the data-exchange adapter
 * (`…/RestService/forward/<name>`, the portal's own JSON): mapped by the connector, committed as
 * routed events, the raw body kept (src/portal-inbound). Answers in the portal's reply shape
 * `{error_code: 0 ok | 1 duplicate, message}`; a record that cannot be read is a 400
 * problem+json (the portal's `-1`), and stays quarantined for operators.
 */
import { createHash } from 'node:crypto'
import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { Logger } from 'pino'
import { GatewayError } from '../errors.js'
import type { ConnectorRegistry } from '../upstream/registry.js'
import type { PortalInbound } from '../portal-inbound/index.js'
import type { PortalFiles } from '../portal-inbound/files.js'
import type { AuditLog } from '../audit/types.js'
import { recordAccess } from '../audited-call.js'
import { agencyMatcher } from '../agencies.js'
import { notFound } from '../errors.js'
import { untrustedFileHeaders } from '../edocs/file-headers.js'
import { PersonalDataHeaders } from '../../schemas/api/common.js'
import { ForwardedPushRead } from '../contracts/portal.js'

const problem = (description: string) => ({ ...Type.Ref('Problem'), description })
const PortalReply = Type.Object({
  error_code: Type.Integer({ description: '0 taken, 1 already taken (a resend)' }),
  message: Type.String(),
  eventId: Type.String(),
  seq: Type.Union([Type.Integer(), Type.Null()], { description: 'Inbox sequence number; null for a resend' }),
})

const portalInboundRoutes: FastifyPluginAsync<{ inbound: PortalInbound; registry: ConnectorRegistry; audit: AuditLog; connector: string; files?: PortalFiles; pollNow?: () => Promise<number> }> = async (fastify, deps) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()

  const files = deps.files
  if (files) {
    app.get('/v1/portal/files/:sha256', {
      config: { scope: 'dossiers:read' },
      schema: {
        tags: ['inbound'],
        operationId: 'getPortalFile',
        summary: 'A file the national portal handed over with a dossier (an interlinked item\'s attachment), by its SHA-256',
        description: 'The `sha256` of a paper in a `dossier.submitted` event whose `url` is `urn:lgsp-hub:portal-file:<sha256>`. Served with the type the bytes show (`application/octet-stream` when they match no common one) and the sender\'s file name; only to a client acting for the agency of a dossier that holds it. The files are applicants\' papers: needs `X-Officer-Id` and `X-Purpose`, and every download is audited.',
        headers: PersonalDataHeaders,
        params: Type.Object({ sha256: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'Lower-case hex SHA-256 of the file' }) }),
        response: { 200: Type.Unsafe({ description: 'The file' }), 400: problem('Bad digest or missing officer headers'), 401: problem('No or unknown API key'), 403: problem('The client lacks dossiers:read'), 404: problem('No such file for this client') },
      },
    }, async function getPortalFile(request, reply) {
      const started = performance.now()
      const file = await files.get(request.params.sha256, agencyMatcher(request.client))
      if (!file) throw notFound(`No file ${request.params.sha256} for this client.`)
      const headers = request.headers as Record<string, string>
      await recordAccess(deps.audit, {
        at: new Date(), requestId: request.id, client: request.client!.name, officerId: headers['x-officer-id']!, purpose: headers['x-purpose']!,
        connector: 'portal-inbound', operation: 'files.read', subject: null, outcome: 'ok', latencyMs: Math.round(performance.now() - started),
      }, request.log as Logger)
      reply.type(file.detectedType ?? 'application/octet-stream')
      reply.headers(untrustedFileHeaders(file.name))
      return reply.send(file.data)
    })
  }

  app.post('/v1/portal/forward/:name', {
    config: { scope: 'portal:forward' },
    schema: {
      tags: ['inbound'],
      operationId: 'receivePortalForward',
      summary: 'A push the national portal forwarded through the data-exchange adapter, in its own field names',
      description: 'Names: `addtthcKhuyenMai` (the record), `nhanhsdvcqg` and `nhantbthuedvcqg` (`{service, isUpdating, data}`). A dossier becomes `dossier.submitted`, a land-tax payment voucher (`NhanChungTuThueDat`) `dossier.payment_updated`, both routed by agency like webhook events. The raw body is kept. 202 = the event is committed.',
      params: Type.Object({ name: Type.String({ maxLength: 100 }) }),
      body: Type.Unknown(),
      response: { 200: PortalReply, 202: PortalReply, 400: problem('The record cannot be read (kept, quarantined)'), 401: problem('No or unknown API key'), 403: problem('The client lacks portal:forward') },
    },
  }, async function forward(request, reply) {
    const { name } = request.params
    const receivedAt = new Date().toISOString()
    const key = `forward:${name}:${createHash('sha256').update(JSON.stringify(request.body ?? null)).digest('hex')}`
    const result = await deps.inbound.take({ channel: 'forward', name, key, raw: request.body }, () =>
      deps.registry.call(ForwardedPushRead, { name, body: request.body, receivedAt }, { connector: deps.connector, signal: AbortSignal.timeout(5000), requestId: request.id, log: request.log as Logger }))
    if (result.outcome === 'quarantined') throw new GatewayError('VALIDATION_FAILED', `${result.reason} The push was kept and quarantined (GET /admin/portal-inbound/quarantined).`)
    reply.code(result.outcome === 'accepted' ? 202 : 200)
    return result.outcome === 'accepted'
      ? { error_code: 0, message: 'Tiếp nhận thành công', eventId: result.eventId, seq: result.seq }
      : { error_code: 1, message: 'Dữ liệu đã tồn tại', eventId: result.eventId, seq: null }
  })

  app.post('/admin/portal-inbound/poll', {
    config: { scope: 'admin' },
    schema: {
      tags: ['admin'],
      operationId: 'pollPortalNow',
      summary: 'Polls the national portal\'s pulled flows now (otherwise every portalInbound.pollEveryMs)',
      response: { 200: Type.Object({ taken: Type.Integer() }), 401: problem('No or unknown API key'), 403: problem('Missing admin scope'), 404: problem('No pulled flow is configured') },
    },
  }, async () => {
    if (!deps.pollNow) throw new GatewayError('NOT_FOUND', 'No pulled flow is configured (connectors.national-portal.interlinked).')
    return { taken: await deps.pollNow() }
  })

  app.get('/admin/portal-inbound/quarantined', {
    config: { scope: 'admin' },
    schema: {
      tags: ['admin'],
      operationId: 'listPortalQuarantine',
      summary: 'Pushes and pulled items from the national portal that could not be read, with the reason (raw bodies stay in the ledger)',
      querystring: Type.Object({ after: Type.Optional(Type.Integer({ minimum: 0 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })) }, { additionalProperties: false }),
      response: {
        200: Type.Object({ items: Type.Array(Type.Object({ id: Type.Integer(), channel: Type.String(), name: Type.String(), key: Type.String(), reason: Type.String(), dossierCode: Type.Union([Type.String(), Type.Null()]), receivedAt: Type.String() })) }),
        401: problem('No or unknown API key'), 403: problem('Missing admin scope'),
      },
    },
  }, async (request) => ({ items: await deps.inbound.quarantined({ limit: request.query.limit ?? 100, ...(request.query.after !== undefined && { afterId: request.query.after }) }) }))
}

export default portalInboundRoutes
