/**
 * The outbox's reconciler sweep, run on a schedule (src/jobs/schedule.ts): re-enqueues rows left
 * open too long after a crash between commit and enqueue, a Redis flush or restart that lost
 * jobs, a retry whose delayed job vanished.
 */
import type { Logger } from 'pino'
import type { Db } from '../db/types.js'
import type { SyncQueues } from './queues.js'
import { jobIdFor } from './queues.js'

/** The outbox sweep: one wake-up per dossier (per batch target) whose changes waited longer than `staleAfterMs`. */
export function sweepOutbox(options: { db: Db; queues: SyncQueues; staleAfterMs: number; log: Logger; batch?: number }): () => Promise<number> {
  const { db, queues, log } = options
  return async () => {
    const { rows } = await db.query<{ target: string; dossier_code: string }>(
      `SELECT DISTINCT target, dossier_code FROM outbox
       WHERE state IN ('pending', 'retrying')
         AND created_at < now() - make_interval(secs => $1::double precision / 1000)
         AND (next_attempt_at IS NULL OR next_attempt_at < now() - make_interval(secs => $1::double precision / 1000))
       LIMIT $2`,
      [options.staleAfterMs, options.batch ?? 5000],
    )
    let kicked = 0
    const drained = new Set<string>()
    for (const row of rows) {
      if (!queues.names().includes(row.target)) continue
      // A time bucket in the id: a wake-up that failed for good must not block later reconciles.
      const bucket = Math.floor(Date.now() / options.staleAfterMs)
      if (queues.drains(row.target)) {
        // A batch target's job drains every claimable dossier: one wake-up covers them all.
        if (drained.has(row.target)) continue
        drained.add(row.target)
        if (await queues.kick(row.target, row.dossier_code, jobIdFor('rt', row.target, bucket))) kicked++
        continue
      }
      if (await queues.kick(row.target, row.dossier_code, jobIdFor('r', row.dossier_code, bucket))) kicked++
    }
    if (kicked > 0) log.info({ kicked }, 'reconciler re-enqueued dossiers whose changes waited too long')
    return kicked
  }
}
