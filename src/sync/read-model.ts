/** What operators and the one-stop software read back: a dossier with its sync state per target, and listings. */
import type { Db } from '../db/types.js'

export type SyncStateName = 'pending' | 'retrying' | 'delivered' | 'dead'

export interface TargetSync {
  state: SyncStateName
  attempts: number
  lastError: string | null
  deliveredVersion: number | null
  deliveredAt: string | null
  nextAttemptAt: string | null
  /** Progress steps by delivery state. */
  steps: { open: number; delivered: number; dead: number }
}

export interface DossierView {
  code: string
  version: number
  status: string
  agencyCode: string
  acceptedAt: string
  snapshot: Record<string, unknown>
  sync: Record<string, TargetSync>
}

const iso = (d: Date | null) => (d === null ? null : d.toISOString())

interface SyncRow {
  target: string
  dossier_code: string
  state: SyncStateName
  attempts: number
  last_error: string | null
  delivered_version: number | null
  delivered_at: Date | null
  next_attempt_at: Date | null
}

/**
 * Both tables are keyed by target first ((target, dossier_code) in sync_state, outbox_step_uq),
 * and nothing indexes a dossier code alone: looked up by codes only, each read scanned all of
 * sync_state and the outbox (60 ms and 180 ms with 1M dossiers and 3M outbox rows, on every
 * GET /v1/dossiers and /v1/dossiers/{code}; scripts/sync-scale-check.ts). So the targets come first, from a skip scan of
 * sync_state's primary key (one probe per target, a handful), and both lookups give the target.
 * Step counts are only read for the targets a dossier has a sync state for: the only ones shown.
 */
const STATES = `
  WITH RECURSIVE t(target) AS (
    (SELECT target FROM sync_state ORDER BY target LIMIT 1)
    UNION ALL
    SELECT (SELECT s.target FROM sync_state s WHERE s.target > t.target ORDER BY s.target LIMIT 1) FROM t WHERE t.target IS NOT NULL)
  SELECT target, dossier_code, state, attempts, last_error, delivered_version, delivered_at, next_attempt_at
  FROM sync_state WHERE target = ANY(ARRAY(SELECT target FROM t WHERE target IS NOT NULL)) AND dossier_code = ANY($1::text[])`

async function syncFor(db: Db, codes: string[]): Promise<Map<string, Record<string, TargetSync>>> {
  const out = new Map<string, Record<string, TargetSync>>()
  if (codes.length === 0) return out
  const states = await db.query<SyncRow>(STATES, [codes])
  if (states.rows.length === 0) return out
  const targets = [...new Set(states.rows.map((r) => r.target))]
  const steps = await db.query<{ target: string; dossier_code: string; open: number; delivered: number; dead: number }>(
    `SELECT target, dossier_code,
       count(*) FILTER (WHERE state IN ('pending', 'retrying'))::int AS open,
       count(*) FILTER (WHERE state = 'delivered')::int AS delivered,
       count(*) FILTER (WHERE state = 'dead')::int AS dead
     FROM outbox WHERE kind = 'progress' AND target = ANY($2::text[]) AND dossier_code = ANY($1::text[]) GROUP BY target, dossier_code`,
    [codes, targets],
  )
  const stepKey = (t: string, c: string) => `${t}\u0000${c}`
  const stepMap = new Map(steps.rows.map((r) => [stepKey(r.target, r.dossier_code), { open: r.open, delivered: r.delivered, dead: r.dead }]))
  for (const r of states.rows) {
    const entry = out.get(r.dossier_code) ?? {}
    entry[r.target] = {
      state: r.state,
      attempts: r.attempts,
      lastError: r.last_error,
      deliveredVersion: r.delivered_version,
      deliveredAt: iso(r.delivered_at),
      nextAttemptAt: iso(r.next_attempt_at),
      steps: stepMap.get(stepKey(r.target, r.dossier_code)) ?? { open: 0, delivered: 0, dead: 0 },
    }
    out.set(r.dossier_code, entry)
  }
  return out
}

interface DossierRow {
  code: string
  version: number
  status: string
  agency_code: string
  accepted_at: Date
  snapshot: Record<string, unknown>
}

export async function getDossier(db: Db, code: string): Promise<DossierView | null> {
  const { rows } = await db.query<DossierRow>('SELECT code, version, status, agency_code, accepted_at, snapshot FROM dossiers WHERE code = $1', [code])
  const row = rows[0]
  if (!row) return null
  const sync = await syncFor(db, [code])
  return { code: row.code, version: row.version, status: row.status, agencyCode: row.agency_code, acceptedAt: row.accepted_at.toISOString(), snapshot: row.snapshot, sync: sync.get(code) ?? {} }
}

export interface ListQuery {
  syncState?: SyncStateName
  target?: string
  /** SQL LIKE patterns of the agencies the caller may see (see agencies.ts); undefined = all. */
  agencies?: string[]
  /** Keyset cursor: the last code of the previous page. */
  after?: string
  limit: number
}

export async function listDossiers(db: Db, q: ListQuery): Promise<{ items: Array<Omit<DossierView, 'snapshot'>>; next: string | null }> {
  const params: unknown[] = []
  const where: string[] = []
  const p = (v: unknown) => {
    params.push(v)
    return `$${params.length}`
  }
  // By sync state, the dossiers come from sync_state's (state, dossier_code) index in code order,
  // once each (a dossier has a row per target), from the cursor on: the plan stops after a page,
  // where a semi-join (EXISTS) read and sorted every dossier in that state, thousands after an
  // outage (scripts/sync-scale-check.ts).
  let from = 'dossiers d'
  if (q.syncState !== undefined) {
    const by = [`s.state = ${p(q.syncState)}`]
    if (q.target !== undefined) by.push(`s.target = ${p(q.target)}`)
    if (q.after !== undefined) by.push(`s.dossier_code > ${p(q.after)}`)
    from = `(SELECT DISTINCT s.dossier_code FROM sync_state s WHERE ${by.join(' AND ')}) s JOIN dossiers d ON d.code = s.dossier_code`
  } else if (q.after !== undefined) {
    where.push(`d.code > ${p(q.after)}`)
  }
  if (q.agencies !== undefined) where.push(`d.agency_code LIKE ANY(${p(q.agencies)}::text[])`)
  const sql = `SELECT d.code, d.version, d.status, d.agency_code, d.accepted_at FROM ${from}
    ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY d.code LIMIT ${p(q.limit + 1)}`
  const { rows } = await db.query<Omit<DossierRow, 'snapshot'>>(sql, params)
  const page = rows.slice(0, q.limit)
  const sync = await syncFor(db, page.map((r) => r.code))
  return {
    items: page.map((r) => ({ code: r.code, version: r.version, status: r.status, agencyCode: r.agency_code, acceptedAt: r.accepted_at.toISOString(), sync: sync.get(r.code) ?? {} })),
    next: rows.length > q.limit ? page.at(-1)!.code : null,
  }
}
