/**
 * Operator routes (scope `admin`): connector health, circuit state and redacted config; sync
 * queue counts; dead letters (list, replay one, replay a window); audit search. Searching the
 * audit log is itself a personal-data access when it names a person, so it is audited too.
 */
import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { HubConfig } from '../../schemas/config.js'
import { PersonalDataHeaders } from '../../schemas/api/common.js'
import { redactConfig } from '../config/redact.js'
import { notFound } from '../errors.js'
import { recordAccess } from '../audited-call.js'
import type { Logger } from 'pino'
import type { ConnectorRegistry } from '../upstream/registry.js'
import type { SyncService } from '../sync/index.js'
import type { Db } from '../db/types.js'
import type { AuditLog } from '../audit/types.js'
import { searchAudit, subjectHash } from '../audit/index.js'

export interface AdminRouteDeps {
  config: HubConfig
  registry: ConnectorRegistry
  sync: SyncService
  db: Db
  audit: AuditLog
}

const problem = (description: string) => ({ ...Type.Ref('Problem'), description })
const adminErrors = { 401: problem('No or unknown API key'), 403: problem('The client lacks the admin scope') }
const DateTime = Type.String({ format: 'date-time' })

const DeadLetter = Type.Object({
  id: Type.Integer(), target: Type.String(), dossierCode: Type.String(), kind: Type.Enum(['snapshot', 'progress', 'message']),
  version: Type.Union([Type.Integer(), Type.Null()]), stepId: Type.Union([Type.String(), Type.Null()]), attempts: Type.Integer(),
  lastError: Type.Union([Type.String(), Type.Null()], { description: 'Why it died: the upstream\'s reason, or the last failure after the attempts ran out' }),
  upstreamCode: Type.Union([Type.String(), Type.Null()]), acceptedAt: DateTime, deadAt: DateTime,
})

