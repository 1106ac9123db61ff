/**
 * Every indicator's formula over the summed counters (docs/indicators.md holds the same table
 * with the Decision 766 items each follows). A ratio whose denominator is 0, or a figure the hub
 * has no data for, is `{available: false, needs}` — never a made-up zero.
 */
import type { Counter } from './contribution.js'

export type IndicatorValue =
  | { available: true; value: number; numerator: number; denominator: number }
  | { available: false; needs: string }

/** The sums of one row (one key), plus the online dossiers (a channel's share). */
export type Sums = Record<Counter | 'online', number>

/** Live figures read from the ledger for one row (open dossiers, sync state). */
export interface LiveFigures {
  open: number
  overdue: number
  /** Snapshot deliveries finished (portal target) of the row's dossiers, and their lag percentiles in seconds. */
  deliveries: number
  lagP50: number | null
  lagP95: number | null
  deadLetters: number
  /** Dossiers with a change not yet delivered (pending, retrying or dead) to a dossier target. */
  behind: number
}

export const INDICATOR_IDS = [
  'onTimeRate', 'overdueNow', 'avgHandlingHours', 'onlineShare', 'onlinePaymentShare', 'digitizedIntakeShare', 'resultsDigitizedShare',
  'reuseDossierShare', 'reusePaperShare', 'nationalDbPerDossier', 'populationDbShare', 'edocElectronicShare', 'edocReceivedShare',
  'satisfactionRate', 'syncLagP50Seconds', 'syncLagP95Seconds', 'deadLetters', 'inSyncShare',
] as const
export type IndicatorId = (typeof INDICATOR_IDS)[number]

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits

function ratio(numerator: number, denominator: number, none: string): IndicatorValue {
  return denominator > 0 ? { available: true, value: round(numerator / denominator, 4), numerator, denominator } : { available: false, needs: none }
}
const count = (n: number, of: number): IndicatorValue => ({ available: true, value: n, numerator: n, denominator: of })
const lag = (value: number | null, deliveries: number): IndicatorValue => value === null
  ? { available: false, needs: 'a snapshot of a dossier received in the period delivered to the portal (delivered rows are kept sync.keepFinishedMs, 30 days by default)' }
  : { available: true, value: round(value, 3), numerator: round(value, 3), denominator: deliveries }

/** What the hub never sees: said once, used by the API and the summary. */
export const NEEDS = {
  paperTransfers: 'the number of inter-agency documents sent on paper or outside the axis, which never pass through the hub (a figure from the agencies\' document registers)',
  procedureDb: 'the National Database on Administrative Procedures (publication decisions, online-service levels, fee lists per procedure), which the hub does not receive',
  feedbackSystem: 'the portal\'s feedback and petition (PAKN) handling system: its due dates and handling steps are not sent to the hub',
} as const

export function computeIndicators(s: Sums, live: LiveFigures): Record<IndicatorId, IndicatorValue> {
  return {
    onTimeRate: ratio(s.on_time, s.finished_due, 'a dossier received in the period that was finished and had a due date'),
    overdueNow: count(live.overdue, live.open),
    avgHandlingHours: s.finished > 0
      ? { available: true, value: round(s.handling_seconds / 3600 / s.finished, 2), numerator: round(s.handling_seconds / 3600, 2), denominator: s.finished }
      : { available: false, needs: 'a dossier received in the period that was finished' },
    onlineShare: ratio(s.online, s.received, 'a dossier received in the period'),
    onlinePaymentShare: ratio(s.paid_online, s.fee_dossiers, 'a dossier received in the period with a fee above 0'),
    digitizedIntakeShare: ratio(s.digitized_intake, s.received, 'a dossier received in the period'),
    resultsDigitizedShare: ratio(s.results_digitized, s.completed, 'a dossier received in the period that was processed or returned'),
    reuseDossierShare: ratio(s.reuse_dossiers, s.received, 'a dossier received in the period'),
    reusePaperShare: ratio(s.papers_reused, s.papers, 'a paper submitted with a dossier received in the period'),
    nationalDbPerDossier: ratio(s.db_connections, s.received, 'a dossier received in the period'),
    populationDbShare: ratio(s.db_population, s.received, 'a dossier received in the period'),
    edocElectronicShare: { available: false, needs: NEEDS.paperTransfers },
    edocReceivedShare: ratio(s.edocs_received, s.edocs_sent, 'a document sent over the axis in the period'),
    satisfactionRate: ratio(s.feedback_satisfied, s.feedback, 'a feedback.submitted event in the period'),
    syncLagP50Seconds: lag(live.lagP50, live.deliveries),
    syncLagP95Seconds: lag(live.lagP95, live.deliveries),
    deadLetters: count(live.deadLetters, s.received),
    inSyncShare: ratio(s.received - live.behind, s.received, 'a dossier received in the period'),
  }
}

/** Decision 766 rates the hub cannot compute, for the summary (docs/indicators.md). */
export const EXTERNAL_RATES: Record<string, IndicatorValue> = {
  proceduresPublishedOnTime: { available: false, needs: NEEDS.procedureDb },
  proceduresOnline: { available: false, needs: NEEDS.procedureDb },
  feedbackHandledOnTime: { available: false, needs: NEEDS.feedbackSystem },
}
