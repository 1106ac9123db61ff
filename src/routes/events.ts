/**
 * The inbound event feed (`GET /v1/events`, for one-stop systems that pull instead of receiving
 * webhooks) and the admin views of subscribers, unrouted events and dead deliveries.
 */
import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { FastifyRequest } from 'fastify'
import type { Logger } from 'pino'
import { agencyLikePatterns } from '../agencies.js'
import { notFound } from '../errors.js'
import type { InboxService } from '../inbox/index.js'
import type { AuditLog } from '../audit/types.js'
import { recordAccess } from '../audited-call.js'
import { PersonalDataHeaders } from '../../schemas/api/common.js'

const problem = (description: string) => ({ ...Type.Ref('Problem'), description })
const FeedEvent = Type.Object({
  seq: Type.Integer({ description: 'Position in the feed; pass the last one as `after`' }),
  id: Type.String({ description: 'Stable event id (the webhook-id it arrived with; also sent on outgoing webhooks)' }),
  source: Type.String(), type: Type.String(),
  agencyCode: Type.Union([Type.String(), Type.Null()]), dossierCode: Type.Union([Type.String(), Type.Null()]),
  receivedAt: Type.String({ format: 'date-time' }),
  body: Type.Unknown({ description: 'The event as received: `{type, timestamp, data}`' }),
})
const errors = { 401: problem('No or unknown API key'), 403: problem('The client lacks the scope') }
const FeedPage = Type.Object({
  events: Type.Array(FeedEvent),
  next: Type.Integer({ description: 'Pass it as `after` for the next page' }),
  prunedThrough: Type.Integer({ description: 'Retention (`webhooks.keepDeliveredMs`) has deleted delivered events up to this seq (0 = none yet); events at or below it may be missing from the feed' }),
  gap: Type.Boolean({ description: 'true when `after` is below `prunedThrough`: events past your cursor may have been deleted before you read them. Resynchronize what you track (e.g. `GET /v1/dossiers/{code}`); `next` moves past the pruned range once the retained events before it are read' }),
})

/**
 * Events carry applicants' IDs, phones and addresses, so a page read is a personal-data access:
 * one audit record per applicant in the page, and one without a subject when some events name
 * none (unknown event types are kept as received). Committed before the page is answered.
 */
async function auditPage(audit: AuditLog, request: FastifyRequest, operation: string, events: Array<{ body: unknown }>, started: number): Promise<void> {
  if (events.length === 0) return
  const subjects = new Set<string | null>()
  for (const e of events) {
    const id = (e.body as { data?: { applicant?: { id?: unknown } } } | null)?.data?.applicant?.id
    subjects.add(typeof id === 'string' && id !== '' ? id : null)
  }
  const headers = request.headers as Record<string, string>
  const at = new Date()
  await Promise.all([...subjects].map((subject) => recordAccess(audit, {
    at, requestId: request.id, client: request.client!.name, officerId: headers['x-officer-id']!, purpose: headers['x-purpose']!,
    connector: 'inbox', operation, subject, outcome: 'ok', latencyMs: Math.round(performance.now() - started),
  }, request.log as Logger)))
}

