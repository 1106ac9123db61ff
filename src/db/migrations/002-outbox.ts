/**
 * Outbound dossier sync (DESIGN §3): the latest snapshot of every dossier, the transactional
 * outbox of changes to deliver per target, and each dossier's delivery state per target.
 *
 * - `dossiers` holds one row per dossier code: the latest accepted version and its body hash,
 *   so an older version is refused and a repeat of the same version is recognised.
 * - `outbox` holds one row per change and target, committed in the same transaction as the
 *   `dossiers` change; it is the record of truth for delivery (queues only carry wake-ups).
 * - `sync_state` holds per (target, dossier) what was delivered, the current delivery state for
 *   operators, and the lease that keeps one worker at a time delivering one dossier, so an older
 *   version can never overtake a newer one on the wire.
 */
import type { Migration } from './types.js'

export const outboxMigration: Migration = {
  id: 2,
  name: 'dossier-outbox',
  statements: [
    `CREATE TABLE dossiers (
      code         text        PRIMARY KEY,
      version      bigint      NOT NULL CHECK (version > 0),
      agency_code  text        NOT NULL,
      status       text        NOT NULL,
      snapshot     jsonb       NOT NULL,
      body_hash    text        NOT NULL,
      client       text        NOT NULL,
      accepted_at  timestamptz NOT NULL DEFAULT now()
    )`,
    'CREATE INDEX dossiers_agency_idx ON dossiers (agency_code, code)',
    `CREATE TABLE outbox (
      id              bigserial   PRIMARY KEY,
      target          text        NOT NULL,
      dossier_code    text        NOT NULL,
      kind            text        NOT NULL CHECK (kind IN ('snapshot', 'progress')),
      version         bigint,
      step_id         text,
      payload         jsonb       NOT NULL,
      state           text        NOT NULL DEFAULT 'pending'
                      CHECK (state IN ('pending', 'retrying', 'delivered', 'superseded', 'dead')),
      attempts        integer     NOT NULL DEFAULT 0,
      last_error      text,
      upstream_code   text,
      created_at      timestamptz NOT NULL DEFAULT now(),
      next_attempt_at timestamptz,
      done_at         timestamptz,
      CHECK ((kind = 'snapshot') = (version IS NOT NULL)),
      CHECK ((kind = 'progress') = (step_id IS NOT NULL))
    )`,
    // A progress step is delivered once per id, whatever the client resends.
    `CREATE UNIQUE INDEX outbox_step_uq ON outbox (target, dossier_code, step_id) WHERE kind = 'progress'`,
    `CREATE INDEX outbox_open_idx ON outbox (target, dossier_code, id) WHERE state IN ('pending', 'retrying')`,
    `CREATE INDEX outbox_open_age_idx ON outbox (created_at) WHERE state IN ('pending', 'retrying')`,
    `CREATE INDEX outbox_dead_idx ON outbox (target, done_at, id) WHERE state = 'dead'`,
    `CREATE TABLE sync_state (
      target            text        NOT NULL,
      dossier_code      text        NOT NULL,
      state             text        NOT NULL CHECK (state IN ('pending', 'retrying', 'delivered', 'dead')),
      delivered_version bigint,
      delivered_at      timestamptz,
      attempts          integer     NOT NULL DEFAULT 0,
      last_error        text,
      next_attempt_at   timestamptz,
      retry_job         text,
      lease_owner       text,
      lease_until       timestamptz,
      updated_at        timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (target, dossier_code)
    )`,
    'CREATE INDEX sync_state_state_idx ON sync_state (state, dossier_code)',
  ],
}
