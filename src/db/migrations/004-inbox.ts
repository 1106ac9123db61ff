/**
 * Inbound events (DESIGN §4): the inbox, and one delivery row per event and subscribing one-stop
 * system. `seq` is assigned as last + 1 under an advisory lock held to commit (see
 * src/inbox/store.ts), so sequence order is commit order with no holes: the event feed's cursor
 * can never skip an event that commits late.
 */
import type { Migration } from './types.js'

export const inboxMigration: Migration = {
  id: 4,
  name: 'inbox',
  statements: [
    `CREATE TABLE inbox (
      seq          bigint      PRIMARY KEY CHECK (seq > 0),
      event_id     text        NOT NULL UNIQUE,
      source       text        NOT NULL,
      type         text        NOT NULL,
      agency_code  text,
      dossier_code text,
      body         jsonb       NOT NULL,
      routed       boolean     NOT NULL,
      received_at  timestamptz NOT NULL DEFAULT now()
    )`,
    'CREATE INDEX inbox_agency_idx ON inbox (agency_code, seq)',
    'CREATE INDEX inbox_unrouted_idx ON inbox (seq) WHERE NOT routed',
    `CREATE TABLE deliveries (
      subscriber      text        NOT NULL,
      seq             bigint      NOT NULL REFERENCES inbox (seq),
      ordering_key    text        NOT NULL,
      state           text        NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'retrying', 'delivered', 'dead')),
      attempts        integer     NOT NULL DEFAULT 0,
      last_status     integer,
      last_error      text,
      next_attempt_at timestamptz,
      created_at      timestamptz NOT NULL DEFAULT now(),
      done_at         timestamptz,
      PRIMARY KEY (subscriber, seq)
    )`,
    `CREATE INDEX deliveries_open_idx ON deliveries (subscriber, ordering_key, seq) WHERE state IN ('pending', 'retrying')`,
    `CREATE INDEX deliveries_open_age_idx ON deliveries (created_at) WHERE state IN ('pending', 'retrying')`,
    `CREATE INDEX deliveries_dead_idx ON deliveries (subscriber, done_at) WHERE state = 'dead'`,
    `CREATE TABLE delivery_leases (
      subscriber   text        NOT NULL,
      ordering_key text        NOT NULL,
      lease_owner  text,
      lease_until  timestamptz,
      PRIMARY KEY (subscriber, ordering_key)
    )`,
    `CREATE TABLE subscriber_state (
      subscriber      text        PRIMARY KEY,
      disabled_at     timestamptz,
      disabled_reason text
    )`,
  ],
}
