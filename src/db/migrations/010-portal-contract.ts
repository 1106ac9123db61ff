/**
 * The national portal contract (issue 12).
 *
 * Agency codes after a merger (src/agency-mapping.ts): a dossier keeps the code the one-stop
 * software sent beside the current one it is routed by (NULL when they are the same). And the
 * hub's own facts about a dossier (src/sync/hub-facts.ts) read the audit log by purpose = the
 * dossier's code, once per accept batch: indexed, so that read never scans the log.
 *
 * `portal_inbound`: every push the portal forwarded and every item pulled from it, raw, for
 * audit, with what became of it (`accepted` as event `event_id`, or `quarantined` with the
 * reason). `portal_payments`: payments started on the portal's payment platform, and the
 * callbacks already taken (a replayed callback is refused).
 */
import type { Migration } from './types.js'

export const portalContractMigration: Migration = {
  id: 10,
  name: 'portal-contract',
  statements: [
    'ALTER TABLE dossiers ADD COLUMN IF NOT EXISTS original_agency_code text',
    'CREATE INDEX IF NOT EXISTS audit_log_purpose_idx ON audit_log (purpose, connector) WHERE outcome = \'ok\'',
    `CREATE TABLE portal_inbound (
      id           bigserial   PRIMARY KEY,
      key          text        NOT NULL UNIQUE,
      channel      text        NOT NULL CHECK (channel IN ('forward', 'interlinked')),
      name         text        NOT NULL,
      state        text        NOT NULL CHECK (state IN ('accepted', 'quarantined')),
      reason       text,
      event_id     text,
      dossier_code text,
      raw          jsonb       NOT NULL,
      received_at  timestamptz NOT NULL DEFAULT now()
    )`,
    'CREATE INDEX portal_inbound_quarantined_idx ON portal_inbound (id) WHERE state = \'quarantined\'',
    // One poller at a time across replicas: the lease row of each pulled flow.
    `CREATE TABLE portal_poll_lease (
      name  text        PRIMARY KEY,
      owner text        NOT NULL,
      until timestamptz NOT NULL
    )`,
    `CREATE TABLE portal_payments (
      reference      text        PRIMARY KEY,
      dossier_code   text        NOT NULL,
      agency_code    text        NOT NULL,
      amount         bigint      NOT NULL CHECK (amount >= 0),
      state          text        NOT NULL CHECK (state IN ('started', 'pending', 'paid', 'failed')),
      transaction_id text,
      pay_url        text,
      client         text        NOT NULL,
      created_at     timestamptz NOT NULL DEFAULT now(),
      updated_at     timestamptz NOT NULL DEFAULT now()
    )`,
    'CREATE INDEX portal_payments_dossier_idx ON portal_payments (dossier_code, created_at DESC)',
    `CREATE TABLE portal_payment_callbacks (
      key         text        PRIMARY KEY,
      reference   text        NOT NULL,
      received_at timestamptz NOT NULL DEFAULT now()
    )`,
  ],
}
