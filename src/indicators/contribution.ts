/**
 * What one dossier version counts for in the indicators (docs/indicators.md): its key (current
 * agency, procedure, channel, received day) and its 0/1 counters. Pure: the accept path and the
 * rebuild command both compute it from the snapshot and the hub's facts, with the same rules the
 * national-portal record uses (src/sync/hub-facts.ts), so the model and the portal agree.
 */
import type { DossierSnapshot, DossierStatus, HubFacts } from '../../schemas/dossier.js'
import { dossierDatabases, paperDigitized, paperReused } from '../sync/hub-facts.js'

/** Counters a dossier contributes; the column names of `indicator_dossiers` and the sums. */
export const DOSSIER_COUNTERS = [
  'received', 'finished', 'finished_due', 'on_time', 'handling_seconds', 'completed', 'results_digitized', 'digitized_intake',
  'fee_dossiers', 'paid_online', 'reuse_dossiers', 'papers', 'papers_reused', 'db_population', 'db_business', 'db_connections',
] as const
/** Counters fed by other paths (axis documents, feedback events). */
export const EVENT_COUNTERS = ['edocs_sent', 'edocs_received', 'feedback', 'feedback_satisfied', 'feedback_rating_sum'] as const
export const COUNTERS = [...DOSSIER_COUNTERS, ...EVENT_COUNTERS] as const
export type DossierCounter = (typeof DOSSIER_COUNTERS)[number]
export type Counter = (typeof COUNTERS)[number]

/** Stands for "none" in a key column (an axis document has no procedure or channel). */
export const NONE = '-'

export interface DossierContribution {
  code: string
  agency_code: string
  procedure_code: string
  channel: string
  day: string
  due_at: string | null
  open: boolean
  counters: Record<DossierCounter, number>
}

/** Vietnam time has no daylight saving: UTC+7 all year. */
const VN_OFFSET_MS = 7 * 3600 * 1000
/** The Vietnam-time calendar day (YYYY-MM-DD) of an RFC 3339 instant. */
export const vnDay = (instant: string | Date): string => new Date(new Date(instant).getTime() + VN_OFFSET_MS).toISOString().slice(0, 10)

/** Statuses after which nothing is pending on the agency (766 §2.1's end of handling). */
const CLOSED: ReadonlySet<DossierStatus> = new Set(['rejected', 'stopped', 'withdrawal_requested', 'processed', 'returned'])
/** A result was produced (766 §4.1 counts its electronic copy). */
const COMPLETED: ReadonlySet<DossierStatus> = new Set(['processed', 'returned'])

/**
 * The end of handling (766 §2.1: NgayKetThucXuLy; "processed" wins over "returned"), else the
 * refusal time for a refused or stopped dossier; undefined while the dossier is open.
 */
function endOf(s: DossierSnapshot): string | undefined {
  if (!CLOSED.has(s.status)) return undefined
  return s.processedAt ?? s.returnedAt ?? s.rejectedAt
}

export function dossierContribution(code: string, agency: string, s: DossierSnapshot, facts: HubFacts | undefined): DossierContribution {
  const end = endOf(s)
  const received = Date.parse(s.receivedAt)
  const due = s.dueAt === undefined ? undefined : Date.parse(s.dueAt)
  const finished = end !== undefined
  const papers = (s.documents ?? []).filter((p) => p.deleted !== true)
  const reusedPapers = papers.filter((p) => paperReused(p, facts) || p.fromPortalDataStore === true).length
  const databases = dossierDatabases(s, facts)
  const completed = COMPLETED.has(s.status)
  const hasFees = (s.fees ?? []).some((f) => f.amount > 0)
  const c: Record<DossierCounter, number> = {
    received: 1,
    finished: finished ? 1 : 0,
    finished_due: finished && due !== undefined ? 1 : 0,
    on_time: finished && due !== undefined && Date.parse(end) <= due ? 1 : 0,
    handling_seconds: finished ? Math.max(0, Math.round((Date.parse(end) - received) / 1000)) : 0,
    completed: completed ? 1 : 0,
    results_digitized: completed && (s.results ?? []).some((r) => r.url !== undefined && r.sha256 !== undefined) ? 1 : 0,
    digitized_intake: papers.some((p) => paperDigitized(p)) ? 1 : 0,
    fee_dossiers: hasFees ? 1 : 0,
    paid_online: hasFees && s.onlinePayment !== undefined && s.onlinePayment !== 'none' ? 1 : 0,
    reuse_dossiers: reusedPapers > 0 || databases.length > 0 ? 1 : 0,
    papers: papers.length,
    papers_reused: reusedPapers,
    db_population: databases.includes('population') ? 1 : 0,
    db_business: databases.includes('business-registry') ? 1 : 0,
    db_connections: databases.length,
  }
  return {
    code, agency_code: agency, procedure_code: s.procedureCode, channel: s.channel, day: vnDay(s.receivedAt),
    due_at: due === undefined ? null : new Date(due).toISOString(), open: !CLOSED.has(s.status), counters: c,
  }
}
