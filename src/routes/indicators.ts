/**
 * Live service indicators (docs/indicators.md): `GET /v1/indicators` (JSON or CSV, grouped by
 * agency, procedure, channel or day) and `GET /v1/indicators/summary` (the Decision 766 groups
 * per agency). Scope `indicators:read`; a client restricted to some agencies sees only those.
 * The figures are counts and shares, no personal data: no officer or purpose headers.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { IndicatorQuery, IndicatorsPage, IndicatorSummary, SummaryQuery } from '../../schemas/api/indicators.js'
import { agencyLikePatterns } from '../agencies.js'
import { validationFailed } from '../errors.js'
import { likePattern, type IndicatorRow, type IndicatorService } from '../indicators/index.js'
import { toCsv } from '../indicators/csv.js'

const problem = (description: string) => ({ ...Type.Ref('Problem'), description })
const errors = {
  400: problem('Invalid period or filter (field errors in `errors[]`)'),
  401: problem('No or unknown API key'),
  403: problem('The client lacks indicators:read'),
  429: problem('Rate limit reached'),
}
/** Longest period one call may sum (a little over three years: a plan period and its base year). */
const MAX_DAYS = 1200

function period(from: string, to: string): void {
  const day = (s: string) => {
    const t = Date.parse(`${s}T00:00:00Z`)
    return Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== s ? undefined : t
  }
  const f = day(from)
  const t = day(to)
  const problems = [
    ...(f === undefined ? [{ path: '/from', message: 'is not a calendar day' }] : []),
    ...(t === undefined ? [{ path: '/to', message: 'is not a calendar day' }] : []),
  ]
  if (f !== undefined && t !== undefined && t < f) problems.push({ path: '/to', message: 'is before from' })
  if (f !== undefined && t !== undefined && (t - f) / 86_400_000 >= MAX_DAYS) problems.push({ path: '/to', message: `the period is longer than ${MAX_DAYS} days; ask for it in parts` })
  if (problems.length > 0) throw validationFailed(problems)
}

const scopeOf = (request: FastifyRequest, agency: string | undefined) => {
  const allowed = agencyLikePatterns(request.client)
  return { ...(allowed && { allowed }), ...(agency !== undefined && { agency: likePattern(agency) }) }
}

/** The q an Accept header gives a media type: that of the most specific range matching it (RFC 9110 §12.5.1), 0 if none. */
export function acceptQuality(accept: string, type: string): number {
  let best = -1
  let quality = 0
  for (const part of accept.toLowerCase().split(',')) {
    const [range = '', ...params] = part.split(';').map((p) => p.trim())
    const specificity = range === type ? 2 : range === `${type.split('/')[0]}/*` ? 1 : range === '*/*' ? 0 : -1
    if (specificity < best || specificity < 0) continue
    const q = Number(params.find((p) => p.startsWith('q='))?.slice(2) ?? 1)
    best = specificity
    quality = Number.isFinite(q) ? q : 0
  }
  return quality
}

/** CSV on `format=csv`, or when the Accept header prefers text/csv to JSON (a tie, or `*\/*`, is JSON). */
const wantsCsv = (request: FastifyRequest, format: string | undefined) => {
  if (format !== undefined) return format === 'csv'
  const accept = request.headers.accept ?? ''
  return acceptQuality(accept, 'text/csv') > acceptQuality(accept, 'application/json')
}

const indicatorsRoutes: FastifyPluginAsync<{ indicators: IndicatorService; targets: readonly string[] }> = async (fastify, { indicators, targets }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()

  app.get('/v1/indicators', {
    config: { scope: 'indicators:read' },
    schema: {
      operationId: 'getIndicators',
      tags: ['indicators'],
      summary: 'Service indicators over a period, summed per agency, procedure, channel or day',
      description: 'Every indicator of docs/indicators.md for the dossiers received in the period (Vietnam days, both ends included), the axis documents sent and the feedback submitted in it. `{"available": false, "needs": …}` where the hub lacks the data. `format=csv` or `Accept: text/csv`: the same as CSV, one line per row and indicator.',
      querystring: IndicatorQuery,
      response: {
        200: {
          description: 'The indicators, or the same as CSV',
          content: { 'application/json': { schema: IndicatorsPage }, 'text/csv': { schema: Type.String() } },
        },
        ...errors,
      },
    },
  }, async function getIndicators(request, reply) {
    const { from, to, agency, procedure, format } = request.query
    const groupBy = request.query.groupBy ?? 'none'
    period(from, to)
    const rows: IndicatorRow[] = await indicators.query({ from, to, groupBy, ...(procedure !== undefined && { procedure }), ...scopeOf(request, agency), targets })
    if (wantsCsv(request, format)) {
      reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="indicators-${from}-${to}-${groupBy}.csv"`)
      return reply.send(toCsv(from, to, groupBy, rows))
    }
    return reply.type('application/json; charset=utf-8').send({ from, to, groupBy, rows })
  })

  app.get('/v1/indicators/summary', {
    config: { scope: 'indicators:read' },
    schema: {
      operationId: 'getIndicatorSummary',
      tags: ['indicators'],
      summary: 'Decision 766 groups per agency: the rates behind each and points from the configured weights',
      description: 'One entry per current agency code with dossiers, documents or feedback in the period. A group\'s `points` are null when a rate it scores needs data the hub does not receive.',
      querystring: SummaryQuery,
      response: { 200: IndicatorSummary, ...errors },
    },
  }, async function getIndicatorSummary(request) {
    const { from, to, agency } = request.query
    period(from, to)
    return { from, to, agencies: await indicators.summary({ from, to, ...scopeOf(request, agency), targets }) }
  })
}

export default indicatorsRoutes