const adminRoutes: FastifyPluginAsync<AdminRouteDeps> = async (fastify, deps) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const config = { scope: 'admin' as const }

  app.get('/admin/connectors', {
    config,
    schema: {
      operationId: 'listConnectors',
      tags: ['admin'], summary: 'Connector health, circuit state and redacted config',
      response: { 200: Type.Object({ connectors: Type.Array(Type.Object({
        id: Type.String(), circuit: Type.Enum(['closed', 'open', 'half_open']),
        health: Type.Object({ ok: Type.Boolean(), latencyMs: Type.Number(), detail: Type.Optional(Type.String()) }),
        config: Type.Record(Type.String(), Type.Unknown()),
      })) }), ...adminErrors },
    },
  }, async function connectors() {
    const circuits = await deps.registry.circuitStates()
    const ids = deps.registry.ids()
    const health = await Promise.all(ids.map((id) => deps.registry.health(id, AbortSignal.timeout(10_000))))
    return { connectors: ids.map((id, i) => ({ id, circuit: circuits[id] ?? 'closed', health: health[i]!, config: redactConfig(deps.config.connectors[id] ?? {}) })) }
  })

  app.get('/admin/queues', {
    config,
    schema: {
      operationId: 'getQueueCounts',
      tags: ['admin'], summary: 'Sync queues: BullMQ job counts and ledger rows by state, per target',
      response: { 200: Type.Object({ targets: Type.Record(Type.String(), Type.Object({
        waiting: Type.Integer(), active: Type.Integer(), delayed: Type.Integer(), failed: Type.Integer(),
        pending: Type.Integer(), retrying: Type.Integer(), dead: Type.Integer(),
      }, { description: 'Queue counts are -1 when Redis does not answer' })) }), ...adminErrors },
    },
  }, async function queues() {
    return { targets: await deps.sync.queueCounts() }
  })

  app.get('/admin/dead-letters', {
    config,
    schema: {
      operationId: 'listDeadLetters',
      tags: ['admin'], summary: 'Changes refused upstream or out of attempts',
      querystring: Type.Object({
        target: Type.Optional(Type.String()), since: Type.Optional(DateTime),
        after: Type.Optional(Type.Integer({ minimum: 0, description: 'Cursor: `next` of the previous page' })),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
      }, { additionalProperties: false }),
      response: { 200: Type.Object({ items: Type.Array(DeadLetter), next: Type.Union([Type.Integer(), Type.Null()]) }), ...adminErrors },
    },
  }, async function deadLetters(request) {
    const q = request.query
    return deps.sync.deadLetters({
      limit: q.limit ?? 100,
      ...(q.target !== undefined && { target: q.target }),
      ...(q.since !== undefined && { since: new Date(q.since) }),
      ...(q.after !== undefined && { afterId: q.after }),
    })
  })

  app.post('/admin/dead-letters/:id/replay', {
    config,
    schema: {
      operationId: 'replayDeadLetter',
      tags: ['admin'], summary: 'Replay one dead letter (fresh attempt budget)',
      params: Type.Object({ id: Type.Integer({ minimum: 1 }) }),
      response: { 202: Type.Object({ replayed: Type.Integer() }), 404: problem('No dead letter with this id'), ...adminErrors },
    },
  }, async function replayOne(request, reply) {
    const replayed = await deps.sync.replay(request.params.id)
    if (replayed === 0) throw notFound(`No dead letter ${request.params.id} (it may have been replayed already).`)
    reply.code(202)
    return { replayed }
  })

  app.post('/admin/dead-letters/replay', {
    config,
    schema: {
      operationId: 'replayDeadLettersSince',
      tags: ['admin'], summary: 'Replay every dead letter of a target that died since a time',
      body: Type.Object({ target: Type.String(), since: DateTime }, { additionalProperties: false }),
      response: { 202: Type.Object({ replayed: Type.Integer() }), 404: problem('Unknown target'), ...adminErrors },
    },
  }, async function replayWindow(request, reply) {
    if (!deps.sync.targets().includes(request.body.target)) throw notFound(`No sync target ${request.body.target}; targets: ${deps.sync.targets().join(', ')}.`)
    reply.code(202)
    return { replayed: await deps.sync.replaySince(request.body.target, new Date(request.body.since)) }
  })

  app.post('/admin/audit/search', {
    config,
    schema: {
      operationId: 'searchAudit',
      tags: ['admin'], summary: 'Search the audit log',
      description: 'A personal ID is a body field, never a query parameter; it is matched through its keyed hash. A search naming a person is itself audited.',
      headers: PersonalDataHeaders,
      body: Type.Object({
        personalId: Type.Optional(Type.String({ pattern: '^[0-9]{9,13}(-[0-9]{3})?$', description: 'Personal ID or enterprise code' })),
        officerId: Type.Optional(Type.String()), client: Type.Optional(Type.String()),
        from: Type.Optional(DateTime), to: Type.Optional(DateTime),
        afterSeq: Type.Optional(Type.Integer({ minimum: 0 })), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
      }, { additionalProperties: false }),
      response: { 200: Type.Object({ records: Type.Array(Type.Record(Type.String(), Type.Unknown())), nextAfterSeq: Type.Union([Type.Integer(), Type.Null()]) }), ...adminErrors },
    },
  }, async function auditSearch(request) {
    const b = request.body
    const started = performance.now()
    const page = await searchAudit(deps.db, {
      limit: b.limit ?? 100,
      ...(b.personalId !== undefined && { subjectHash: subjectHash(deps.config.audit.hashKey!, b.personalId) }),
      ...(b.officerId !== undefined && { officerId: b.officerId }),
      ...(b.client !== undefined && { client: b.client }),
      ...(b.from !== undefined && { from: new Date(b.from) }),
      ...(b.to !== undefined && { to: new Date(b.to) }),
      ...(b.afterSeq !== undefined && { afterSeq: b.afterSeq }),
    })
    if (b.personalId !== undefined) {
      const headers = request.headers as Record<string, string>
      await recordAccess(deps.audit, {
        at: new Date(), requestId: request.id, client: request.client!.name, officerId: headers['x-officer-id']!, purpose: headers['x-purpose']!,
        connector: 'ledger', operation: 'audit.search', subject: b.personalId, outcome: 'ok', latencyMs: Math.round(performance.now() - started),
      }, request.log as Logger)
    }
    return { records: page.records.map((r) => ({ ...r, at: r.at.toISOString() })), nextAfterSeq: page.nextAfterSeq }
  })
}

export default adminRoutes
