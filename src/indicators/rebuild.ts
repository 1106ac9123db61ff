/**
 * Rebuilds the indicator model from the ledger (a new install on existing data, or after a
 * change of the rules): empties it, then feeds it through the SAME functions the live paths
 * call — each dossier's latest snapshot (with the hub's facts read as they are now, by the same
 * reader as the accept path), the feedback events still in the inbox, the documents sent over
 * the axis and the statuses reported on them. One transaction: the live paths wait for it (the
 * TRUNCATE's lock) and then add their changes to the rebuilt model, so none is lost or counted
 * twice. `npm run indicators:rebuild` (src/main.ts).
 */
import type { Db, Queryable } from '../db/types.js'
import type { DossierSnapshot } from '../../schemas/dossier.js'
import type { AgencyMapping } from '../agency-mapping.js'
import type { FactsReader } from '../sync/hub-facts.js'
import { dossierContribution, vnDay } from './contribution.js'
import { MODEL_TABLES, recordDossiers, recordEdocSent, recordEdocStatus } from './record.js'
import type { IncomingEvent } from '../inbox/store.js'

export interface RebuildResult {
  dossiers: number
  feedback: number
  edocsSent: number
  edocStatuses: number
}

export interface RebuildDeps {
  db: Db
  agencies: AgencyMapping
  facts: FactsReader
  /** The inbox hook of the indicator service (counts the feedback events of a list). */
  recordInbox: (tx: Queryable, events: IncomingEvent[]) => Promise<void>
  /** Rows read per statement. Default 1000. */
  pageSize?: number
}

export async function rebuildIndicators(deps: RebuildDeps): Promise<RebuildResult> {
  const page = deps.pageSize ?? 1000
  return deps.db.transaction(async (tx) => {
    await tx.query(`TRUNCATE ${MODEL_TABLES.join(', ')}`)
    const result: RebuildResult = { dossiers: 0, feedback: 0, edocsSent: 0, edocStatuses: 0 }

    for (let after = ''; ;) {
      const { rows } = await tx.query<{ code: string; agency_code: string; snapshot: DossierSnapshot }>(
        'SELECT code, agency_code, snapshot FROM dossiers WHERE code > $1 ORDER BY code LIMIT $2', [after, page])
      if (rows.length === 0) break
      const facts = await deps.facts(tx, rows.map((r) => ({ code: r.code, snapshot: r.snapshot })))
      await recordDossiers(tx, rows.map((r) => dossierContribution(r.code, deps.agencies.current(r.agency_code), r.snapshot, facts.get(r.code))))
      result.dossiers += rows.length
      after = rows.at(-1)!.code
    }

    for (let after = 0; ;) {
      const { rows } = await tx.query<{ seq: number; event_id: string; source: string; type: string; agency_code: string | null; dossier_code: string | null; body: unknown }>(
        `SELECT seq, event_id, source, type, agency_code, dossier_code, body FROM inbox WHERE type = 'feedback.submitted' AND seq > $1 ORDER BY seq LIMIT $2`, [after, page])
      if (rows.length === 0) break
      await deps.recordInbox(tx, rows.map((r) => ({ eventId: r.event_id, source: r.source, type: r.type, agencyCode: r.agency_code, dossierCode: r.dossier_code, body: r.body })))
      result.feedback += rows.length
      after = Number(rows.at(-1)!.seq)
    }

    const { rows: sent } = await tx.query<{ id: string; from_organ: string; created_at: Date }>(
      `SELECT id, from_organ, created_at FROM edocs WHERE direction = 'outgoing' ORDER BY created_at, id`)
    for (const e of sent) await recordEdocSent(tx, e.id, deps.agencies.current(e.from_organ), vnDay(e.created_at))
    result.edocsSent = sent.length
    const { rows: statuses } = await tx.query<{ edoc_id: string; status_code: string }>(
      `SELECT edoc_id, status_code FROM edoc_statuses WHERE direction = 'incoming' AND edoc_id IS NOT NULL ORDER BY id`)
    for (const s of statuses) await recordEdocStatus(tx, s.edoc_id, s.status_code)
    result.edocStatuses = statuses.length
    return result
  })
}
