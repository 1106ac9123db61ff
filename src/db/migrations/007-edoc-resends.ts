/**
 * Resent documents and statuses (DESIGN §5). Sending over the axis is at-least-once: a sender
 * that crashed or timed out after the axis took its package sends it again, and the axis gives the
 * copy a new id. Unique by the axis id alone, the province would store and announce such a copy
 * as a second document. `content_key` is a hash of what the sender said (src/edocs/content-key.ts,
 * trace hops excluded), unique among received rows, so a copy maps to the first one.
 *
 * Rows received before this migration have no key and are not matched against.
 */
import type { Migration } from './types.js'

export const edocResendsMigration: Migration = {
  id: 7,
  name: 'edoc-resends',
  statements: [
    'ALTER TABLE edocs ADD COLUMN IF NOT EXISTS content_key text',
    `CREATE UNIQUE INDEX IF NOT EXISTS edocs_incoming_content_uq ON edocs (content_key) WHERE direction = 'incoming'`,
    'ALTER TABLE edoc_statuses ADD COLUMN IF NOT EXISTS content_key text',
    `CREATE UNIQUE INDEX IF NOT EXISTS edoc_statuses_incoming_content_uq ON edoc_statuses (content_key) WHERE direction = 'incoming'`,
  ],
}
