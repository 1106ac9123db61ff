/**
 * Dead letters: outbox rows that were refused upstream or ran out of attempts. They stay in the
 * ledger with the upstream's reason until an operator replays them; a replay puts them back to
 * `pending` with a fresh attempt budget (a replayed snapshot older than what was delivered since
 * is superseded by the worker, never sent).
 */
import type { Db } from '../db/types.js'

export interface DeadLetter {
  id: number
  target: string
  dossierCode: string
  kind: 'snapshot' | 'progress' | 'message'
  version: number | null
  stepId: string | null
  attempts: number
  lastError: string | null
  upstreamCode: string | null
  acceptedAt: string
  deadAt: string
}

interface Row {
  id: number
  target: string
  dossier_code: string
  kind: DeadLetter['kind']
  version: number | null
  step_id: string | null
  attempts: number
  last_error: string | null
  upstream_code: string | null
  created_at: Date
  done_at: Date
}

const toDeadLetter = (r: Row): DeadLetter => ({
  id: r.id, target: r.target, dossierCode: r.dossier_code, kind: r.kind, version: r.version, stepId: r.step_id,
  attempts: r.attempts, lastError: r.last_error, upstreamCode: r.upstream_code, acceptedAt: r.created_at.toISOString(), deadAt: r.done_at.toISOString(),
})

export async function listDeadLetters(db: Db, q: { target?: string; since?: Date; afterId?: number; limit: number }): Promise<{ items: DeadLetter[]; next: number | null }> {
  const { rows } = await db.query<Row>(
    `SELECT id, target, dossier_code, kind, version, step_id, attempts, last_error, upstream_code, created_at, done_at FROM outbox
     WHERE state = 'dead' AND ($1::text IS NULL OR target = $1) AND ($2::timestamptz IS NULL OR done_at >= $2) AND ($3::bigint IS NULL OR id > $3)
     ORDER BY id LIMIT $4`,
    [q.target ?? null, q.since ?? null, q.afterId ?? null, q.limit + 1],
  )
  const page = rows.slice(0, q.limit)
  return { items: page.map(toDeadLetter), next: rows.length > q.limit ? page.at(-1)!.id : null }
}

/** Puts dead rows back to pending; returns the (target, dossier) pairs to wake up. */
async function reopen(db: Db, where: string, params: unknown[]): Promise<Array<{ id: number; target: string; dossierCode: string }>> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ id: number; target: string; dossier_code: string }>(
      // A dossier waiting for a retry takes its replayed rows along (as an accept does, see ledger.ts).
      `UPDATE outbox SET state = 'pending', attempts = 0, done_at = NULL, next_attempt_at = (
         SELECT s.next_attempt_at FROM sync_state s WHERE s.target = outbox.target AND s.dossier_code = outbox.dossier_code AND s.next_attempt_at > now())
       WHERE state = 'dead' AND ${where} RETURNING id, target, dossier_code`,
      params,
    )
    const pairs = new Map(rows.map((r) => [`${r.target}\u0000${r.dossier_code}`, r]))
    for (const r of pairs.values()) {
      await tx.query(
        `UPDATE sync_state SET state = CASE WHEN state = 'retrying' THEN 'retrying' ELSE 'pending' END, attempts = 0, updated_at = now()
         WHERE target = $1 AND dossier_code = $2`,
        [r.target, r.dossier_code],
      )
    }
    return rows.map((r) => ({ id: r.id, target: r.target, dossierCode: r.dossier_code }))
  })
}

export const replayOne = (db: Db, id: number) => reopen(db, 'id = $1', [id])

export const replaySince = (db: Db, target: string, since: Date) => reopen(db, 'target = $1 AND done_at >= $2', [target, since])

/** Open and dead rows by target and state, for /admin and the metrics gauges. */
export async function ledgerCounts(db: Db): Promise<Array<{ target: string; state: string; count: number }>> {
  const { rows } = await db.query<{ target: string; state: string; count: number }>(
    `SELECT target, state, count(*)::int AS count FROM outbox WHERE state IN ('pending', 'retrying', 'dead') GROUP BY target, state`,
  )
  return rows
}
