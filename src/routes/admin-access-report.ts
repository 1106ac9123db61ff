/**
 * `POST /admin/audit/access-report`: the report a citizen or an inspector asks for under Decree
 * 13/2023 — every recorded access to one personal ID (or enterprise code): when, by which client
 * and officer, why (the purpose given), through which connector and operation, with what outcome.
 * The ID travels in the body, never in a URL; it is matched through its keyed hash and shown
 * only masked. Running the report is itself an access to that person's data, so it is audited
 * first (fail closed) and appears in its own report. JSON, or CSV for export.
 */
import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type, type Static } from 'typebox'
import type { Logger } from 'pino'
import { PersonalDataHeaders } from '../../schemas/api/common.js'
import type { Db } from '../db/types.js'
import type { AuditLog } from '../audit/types.js'
import { maskId, searchAudit, subjectHash } from '../audit/index.js'
import { recordAccess } from '../audited-call.js'
import { toCsv } from '../csv.js'

/** Most records one report holds; `truncated` says when there were more (narrow the period). */
export const REPORT_MAX = 10_000

const problem = (description: string) => ({ ...Type.Ref('Problem'), description })
const DateTime = Type.String({ format: 'date-time' })

const Access = Type.Object({
  seq: Type.Integer({ description: 'The audit record' }), at: DateTime,
  client: Type.String({ description: 'The API client (system) that made the call' }),
  officerId: Type.String({ description: 'The accountable officer' }), purpose: Type.String({ description: 'Why, as the caller stated it' }),
  connector: Type.String(), operation: Type.String(), outcome: Type.String(), requestId: Type.String(),
})
const Report = Type.Object({
  subject: Type.String({ description: 'The ID, masked' }),
  from: Type.Union([DateTime, Type.Null()]), to: Type.Union([DateTime, Type.Null()]),
  generatedAt: DateTime,
  accesses: Type.Array(Access, { description: 'Oldest first' }),
  truncated: Type.Boolean({ description: `true when more than ${REPORT_MAX} accesses matched: narrow the period` }),
})
type Access = Static<typeof Access>

const CSV_COLUMNS: Array<[string, keyof Access]> = [
  ['seq', 'seq'], ['at', 'at'], ['client', 'client'], ['officer_id', 'officerId'], ['purpose', 'purpose'],
  ['connector', 'connector'], ['operation', 'operation'], ['outcome', 'outcome'], ['request_id', 'requestId'],
]

const accessReportRoutes: FastifyPluginAsync<{ db: Db; audit: AuditLog; hashKey: string }> = async (fastify, deps) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()

  app.post('/admin/audit/access-report', {
    config: { scope: 'admin' },
    schema: {
      tags: ['admin'], operationId: 'auditAccessReport',
      summary: 'Every access to one personal ID: by whom, when, why (Decree 13/2023), as JSON or CSV',
      description: 'The personal ID is a body field, never in a URL. `X-Purpose` says why the report is run (e.g. the citizen\'s request number). The report is itself audited, before it is read, so it lists itself.',
      headers: PersonalDataHeaders,
      body: Type.Object({
        personalId: Type.String({ pattern: '^[0-9]{9,13}(-[0-9]{3})?$', description: 'Personal ID, old ID card number or enterprise code', examples: ['062090001234'] }),
        from: Type.Optional(DateTime), to: Type.Optional(DateTime),
        format: Type.Optional(Type.Enum(['json', 'csv'], { default: 'json', description: '`csv`: a UTF-8 CSV file (with BOM, for spreadsheets) to hand over' })),
      }, { additionalProperties: false }),
      response: {
        200: { description: 'The report', content: { 'application/json': { schema: Report }, 'text/csv': { schema: Type.String() } } },
        400: problem('Invalid request, or missing officer/purpose headers'), 401: problem('No or unknown API key'), 403: problem('The client lacks the admin scope'),
        503: problem('The audit log cannot be written, so the report is not produced'),
      },
    },
  }, async function accessReport(request, reply) {
    const b = request.body
    const headers = request.headers as Record<string, string>
    await recordAccess(deps.audit, {
      at: new Date(), requestId: request.id, client: request.client!.name, officerId: headers['x-officer-id']!, purpose: headers['x-purpose']!,
      connector: 'ledger', operation: 'audit.access-report', subject: b.personalId, outcome: 'ok', latencyMs: 0,
    }, request.log as Logger)
    const hash = subjectHash(deps.hashKey, b.personalId)
    const accesses: Access[] = []
    let afterSeq: number | undefined
    let truncated = false
    for (;;) {
      const page = await searchAudit(deps.db, {
        subjectHash: hash, limit: 1000,
        ...(b.from !== undefined && { from: new Date(b.from) }), ...(b.to !== undefined && { to: new Date(b.to) }),
        ...(afterSeq !== undefined && { afterSeq }),
      })
      for (const r of page.records) {
        accesses.push({ seq: r.seq, at: r.at.toISOString(), client: r.client, officerId: r.officerId, purpose: r.purpose, connector: r.connector, operation: r.operation, outcome: r.outcome, requestId: r.requestId })
      }
      if (accesses.length > REPORT_MAX) {
        accesses.length = REPORT_MAX
        truncated = true
        break
      }
      if (page.nextAfterSeq === null) break
      afterSeq = page.nextAfterSeq
    }
    const subject = maskId(b.personalId)
    if (b.format === 'csv') {
      const day = new Date().toISOString().slice(0, 10)
      reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="access-report-${day}.csv"`)
      return toCsv(CSV_COLUMNS.map(([name]) => name), accesses.map((a) => CSV_COLUMNS.map(([, field]) => a[field])))
    }
    return { subject, from: b.from ?? null, to: b.to ?? null, generatedAt: new Date().toISOString(), accesses, truncated }
  })
}

export default accessReportRoutes
