/**
 * Retention of finished outbox rows. A delivered or superseded snapshot or progress row holds the
 * dossier snapshot it carried (personal data included) and is needed by nothing once done: the
 * delivered version lives in `sync_state`, the latest snapshot in `dossiers`. Such rows older than
 * `keepMs` are deleted in bounded batches by the reconciler's pass. Dead rows stay for operators;
 * open rows stay; `message` rows stay (the document axis views show their sending state).
 *
 * The batch walks the primary key from the oldest row (no extra index to maintain on every
 * settle): pruned rows are gone, so the head of the key is mostly prunable rows. The walk also
 * takes the rows created within `keepMs` and stops at `batch` rows in all: none of those can be
 * due (a row is finished after it is created, and ids follow creation), so once the due rows are
 * gone a pass reads the head and then at most `batch` young rows. Without them, a pass that found
 * fewer than `batch` due rows (every pass once retention has caught up) read the whole table: 0.4 s
 * at 3M rows, every reconciler pass (scripts/sync-scale-check.ts). What the head still holds is
 * rows that never go here: dead and open rows (bounded by what operators have not yet handled) and
 * `message` rows. Ids follow creation only as closely as transactions are short: a due row whose
 * accept took longer than the accepts that got the ids before it may wait behind them for as long
 * as that accept took, a pass or two.
 */
import type { Db } from '../db/types.js'

const DUE = `state IN ('delivered', 'superseded') AND kind IN ('snapshot', 'progress') AND done_at < now() - make_interval(secs => $1::double precision / 1000)`

export async function pruneFinished(db: Db, keepMs: number, batch = 5000): Promise<number> {
  if (keepMs <= 0) return 0
  const { rowCount } = await db.query(
    `DELETE FROM outbox WHERE id IN (
       SELECT id FROM (
         SELECT id, ${DUE} AS due FROM outbox
         WHERE (${DUE}) OR created_at >= now() - make_interval(secs => $1::double precision / 1000)
         ORDER BY id LIMIT $2) walked
       WHERE due)`,
    [keepMs, batch],
  )
  return rowCount
}
