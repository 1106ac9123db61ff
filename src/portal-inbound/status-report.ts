/**
 * The status report back to the interlinked platform, for dossiers that arrived through the pulled
 * interlinked flow (poll.ts). When the one-stop software moves such a dossier on (a PUT with another
 * status, or a progress step carrying one), one message is queued in the same transaction as the
 * change, on the outbox's message target `interlinked-status` (src/sync): delivered by the sync
 * workers, retried on its schedule, dead-lettered and replayable, listed under /admin/queues, and
 * never lost on a crash. A newer status supersedes an older one not yet delivered (latest wins);
 * the same status again is not reported twice. Which hub status becomes which platform state is the
 * connector's table; no wire names here.
 */
import type { Queryable } from '../db/types.js'
import type { DossierSnapshot, DossierStatus, ProgressStep } from '../../schemas/dossier.js'
import { acceptMessage, type AcceptedRow, type AcceptHooks } from '../sync/ledger.js'
import type { MessageHandler } from '../sync/worker.js'
import { InterlinkedStatusReport, type InterlinkedStatusChange } from '../contracts/portal.js'

/** The outbox target (and queue) of the reports. */
export const STATUS_TARGET = 'interlinked-status'

/** What the poll learnt of a pulled item that the reports need later (domain names). */
export interface InterlinkedLink {
  itemId: string
  /** The procedure code as the platform named it (reported back as is). */
  procedureCode: string
  module: string
  unitCode: string
}

/** One change of status, as the connector's `reportInterlinkedStatus` takes it, and what carried it. */
interface StatusChange extends InterlinkedStatusChange {
  /** Makes the message id: the version or step that carried the change. */
  source: string
}

async function queue(tx: Queryable, code: string, procedureCode: string, change: StatusChange): Promise<AcceptedRow | null> {
  // Latest wins: an older report not yet delivered is dropped (one in flight may still land first;
  // the order on the wire is kept, a dossier's messages go one at a time in acceptance order).
  await tx.query(
    `UPDATE outbox SET state = 'superseded', done_at = now(), next_attempt_at = NULL
     WHERE target = $1 AND dossier_code = $2 AND kind = 'message' AND state IN ('pending', 'retrying')`,
    [STATUS_TARGET, code],
  )
  const { source, ...report } = change
  return acceptMessage(tx, { target: STATUS_TARGET, key: code, messageId: `${change.status}:${source}`, payload: { dossierCode: code, procedureCode, ...report } })
}

/**
 * Records a pulled dossier and queues its first report (taken from the platform: `registered`).
 * Nothing when it was recorded before (a poll repeated after a crash).
 */
export async function registerInterlinked(tx: Queryable, code: string, link: InterlinkedLink): Promise<AcceptedRow[]> {
  const { rows } = await tx.query(
    `INSERT INTO interlinked_dossiers (dossier_code, item_id, procedure_code, module, unit_code, last_status) VALUES ($1, $2, $3, $4, $5, 'registered')
     ON CONFLICT (dossier_code) DO NOTHING RETURNING dossier_code`,
    [code, link.itemId, link.procedureCode, link.module, link.unitCode],
  )
  if (rows.length === 0) return []
  const row = await queue(tx, code, link.procedureCode, { status: 'registered', at: new Date().toISOString(), source: `item-${link.itemId}` })
  return row ? [row] : []
}

/** Moves the recorded status of the interlinked dossiers among `changes` (one statement) and queues a report for each that moved. */
async function reportMoves(tx: Queryable, changes: Map<string, StatusChange>): Promise<Map<string, AcceptedRow[]>> {
  const out = new Map<string, AcceptedRow[]>()
  if (changes.size === 0) return out
  const codes = [...changes.keys()].sort() // rows locked in one order by every writer
  const { rows } = await tx.query<{ dossier_code: string; procedure_code: string }>(
    `UPDATE interlinked_dossiers d SET last_status = c.status FROM unnest($1::text[], $2::text[]) AS c(code, status)
     WHERE d.dossier_code = c.code AND d.last_status IS DISTINCT FROM c.status
     RETURNING d.dossier_code, d.procedure_code`,
    [codes, codes.map((c) => changes.get(c)!.status)],
  )
  for (const r of rows) {
    const row = await queue(tx, r.dossier_code, r.procedure_code, changes.get(r.dossier_code)!)
    if (row) out.set(r.dossier_code, [row])
  }
  return out
}

function fromSnapshot(s: DossierSnapshot): StatusChange {
  const results = (s.results ?? []).map((r) => ({ name: r.name, ...(r.resultCode !== undefined && { resultCode: r.resultCode }), ...(r.url !== undefined && { url: r.url }) }))
  return {
    status: s.status, at: new Date().toISOString(), source: `v${s.version}`,
    ...(s.note !== undefined && { note: s.note }), ...(s.handlingUnit !== undefined && { unit: s.handlingUnit }),
    startedAt: s.receivedAt, ...(s.dueAt !== undefined && { dueAt: s.dueAt }), ...(results.length > 0 && { results }),
  }
}

function fromStep(step: ProgressStep & { status: DossierStatus }): StatusChange {
  return {
    status: step.status, at: step.at, source: `s${step.id}`, officer: step.officer, unit: step.unit, content: step.content,
    ...(step.officerTitle !== undefined && { officerTitle: step.officerTitle }),
    ...(step.startedAt !== undefined && { startedAt: step.startedAt }), ...(step.dueAt !== undefined && { dueAt: step.dueAt }),
  }
}

/** The accept hooks that queue reports (src/sync: in the transaction of the PUT or step). */
export function statusReportHooks(): AcceptHooks {
  return {
    snapshots: (tx, accepted) => reportMoves(tx, new Map(accepted.map((a) => [a.code, fromSnapshot(a.snapshot)]))),
    async step(tx, code, step) {
      if (step.status === undefined) return []
      return (await reportMoves(tx, new Map([[code, fromStep({ ...step, status: step.status })]]))).get(code) ?? []
    },
  }
}

/** Delivers a queued report through the connector's `reportInterlinkedStatus`. */
export function statusReportHandler(connector: string): MessageHandler {
  return { prepare: async (payload) => ({ connector, operation: InterlinkedStatusReport.operation, input: payload }) }
}
