/**
 * Document axis (DESIGN §5) and outbox messages.
 *
 * - The outbox learns a third kind, `message`: an opaque unit delivered once, in acceptance order
 *   per key, deduplicated by its id (`step_id`) — what the document axis sends (edXML packages
 *   and status packets). Snapshots and progress steps are unchanged.
 * - `edocs` holds every document the hub sent or received, with its edXML package; a received
 *   one is unique by the axis's document id, so a document fetched twice (a crash before the
 *   acknowledgement) is stored once.
 * - `edoc_attachments` holds each document's files, so the one-stop software downloads one
 *   file without the hub reading edXML again.
 * - `edoc_statuses` holds processing statuses: those each recipient reported for a document we
 *   sent (incoming, unique by the axis id of the packet), and those we report for a document we
 *   received (outgoing, delivered through the outbox).
 */
import type { Migration } from './types.js'

export const edocsMigration: Migration = {
  id: 5,
  name: 'edocs',
  statements: [
    'ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check',
    'ALTER TABLE outbox DROP CONSTRAINT outbox_check1',
    `ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check CHECK (kind IN ('snapshot', 'progress', 'message'))`,
    `ALTER TABLE outbox ADD CONSTRAINT outbox_step_id_check CHECK ((kind = 'snapshot') = (step_id IS NULL))`,
    `CREATE UNIQUE INDEX outbox_message_uq ON outbox (target, dossier_code, step_id) WHERE kind = 'message'`,
    `CREATE TABLE edocs (
      id            text        PRIMARY KEY,
      direction     text        NOT NULL CHECK (direction IN ('outgoing', 'incoming')),
      document_id   text        NOT NULL,
      axis_doc_id   text,
      from_organ    text        NOT NULL,
      to_organs     text[]      NOT NULL,
      subject       text        NOT NULL,
      header        jsonb       NOT NULL,
      attachments   jsonb       NOT NULL,
      package       bytea       NOT NULL,
      body_hash     text,
      client        text,
      created_at    timestamptz NOT NULL DEFAULT now(),
      sent_at       timestamptz
    )`,
    `CREATE UNIQUE INDEX edocs_incoming_axis_uq ON edocs (axis_doc_id) WHERE direction = 'incoming'`,
    'CREATE INDEX edocs_document_idx ON edocs (document_id, direction)',
    'CREATE INDEX edocs_created_idx ON edocs (created_at, id)',
    `CREATE TABLE edoc_attachments (
      edoc_id       text        NOT NULL REFERENCES edocs (id),
      content_id    text        NOT NULL,
      position      integer     NOT NULL,
      name          text        NOT NULL,
      content_type  text        NOT NULL,
      size          bigint      NOT NULL,
      sha256        text        NOT NULL,
      data          bytea       NOT NULL,
      PRIMARY KEY (edoc_id, content_id)
    )`,
    `CREATE TABLE edoc_statuses (
      id            bigserial   PRIMARY KEY,
      edoc_id       text        REFERENCES edocs (id),
      direction     text        NOT NULL CHECK (direction IN ('outgoing', 'incoming')),
      document_id   text        NOT NULL,
      axis_doc_id   text,
      from_organ    text        NOT NULL,
      status_code   text        NOT NULL,
      description   text,
      status_at     timestamptz NOT NULL,
      packet        jsonb       NOT NULL,
      package       bytea,
      client        text,
      created_at    timestamptz NOT NULL DEFAULT now()
    )`,
    `CREATE UNIQUE INDEX edoc_statuses_incoming_uq ON edoc_statuses (axis_doc_id) WHERE direction = 'incoming'`,
    'CREATE INDEX edoc_statuses_edoc_idx ON edoc_statuses (edoc_id, id)',
  ],
}
