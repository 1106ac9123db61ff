/**
 * Batch delivery (src/sync/batch-store.ts) finds a target's claimable work through two partial
 * indexes instead of aggregating every open outbox row, which after an outage means thousands of
 * rows waiting for their retry time on every claim:
 *
 * - `outbox_ready_idx`: open rows with no retry time, oldest first (fresh work);
 * - `outbox_due_idx`: open rows by retry time (a retrying dossier's rows all carry it, see the
 *   settle; a change accepted for a dossier waiting for a retry gets the dossier's time).
 *
 * Migrations run in one transaction, so these build without CONCURRENTLY and hold writes to the
 * outbox while they build. On a large outbox, build them by hand first (the same statements with
 * `CREATE INDEX CONCURRENTLY`); `IF NOT EXISTS` then makes this migration a no-op.
 */
import type { Migration } from './types.js'

export const syncBatchMigration: Migration = {
  id: 6,
  name: 'sync-batch',
  statements: [
    `CREATE INDEX IF NOT EXISTS outbox_ready_idx ON outbox (target, id) WHERE state IN ('pending', 'retrying') AND next_attempt_at IS NULL`,
    `CREATE INDEX IF NOT EXISTS outbox_due_idx ON outbox (target, next_attempt_at) WHERE state IN ('pending', 'retrying') AND next_attempt_at IS NOT NULL`,
  ],
}
