/**
 * Live service indicators (issue 14, docs/indicators.md), wired together: the hooks the accept,
 * inbox and axis paths call inside their transactions, the queries the API reads, and the
 * Prometheus gauges of the live figures.
 */
import { Gauge, type Registry } from 'prom-client'
import type { Db, Queryable } from '../db/types.js'
import type { HubConfig } from '../../schemas/config.js'
import type { AgencyMapping } from '../agency-mapping.js'
import type { AcceptIndicators } from '../sync/accept-batch.js'
import type { IncomingEvent } from '../inbox/store.js'
import type { EdocIndicatorHooks } from '../edocs/store.js'
import { dossierContribution, vnDay } from './contribution.js'
import { dossierCtes, dossierParam, recordEdocSent, recordEdocStatus, recordFeedback } from './record.js'
import { queryIndicators, type IndicatorQuery, type IndicatorRow } from './query.js'
import { summarize, type SummaryGroup } from './summary.js'

export interface IndicatorService {
  /** For the accept batch (src/sync/accept-batch.ts): CTEs in front of its write statement. */
  recordAccepted: AcceptIndicators
  /** For the inbox batch: counts the new `feedback.submitted` events. */
  recordInbox(tx: Queryable, events: IncomingEvent[]): Promise<void>
  /** For the axis store: documents sent and their first "received" status. */
  edocHooks: EdocIndicatorHooks
  query(q: IndicatorQuery): Promise<IndicatorRow[]>
  summary(q: Omit<IndicatorQuery, 'groupBy' | 'procedure'>): Promise<Array<{ agency: string; groups: SummaryGroup[] }>>
  /** Refreshes the gauges (before a scrape). */
  refreshGauges(): Promise<void>
}

/** The feedback fields the model reads from an inbox event's body (the webhook envelope's `data`). */
function feedbackOf(e: IncomingEvent): { rating: number; day: string } | undefined {
  if (e.type !== 'feedback.submitted' || e.agencyCode === null) return undefined
  const data = (e.body as { data?: { rating?: unknown; submittedAt?: unknown } } | null)?.data
  const rating = data?.rating
  if (typeof rating !== 'number' || !Number.isInteger(rating) || rating < 1 || rating > 5) return undefined
  const at = typeof data?.submittedAt === 'string' && !Number.isNaN(Date.parse(data.submittedAt)) ? data.submittedAt : new Date()
  return { rating, day: vnDay(at) }
}

export function createIndicatorService(deps: { db: Db; config: HubConfig; agencies: AgencyMapping; targets: readonly string[]; registry?: Registry }): IndicatorService {
  const { db } = deps
  const gauges = deps.registry && {
    overdue: new Gauge({ name: 'lgsp_indicator_overdue_dossiers', help: 'Open dossiers past their due time, per current agency code', labelNames: ['agency'], registers: [deps.registry] }),
    today: new Gauge({ name: 'lgsp_indicator_today', help: 'Province-wide indicators of dossiers received today (Vietnam time): on-time rate, online share, in-sync share (0–1)', labelNames: ['indicator'], registers: [deps.registry] }),
    dead: new Gauge({ name: 'lgsp_indicator_dead_letters', help: 'Dead outbox rows of dossier targets (dossiers received in the last 365 days)', registers: [deps.registry] }),
  }

  const service: IndicatorService = {
    recordAccepted: {
      ctes: dossierCtes,
      param: (dossiers) => dossierParam(dossiers.map((d) => dossierContribution(d.code, d.agency, d.snapshot, d.facts))),
    },
    async recordInbox(tx, events) {
      const feedback = events.flatMap((e) => {
        const f = feedbackOf(e)
        return f ? [{ agency: e.agencyCode!, dossierCode: e.dossierCode, ...f }] : []
      })
      await recordFeedback(tx, feedback)
    },
    edocHooks: {
      sent: (tx, edocId, from) => recordEdocSent(tx, edocId, deps.agencies.current(from), vnDay(new Date())),
      status: (tx, edocId, statusCode) => recordEdocStatus(tx, edocId, statusCode),
    },
    query: (q) => queryIndicators(db, q),
    async summary(q) {
      const rows = await queryIndicators(db, { ...q, groupBy: 'agency' })
      return rows.map((row) => ({ agency: row.key, groups: summarize(row, deps.config.indicators.summary) }))
    },
    async refreshGauges() {
      if (!gauges) return
      const today = vnDay(new Date())
      const yearAgo = vnDay(new Date(Date.now() - 365 * 86_400_000))
      const [byAgency, todays] = await Promise.all([
        queryIndicators(db, { from: yearAgo, to: today, groupBy: 'agency', targets: deps.targets }),
        queryIndicators(db, { from: today, to: today, groupBy: 'none', targets: deps.targets }),
      ])
      gauges.overdue.reset()
      let dead = 0
      for (const r of byAgency) {
        const o = r.indicators.overdueNow
        if (o.available) gauges.overdue.set({ agency: r.key }, o.value)
        const d = r.indicators.deadLetters
        if (d.available) dead += d.value
      }
      gauges.dead.set(dead)
      const t = todays[0]!.indicators
      for (const id of ['onTimeRate', 'onlineShare', 'inSyncShare'] as const) {
        const v = t[id]
        if (v.available) gauges.today.set({ indicator: id }, v.value)
        else gauges.today.remove({ indicator: id })
      }
    },
  }
  return service
}

export type { IndicatorQuery, IndicatorRow } from './query.js'
export { GROUP_BY, likePattern } from './query.js'
export { INDICATOR_IDS } from './definitions.js'
