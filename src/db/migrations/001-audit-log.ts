/**
 * The audit trail of personal-data accesses (DESIGN §6): append-only and hash-chained.
 * `seq` is assigned by the writer as last seq + 1 inside the chain lock (not by a sequence), so
 * a rolled-back batch leaves no hole and any gap in `seq` means a row was removed.
 */
import type { Migration } from './types.js'

export const auditLogMigration: Migration = {
  id: 1,
  name: 'audit-log',
  statements: [
    `CREATE TABLE audit_log (
      seq            bigint      PRIMARY KEY CHECK (seq > 0),
      at             timestamptz NOT NULL,
      request_id     text        NOT NULL,
      client         text        NOT NULL,
      officer_id     text        NOT NULL,
      purpose        text        NOT NULL,
      connector      text        NOT NULL,
      operation      text        NOT NULL,
      subject_hash   text        CHECK (subject_hash ~ '^[0-9a-f]{64}$'),
      subject_masked text,
      outcome        text        NOT NULL,
      latency_ms     integer     NOT NULL CHECK (latency_ms >= 0),
      prev_hash      text        NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
      hash           text        NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$')
    )`,
    // Admin search pages by seq within each filter (keyset pagination).
    'CREATE INDEX audit_log_subject_idx ON audit_log (subject_hash, seq) WHERE subject_hash IS NOT NULL',
    'CREATE INDEX audit_log_officer_idx ON audit_log (officer_id, seq)',
    'CREATE INDEX audit_log_client_idx ON audit_log (client, seq)',
    'CREATE INDEX audit_log_at_idx ON audit_log (at)',
    // Append-only in the database too, so a bug or a stray UPDATE cannot rewrite history; only
    // someone able to disable triggers can, and the hash chain then exposes it.
    `CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Audit records can only be inserted; they are never updated or deleted.';
    END
    $$`,
    `CREATE TRIGGER audit_log_append_only
      BEFORE UPDATE OR DELETE ON audit_log
      FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()`,
    `CREATE TRIGGER audit_log_no_truncate
      BEFORE TRUNCATE ON audit_log
      FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()`,
  ],
}
