/**
 * Retention of finished outbox rows. A delivered or superseded snapshot or progress row holds the
 * dossier snapshot it carried (personal data included) and is needed by nothing once done: the
 * delivered version lives in `sync_state`, the latest snapshot in `dossiers`. Such rows older than
 * `keepMs` are deleted in bounded batches by the reconciler's pass. Dead rows stay for operators;
 * open rows stay; `message` rows stay (the document axis views show their sending state), except
 * those of message targets whose messages nothing reads once done (the interlinked status reports:
 * `pruneFinishedMessages`, index `outbox_message_finished_idx` of migration 014).
 *
 * A batch walks the finished snapshot and progress rows in id order (`outbox_finished_idx`,
 * migration 009) and deletes those of the first `batch` that finished before the cutoff. Ids follow
 * creation, so the due rows come first and a pass reads at most `batch` index entries, whatever
 * the ledger holds besides (messages, dead and open rows are not in the index). A row accepted
 * before the cutoff but finished after it (a long retry) is not due yet and holds its place in the
 * walk until it is: if more than `batch` such rows lead the index, passes prune nothing until the
 * first of them come due (at most `keepMs` later).
 */
import type { Db } from '../db/types.js'

export async function pruneFinished(db: Db, keepMs: number, batch = 5000): Promise<number> {
  if (keepMs <= 0) return 0
  const { rowCount } = await db.query(
    `DELETE FROM outbox WHERE id IN (
       SELECT id FROM (
         SELECT id, done_at FROM outbox
         WHERE state IN ('delivered', 'superseded') AND kind IN ('snapshot', 'progress')
         ORDER BY id LIMIT $2) walked
       WHERE done_at < now() - make_interval(secs => $1::double precision / 1000))`,
    [keepMs, batch],
  )
  return rowCount
}

/** The same for the finished messages of one message target marked `prunable`, walked along (target, id). */
export async function pruneFinishedMessages(db: Db, target: string, keepMs: number, batch = 5000): Promise<number> {
  if (keepMs <= 0) return 0
  const { rowCount } = await db.query(
    `DELETE FROM outbox WHERE id IN (
       SELECT id FROM (
         SELECT id, done_at FROM outbox
         WHERE target = $3 AND state IN ('delivered', 'superseded') AND kind = 'message'
         ORDER BY id LIMIT $2) walked
       WHERE done_at < now() - make_interval(secs => $1::double precision / 1000))`,
    [keepMs, batch, target],
  )
  return rowCount
}
