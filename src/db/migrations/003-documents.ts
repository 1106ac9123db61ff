/**
 * Digitized papers and results (seed plan): indexed by owner and type. The owner's ID is kept
 * only as a keyed hash (the audit log's key) and a masked form; a search names the owner, so the
 * full code `<owner id>.<type>` is rebuilt for the caller and never stored.
 */
import type { Migration } from './types.js'

export const documentsMigration: Migration = {
  id: 3,
  name: 'documents',
  statements: [
    `CREATE TABLE documents (
      id             bigserial   PRIMARY KEY,
      owner_hash     text        NOT NULL CHECK (owner_hash ~ '^[0-9a-f]{64}$'),
      owner_masked   text        NOT NULL,
      owner_kind     text        NOT NULL CHECK (owner_kind IN ('citizen', 'business')),
      type_code      text        NOT NULL,
      title          text        NOT NULL,
      issuing_agency text,
      issued_at      timestamptz,
      valid_until    timestamptz,
      url            text        NOT NULL,
      sha256         text        NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
      source         text        NOT NULL CHECK (source IN ('intake', 'dossier-result')),
      dossier_code   text,
      client         text        NOT NULL,
      registered_at  timestamptz NOT NULL DEFAULT now(),
      UNIQUE (owner_hash, type_code, sha256)
    )`,
    'CREATE INDEX documents_owner_idx ON documents (owner_hash, type_code, registered_at DESC)',
  ],
}
