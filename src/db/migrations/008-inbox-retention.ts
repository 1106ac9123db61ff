/**
 * Retention of the inbound event ledger (src/inbox/retention.ts).
 *
 * - `deliveries (seq)`: deleting an inbox row makes PostgreSQL check the foreign key from
 *   `deliveries`, and the delivery rows of a pruned event are deleted by seq; the primary key
 *   (subscriber, seq) cannot serve either, so without this index each pruned event would scan the
 *   whole delivery table. Seqs only grow, so the index is appended at its right edge on ingest.
 * - `inbox_retention`: one row holding the highest seq ever pruned. Ingest numbers new events
 *   above it, so a seq is never handed out twice even when the newest events were pruned, and
 *   the event feed tells a client whose cursor lies below it that events may have been missed.
 *
 * The index is built inside the migration transaction (no CONCURRENTLY there): on a large
 * existing ledger, ingest waits for the build once, at the first boot of this version.
 */
import type { Migration } from './types.js'

export const inboxRetentionMigration: Migration = {
  id: 8,
  name: 'inbox-retention',
  statements: [
    'CREATE INDEX IF NOT EXISTS deliveries_seq_idx ON deliveries (seq)',
    `CREATE TABLE IF NOT EXISTS inbox_retention (
      singleton      boolean PRIMARY KEY DEFAULT true CHECK (singleton),
      pruned_through bigint  NOT NULL DEFAULT 0
    )`,
    'INSERT INTO inbox_retention DEFAULT VALUES ON CONFLICT DO NOTHING',
  ],
}