const eventsRoutes: FastifyPluginAsync<{ inbox: InboxService; audit: AuditLog }> = async (fastify, { inbox, audit }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()

  app.get('/v1/events', {
    config: { scope: 'events:read' },
    schema: {
      tags: ['events'],
      operationId: 'listEvents',
      summary: 'Inbound events after a cursor, for systems that pull',
      description: 'Events in commit order, filtered to the caller\'s agencies. The cursor is gap-free: an event never appears behind a cursor already handed out. Start with `after=0`; pass `next` back. Delivered events are deleted some time after receipt (default 30 days); a cursor that fell behind that is answered with `gap: true`, never with a silent hole. Events carry applicants\' personal data, so a read needs `X-Officer-Id` and `X-Purpose` and is audited (one record per applicant in the page).',
      headers: PersonalDataHeaders,
      querystring: Type.Object({
        after: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
      }, { additionalProperties: false }),
      response: { 200: FeedPage, ...errors },
    },
  }, async function eventFeed(request) {
    const started = performance.now()
    const after = request.query.after ?? 0
    const limit = request.query.limit ?? 100
    const agencies = agencyLikePatterns(request.client)
    // Read before the page: every event at or below it committed earlier, so a short page read
    // afterwards holds every retained match up to it.
    const prunedThrough = await inbox.prunedThrough()
    const events = await inbox.feed({ after, limit, ...(agencies !== undefined && { agencies }) })
    const last = events.at(-1)?.seq ?? after
    // A short page holds every match left, so the cursor may skip the pruned range (new events
    // are numbered above it): a reader that fell behind is told of the gap once, not forever.
    const next = events.length < limit ? Math.max(last, prunedThrough) : last
    await auditPage(audit, request, 'events.read', events, started)
    return { events, next, prunedThrough, gap: after < prunedThrough }
  })

  const admin = { scope: 'admin' as const }
  app.get('/admin/subscribers', {
    config: admin,
    schema: {
      operationId: 'listSubscribers',
      tags: ['admin'], summary: 'Subscribing one-stop systems: state, open and dead deliveries',
      response: { 200: Type.Object({ subscribers: Type.Array(Type.Object({
        name: Type.String(), url: Type.String(), agencies: Type.Union([Type.Array(Type.String()), Type.Null()]),
        disabledAt: Type.Union([Type.String(), Type.Null()]), disabledReason: Type.Union([Type.String(), Type.Null()]),
        open: Type.Integer(), dead: Type.Integer(),
      })) }), ...errors },
    },
  }, async () => ({ subscribers: await inbox.subscribers() }))

  app.post('/admin/subscribers/:name/enable', {
    config: admin,
    schema: { tags: ['admin'], operationId: 'enableSubscriber', summary: 'Re-enable a subscriber disabled by a 410, and resume its deliveries', params: Type.Object({ name: Type.String() }), response: { 200: Type.Object({ enabled: Type.Boolean() }, { description: 'Enabled; its open deliveries resume' }), 404: problem('No such subscriber'), ...errors } },
  }, async (request) => {
    if (!(await inbox.enable(request.params.name))) throw notFound(`No subscriber ${request.params.name}.`)
    return { enabled: true }
  })

  app.get('/admin/events/unrouted', {
    config: admin,
    schema: {
      operationId: 'listUnroutedEvents',
      tags: ['admin'], summary: 'Events no subscriber serves (kept, never dropped)',
      description: 'They carry applicants\' personal data: needs `X-Officer-Id` and `X-Purpose`, audited like `GET /v1/events`.',
      headers: PersonalDataHeaders,
      querystring: Type.Object({ after: Type.Optional(Type.Integer({ minimum: 0 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })) }, { additionalProperties: false }),
      response: { 200: Type.Object({ events: Type.Array(FeedEvent), next: Type.Integer() }), ...errors },
    },
  }, async function unroutedEvents(request) {
    const started = performance.now()
    const after = request.query.after ?? 0
    const events = await inbox.feed({ after, limit: request.query.limit ?? 100, unroutedOnly: true })
    await auditPage(audit, request, 'events.unrouted.read', events, started)
    return { events, next: events.at(-1)?.seq ?? after }
  })

  app.get('/admin/deliveries/dead', {
    config: admin,
    schema: {
      operationId: 'listDeadDeliveries',
      tags: ['admin'], summary: 'Outgoing webhook deliveries that were refused or ran out of attempts',
      querystring: Type.Object({ subscriber: Type.Optional(Type.String()), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })) }, { additionalProperties: false }),
      response: { 200: Type.Object({ items: Type.Array(Type.Object({
        subscriber: Type.String(), seq: Type.Integer(), eventId: Type.String(), type: Type.String(), attempts: Type.Integer(),
        lastStatus: Type.Union([Type.Integer(), Type.Null()]), lastError: Type.Union([Type.String(), Type.Null()]), deadAt: Type.String(),
      })) }), ...errors },
    },
  }, async (request) => ({ items: await inbox.deadDeliveries({ limit: request.query.limit ?? 100, ...(request.query.subscriber !== undefined && { subscriber: request.query.subscriber }) }) }))

  app.post('/admin/deliveries/:subscriber/:seq/replay', {
    config: admin,
    schema: { tags: ['admin'], operationId: 'replayDeadDelivery', summary: 'Replay one dead delivery', params: Type.Object({ subscriber: Type.String(), seq: Type.Integer({ minimum: 1 }) }), response: { 202: Type.Object({ replayed: Type.Boolean() }, { description: 'Queued for delivery again' }), 404: problem('No such dead delivery'), ...errors } },
  }, async (request, reply) => {
    if (!(await inbox.replay(request.params.subscriber, request.params.seq))) throw notFound('No such dead delivery (it may have been replayed already).')
    reply.code(202)
    return { replayed: true }
  })
}

export default eventsRoutes
