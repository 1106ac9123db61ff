/**
 * Live service indicators (issue 14, docs/indicators.md): counters the accept, inbox and edocs
 * paths add to in the transaction that commits the change, so a period or a level (province,
 * agency, commune) is a sum and no nightly scan of raw tables is needed.
 *
 * - `indicator_dossiers`: what each dossier's latest accepted version counts for (its key and its
 *   0/1 counters). A new version subtracts the old contribution and adds the new one, in one
 *   statement per accept batch (src/indicators/record.ts).
 * - `indicator_daily`: the sums per (current agency code, procedure, channel, day). `-` stands
 *   for "none" (an axis document has no procedure or channel).
 * - `indicator_agency_daily`: the same without the procedure, kept by the same statement, so a
 *   province-wide year reads one row per agency, channel and day instead of one per procedure.
 * - `indicator_edocs`: documents sent over the axis, and whether a recipient reported it
 *   received (a status 01, 03–06 counts once).
 *
 * The sums are `integer` (PostgreSQL adds int4 in int8, where a bigint sum goes through
 * numeric: several times slower over a year's rows); the seconds of handling are `bigint`.
 *
 * Day = the Vietnam-time (UTC+7) date of `receivedAt` for dossiers (Decision 766: NgayTiepNhan in
 * the period), of `submittedAt` for feedback, of the sending for axis documents.
 */
import type { Migration } from './types.js'

const DOSSIER_COUNTERS = `
      received          integer NOT NULL DEFAULT 0,
      finished          integer NOT NULL DEFAULT 0,
      finished_due      integer NOT NULL DEFAULT 0,
      on_time           integer NOT NULL DEFAULT 0,
      handling_seconds  bigint  NOT NULL DEFAULT 0,
      completed         integer NOT NULL DEFAULT 0,
      results_digitized integer NOT NULL DEFAULT 0,
      digitized_intake  integer NOT NULL DEFAULT 0,
      fee_dossiers      integer NOT NULL DEFAULT 0,
      paid_online       integer NOT NULL DEFAULT 0,
      reuse_dossiers    integer NOT NULL DEFAULT 0,
      papers            integer NOT NULL DEFAULT 0,
      papers_reused     integer NOT NULL DEFAULT 0,
      db_population     integer NOT NULL DEFAULT 0,
      db_business       integer NOT NULL DEFAULT 0,
      db_connections    integer NOT NULL DEFAULT 0`

export const SUMS = `${DOSSIER_COUNTERS},
      edocs_sent        integer NOT NULL DEFAULT 0,
      edocs_received    integer NOT NULL DEFAULT 0,
      feedback          integer NOT NULL DEFAULT 0,
      feedback_satisfied integer NOT NULL DEFAULT 0,
      feedback_rating_sum bigint NOT NULL DEFAULT 0`

export const indicatorsMigration: Migration = {
  id: 13,
  name: 'indicators',
  statements: [
    `CREATE TABLE indicator_dossiers (
      code           text        PRIMARY KEY,
      agency_code    text        NOT NULL,
      procedure_code text        NOT NULL,
      channel        text        NOT NULL,
      day            date        NOT NULL,
      due_at         timestamptz,
      open           boolean     NOT NULL,${DOSSIER_COUNTERS}
    )`,
    // "Overdue now": the open dossiers of a period, without reading the closed ones (covering).
    'CREATE INDEX indicator_dossiers_open_idx ON indicator_dossiers (day, agency_code, procedure_code, channel, due_at) WHERE open',
    `CREATE TABLE indicator_daily (
      agency_code    text NOT NULL,
      procedure_code text NOT NULL,
      channel        text NOT NULL,
      day            date NOT NULL,${SUMS},
      PRIMARY KEY (agency_code, day, procedure_code, channel)
    )`,
    'CREATE INDEX indicator_daily_procedure_idx ON indicator_daily (procedure_code, day)',
    `CREATE TABLE indicator_agency_daily (
      agency_code text NOT NULL,
      channel     text NOT NULL,
      day         date NOT NULL,${SUMS},
      PRIMARY KEY (agency_code, day, channel)
    )`,
    'CREATE INDEX indicator_agency_daily_day_idx ON indicator_agency_daily (day)',
    `CREATE TABLE indicator_edocs (
      edoc_id     text    PRIMARY KEY,
      agency_code text    NOT NULL,
      day         date    NOT NULL,
      received    boolean NOT NULL DEFAULT false
    )`,
    // Sync lag over a period reads the delivered snapshots of that period only.
    `CREATE INDEX IF NOT EXISTS outbox_delivered_done_idx ON outbox (done_at) WHERE state = 'delivered' AND kind = 'snapshot'`,
  ],
}
