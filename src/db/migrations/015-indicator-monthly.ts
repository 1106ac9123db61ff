/**
 * Monthly rollups of the indicator sums (issue 14, docs/indicators.md), kept by the same
 * statements that keep the daily sums (src/indicators/record.ts: one upsert per distinct key per
 * batch, in the committing transaction), so a year is read as twelve months instead of 365 days:
 *
 * - `indicator_monthly`: per (current agency code, procedure, channel, month). A procedure or an
 *   agency scope over whole months (one popular procedure by agency over a year: a few thousand
 *   rows instead of its ~100,000 daily ones).
 * - `indicator_procedure_monthly`: per (procedure, channel, month), the whole province. A
 *   province-wide year grouped by procedure (or channel, or not at all) reads ~15,000 rows
 *   instead of 1.45 million daily ones for the benchmark's 2 million dossiers.
 *
 * Month = the first day of the Vietnam-time month of the row's day. The query
 * (src/indicators/query.ts) reads these for the whole months of a period and the daily tables
 * for the partial months at its edges; the sums are integers, so the answer is the same.
 * Existing daily sums are rolled up once here (an install that already has data). The daily
 * sums get an index by day, for those edges.
 */
import type { Migration } from './types.js'
import { SUMS } from './013-indicators.js'

/** The columns of SUMS (migration 013), as that migration shipped them. */
const COUNTERS = [
  'received', 'finished', 'finished_due', 'on_time', 'handling_seconds', 'completed', 'results_digitized', 'digitized_intake', 'fee_dossiers',
  'paid_online', 'reuse_dossiers', 'papers', 'papers_reused', 'db_population', 'db_business', 'db_connections',
  'edocs_sent', 'edocs_received', 'feedback', 'feedback_satisfied', 'feedback_rating_sum',
]
const sums = COUNTERS.map((c) => `sum(${c})`).join(', ')
const MONTH = `date_trunc('month', day::timestamp)::date`

export const indicatorMonthlyMigration: Migration = {
  id: 15,
  name: 'indicator-monthly',
  statements: [
    `CREATE TABLE indicator_monthly (
      agency_code    text NOT NULL,
      procedure_code text NOT NULL,
      channel        text NOT NULL,
      month          date NOT NULL,${SUMS},
      PRIMARY KEY (agency_code, month, procedure_code, channel)
    )`,
    'CREATE INDEX indicator_monthly_procedure_idx ON indicator_monthly (procedure_code, month)',
    `CREATE TABLE indicator_procedure_monthly (
      procedure_code text NOT NULL,
      channel        text NOT NULL,
      month          date NOT NULL,${SUMS},
      PRIMARY KEY (procedure_code, month, channel)
    )`,
    'CREATE INDEX indicator_procedure_monthly_month_idx ON indicator_procedure_monthly (month)',
    // The partial months at a period's edges are read from the daily sums by day, whatever the
    // agency or procedure (the primary key leads with the agency: without this, a scan of all).
    'CREATE INDEX indicator_daily_day_idx ON indicator_daily (day)',
    `INSERT INTO indicator_monthly (agency_code, procedure_code, channel, month, ${COUNTERS.join(', ')})
     SELECT agency_code, procedure_code, channel, ${MONTH}, ${sums} FROM indicator_daily GROUP BY 1, 2, 3, 4`,
    `INSERT INTO indicator_procedure_monthly (procedure_code, channel, month, ${COUNTERS.join(', ')})
     SELECT procedure_code, channel, ${MONTH}, ${sums} FROM indicator_daily GROUP BY 1, 2, 3`,
  ],
}
