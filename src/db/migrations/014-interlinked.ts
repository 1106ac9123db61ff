/**
 * The national portal's interlinked flow, second half (issue 12; the poll is migration 010).
 *
 * - `interlinked_dossiers`: each dossier that arrived through the pulled interlinked flow, with
 *   what the status report back needs (the platform's procedure code) and the last hub status
 *   queued for it, so a dossier PUT or progress step reports only a change of status.
 * - `portal_files`: files the portal handed over inline, content-addressed (one row per SHA-256
 *   however many dossiers carry it), with the type the bytes show. `portal_file_refs`: which
 *   dossier (so which agency) brought each file under which name: the file route serves a file
 *   only to a client acting for one of those agencies.
 * - `outbox_message_finished_idx`: finished messages by target, for the retention of the message
 *   targets whose messages nothing reads once done (the status reports; src/sync/retention.ts).
 */
import type { Migration } from './types.js'

export const interlinkedMigration: Migration = {
  id: 14,
  name: 'interlinked',
  statements: [
    `CREATE TABLE interlinked_dossiers (
      dossier_code   text        PRIMARY KEY,
      item_id        text        NOT NULL,
      procedure_code text        NOT NULL,
      module         text        NOT NULL,
      unit_code      text        NOT NULL,
      last_status    text,
      created_at     timestamptz NOT NULL DEFAULT now()
    )`,
    `CREATE TABLE portal_files (
      sha256        text        PRIMARY KEY,
      size          bigint      NOT NULL,
      detected_type text,
      data          bytea       NOT NULL,
      created_at    timestamptz NOT NULL DEFAULT now()
    )`,
    `CREATE TABLE portal_file_refs (
      sha256       text NOT NULL REFERENCES portal_files (sha256),
      dossier_code text NOT NULL,
      agency_code  text NOT NULL,
      name         text NOT NULL,
      PRIMARY KEY (sha256, dossier_code, name)
    )`,
    `CREATE INDEX outbox_message_finished_idx ON outbox (target, id) WHERE state IN ('delivered', 'superseded') AND kind = 'message'`,
  ],
}
