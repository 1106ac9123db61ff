/**
 * Outbox retention (src/sync/retention.ts) walks this index instead of the primary key: only the
 * rows it may ever delete — delivered or superseded snapshots and progress steps — in id order.
 * Walking the primary key stepped over every row that is never pruned (document-axis messages,
 * which grow with every document sent, and dead rows) on each reconciler pass, so a pass slowed
 * down with the ledger's age.
 *
 * A settle already moves a row out of the open-row indexes (their predicates read `state`), so it
 * is never a HOT update; adding the row here costs one more index entry. Built inside the
 * migration transaction: on a large outbox build it by hand first with `CREATE INDEX
 * CONCURRENTLY` and the same definition; `IF NOT EXISTS` then makes this a no-op.
 */
import type { Migration } from './types.js'

export const outboxFinishedMigration: Migration = {
  id: 9,
  name: 'outbox-finished',
  statements: [
    `CREATE INDEX IF NOT EXISTS outbox_finished_idx ON outbox (id) WHERE state IN ('delivered', 'superseded') AND kind IN ('snapshot', 'progress')`,
  ],
}
