/**
 * Retention of finished outbox rows. A delivered or superseded snapshot or progress row holds the
 * dossier snapshot it carried (personal data included) and is needed by nothing once done: the
 * delivered version lives in `sync_state`, the latest snapshot in `dossiers`. Such rows older than
 * `keepMs` are deleted in bounded batches by the reconciler's pass. Dead rows stay for operators;
 * open rows stay; `message` rows stay (the document axis views show their sending state).
 *
 * The batch walks the primary key from the oldest row (no extra index to maintain on every
 * settle): pruned rows are gone, so the head of the key is mostly prunable rows, and the few old
 * dead or open rows it steps over are bounded by what operators have not yet handled.
 */
import type { Db } from '../db/types.js'

export async function pruneFinished(db: Db, keepMs: number, batch = 5000): Promise<number> {
  if (keepMs <= 0) return 0
  const { rowCount } = await db.query(
    `DELETE FROM outbox WHERE id IN (
       SELECT id FROM outbox
       WHERE state IN ('delivered', 'superseded') AND kind IN ('snapshot', 'progress')
         AND done_at < now() - make_interval(secs => $1::double precision / 1000)
       ORDER BY id LIMIT $2)`,
    [keepMs, batch],
  )
  return rowCount
}
