/**
 * Dossier sync API (DESIGN §2–3): PUT a snapshot, POST a processing step — each answered 202 only
 * once the change and its outbox rows are committed — and read back a dossier with its sync
 * state per target, or list dossiers by sync state for operators.
 */
import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { Logger } from 'pino'
import { DossierSnapshot, ProgressStep } from '../../schemas/dossier.js'
import { PersonalDataHeaders } from '../../schemas/api/common.js'
import { Accepted, DossierListQuery, DossierParams, DossierSummary, DossierView } from '../../schemas/api/dossiers.js'
import { GatewayError, notFound } from '../errors.js'
import { recordAccess } from '../audited-call.js'
import { agencyLikePatterns, agencyMatcher, writeAgencyMatcher } from '../agencies.js'
import type { SyncService } from '../sync/index.js'
import type { AuditLog } from '../audit/types.js'

export interface DossierRouteDeps {
  sync: SyncService
  audit: AuditLog
}

const problem = (description: string) => ({ ...Type.Ref('Problem'), description })
const writeErrors = {
  400: problem('Invalid snapshot (field errors in `errors[]`)'),
  401: problem('No or unknown API key'),
  403: problem('The client lacks dossiers:write or may not act for the agency'),
  409: problem('STALE_VERSION: older than the stored version; IDEMPOTENCY_CONFLICT: same version or step id, different body'),
  429: problem('Rate limit reached'),
  503: problem('The ledger cannot be written; nothing was accepted'),
}

const dossiersRoutes: FastifyPluginAsync<DossierRouteDeps> = async (fastify, deps) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const { sync } = deps

  app.put('/v1/dossiers/:code', {
    config: { scope: 'dossiers:write' },
    schema: {
      tags: ['dossiers'],
      operationId: 'upsertDossier',
      summary: 'Upsert a dossier snapshot for sync to the national portal',
      description: 'Answers 202 once the snapshot and its outbox entries are committed; delivery follows through the retry queues (latest version wins). The same version with the same body answers 200 `unchanged`; an older version 409 `STALE_VERSION`; the same version with a different body 409 `IDEMPOTENCY_CONFLICT`.',
      params: DossierParams,
      body: DossierSnapshot,
      response: { 200: Accepted, 202: Accepted, ...writeErrors },
    },
  }, async function putDossier(request, reply) {
    const { code } = request.params
    const result = await sync.acceptSnapshot(code, request.body, { client: request.client!.name, mayActFor: writeAgencyMatcher(request.client) })
    reply.header('location', `/v1/dossiers/${encodeURIComponent(code)}`)
    reply.code(result.outcome === 'accepted' ? 202 : 200)
    return { code, version: result.version, outcome: result.outcome, targets: sync.targets() }
  })

  app.post('/v1/dossiers/:code/progress', {
    config: { scope: 'dossiers:write' },
    schema: {
      tags: ['dossiers'],
      operationId: 'addDossierProgress',
      summary: 'Record a processing step of a dossier for sync to the national portal',
      description: 'Each step is delivered once per `id`, after the dossier snapshot. Answers 202 once committed; a repeat of the same step answers 200 `unchanged`; the same id with a different body 409. 404 when the dossier was never PUT.',
      params: DossierParams,
      body: ProgressStep,
      response: { 200: Accepted, 202: Accepted, 404: problem('No such dossier'), ...writeErrors },
    },
  }, async function postProgress(request, reply) {
    const { code } = request.params
    // Another agency's dossier answers as a missing one: a 403 would tell that it exists.
    const result = await sync.acceptProgress(code, request.body, { client: request.client!.name, mayActFor: writeAgencyMatcher(request.client) })
      .catch((err: unknown) => { throw err instanceof GatewayError && err.code === 'FORBIDDEN' ? notFound(`No dossier ${code} has been accepted; PUT /v1/dossiers/${code} first.`) : err })
    reply.code(result.outcome === 'accepted' ? 202 : 200)
    return { code, stepId: request.body.id, outcome: result.outcome, targets: sync.targets() }
  })

  app.get('/v1/dossiers/:code', {
    config: { scope: 'dossiers:read' },
    schema: {
      tags: ['dossiers'],
      operationId: 'getDossier',
      summary: 'A dossier snapshot with its sync state per target',
      description: 'The snapshot holds the applicant\'s personal data, so the read is audited and needs `X-Officer-Id` and `X-Purpose`.',
      params: DossierParams,
      headers: PersonalDataHeaders,
      response: { 200: DossierView, 404: problem('No such dossier'), 401: problem('No or unknown API key'), 403: problem('Missing scope or agency'), 503: problem('The audit log cannot be written') },
    },
  }, async function getDossier(request) {
    const started = performance.now()
    const view = await sync.getDossier(request.params.code)
    // Another agency's dossier answers exactly as a missing one (no existence oracle); the
    // refused read is audited as such.
    const refused = view !== null && view !== undefined && !agencyMatcher(request.client)(view.agencyCode)
    const headers = request.headers as Record<string, string>
    const applicant = (view?.snapshot as { applicant?: { id?: string } } | undefined)?.applicant
    await recordAccess(deps.audit, {
      at: new Date(), requestId: request.id, client: request.client!.name, officerId: headers['x-officer-id']!, purpose: headers['x-purpose']!,
      connector: 'ledger', operation: 'dossier.read', subject: applicant?.id ?? null, outcome: refused ? 'refused_agency' : view ? 'ok' : 'not_found',
      latencyMs: Math.round(performance.now() - started),
    }, request.log as Logger)
    if (!view || refused) throw notFound(`No dossier ${request.params.code} has been accepted.`)
    return view
  })

  app.get('/v1/dossiers', {
    config: { scope: 'dossiers:read' },
    schema: {
      tags: ['dossiers'],
      operationId: 'listDossiers',
      summary: 'List dossiers, optionally by sync state, for operators',
      description: 'Ordered by code; page with `after` = the previous page\'s `next`. Only dossiers of the caller\'s agencies. No personal data in the listing.',
      querystring: DossierListQuery,
      response: { 200: Type.Object({ items: Type.Array(DossierSummary), next: Type.Union([Type.String(), Type.Null()]) }), 401: problem('No or unknown API key'), 403: problem('Missing scope') },
    },
  }, async function listDossiers(request) {
    const q = request.query
    const agencies = agencyLikePatterns(request.client)
    return sync.listDossiers({
      limit: q.limit ?? 50,
      ...(q.syncState !== undefined && { syncState: q.syncState }),
      ...(q.target !== undefined && { target: q.target }),
      ...(q.after !== undefined && { after: q.after }),
      ...(agencies !== undefined && { agencies }),
    })
  })
}

export default dossiersRoutes
