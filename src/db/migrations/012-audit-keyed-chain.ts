/**
 * The audit chain becomes keyed (src/audit/chain.ts): each row says which link format it has.
 * Existing rows are format 1 (plain SHA-256) and stay verifiable as they are; the hub writes
 * format 2 (HMAC under a key the database does not hold) from now on. Adding a column with a
 * default rewrites no row, so the append-only triggers are not involved.
 */
import type { Migration } from './types.js'

export const auditKeyedChainMigration: Migration = {
  id: 12,
  name: 'audit-keyed-chain',
  statements: [
    'ALTER TABLE audit_log ADD COLUMN chain_format smallint NOT NULL DEFAULT 1 CHECK (chain_format IN (1, 2))',
  ],
}
