/**
 * Receiving from the document axis, made sturdy (DESIGN §5).
 *
 * Resent documents and statuses. Sending over the axis is at-least-once: a sender
 * that crashed or timed out after the axis took its package sends it again, and the axis gives the
 * copy a new id. Unique by the axis id alone, the province would store and announce such a copy
 * as a second document. `content_key` is a hash of what the sender said (src/edocs/content-key.ts,
 * trace hops excluded), unique among received rows, so a copy maps to the first one.
 *
 * Rows received before this migration have no key and are not matched against.
 *
 * Packages the hub could not take in (`edoc_receive_failures`): the failures of each axis id and
 * when to try it again, in the ledger so replicas and restarts share one backoff; and packages
 * kept in quarantine — fetched whole but not acceptable edXML, kept with their bytes and
 * acknowledged, so they stop blocking the mailbox and an operator can read them again later
 * (src/edocs/receive-failures.ts).
 */
import type { Migration } from './types.js'

export const edocReceivingMigration: Migration = {
  id: 7,
  name: 'edoc-receiving',
  statements: [
    'ALTER TABLE edocs ADD COLUMN IF NOT EXISTS content_key text',
    `CREATE UNIQUE INDEX IF NOT EXISTS edocs_incoming_content_uq ON edocs (content_key) WHERE direction = 'incoming'`,
    'ALTER TABLE edoc_statuses ADD COLUMN IF NOT EXISTS content_key text',
    `CREATE UNIQUE INDEX IF NOT EXISTS edoc_statuses_incoming_content_uq ON edoc_statuses (content_key) WHERE direction = 'incoming'`,
    `CREATE TABLE IF NOT EXISTS edoc_receive_failures (
      axis_doc_id     text        PRIMARY KEY,
      message_type    text        NOT NULL CHECK (message_type IN ('edoc', 'status')),
      from_organ      text        NOT NULL,
      to_organs       text        NOT NULL,
      failures        integer     NOT NULL CHECK (failures > 0),
      last_error      text        NOT NULL,
      retry_at        timestamptz,
      quarantined_at  timestamptz,
      package         bytea,
      first_failed_at timestamptz NOT NULL DEFAULT now(),
      last_failed_at  timestamptz NOT NULL DEFAULT now(),
      CHECK (quarantined_at IS NULL OR package IS NOT NULL)
    )`,
    `CREATE INDEX IF NOT EXISTS edoc_receive_failures_waiting_idx ON edoc_receive_failures (retry_at) WHERE quarantined_at IS NULL`,
  ],
}
