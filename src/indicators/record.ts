/**
 * The write side of the indicator model: called inside the transaction that commits the change
 * (accept batch, inbox batch, axis document), never by a later scan.
 *
 * Dossiers: CTEs inside the accept batch's own write statement (no statement of their own),
 * whatever the batch's size. They read the contributions the dossiers' previous versions made
 * (`indicator_dossiers`), replace them, and add the difference (new − old, grouped by key) to every
 * sums table (daily and monthly rollups). The accept batch holds the dossiers' row locks
 * (`FOR UPDATE` / the insert), so no other transaction changes these dossiers' contributions
 * meanwhile. Events: one statement per batch that adds to every sums table.
 */
import type { Queryable } from '../db/types.js'
import { COUNTERS, DOSSIER_COUNTERS, NONE, type Counter, type DossierContribution } from './contribution.js'

const KEY = ['agency_code', 'procedure_code', 'channel', 'day'] as const

/**
 * The sums tables, each a rollup of the source rows by its key (migrations 013 and 015). `month`
 * tables key on the first day of the row's month. Kept in this order by every statement, so two
 * transactions lock shared rows in the same order.
 */
const SUMS_TABLES = [
  { table: 'indicator_agency_daily', key: ['agency_code', 'channel', 'day'], conflict: 'agency_code, day, channel' },
  { table: 'indicator_daily', key: KEY, conflict: 'agency_code, day, procedure_code, channel' },
  { table: 'indicator_monthly', key: ['agency_code', 'procedure_code', 'channel', 'month'], conflict: 'agency_code, month, procedure_code, channel' },
  { table: 'indicator_procedure_monthly', key: ['procedure_code', 'channel', 'month'], conflict: 'procedure_code, month, channel' },
] as const

/** Every table the model keeps (the rebuild empties them). */
export const MODEL_TABLES = ['indicator_dossiers', ...SUMS_TABLES.map((t) => t.table), 'indicator_edocs'] as const

const list = (cols: readonly string[], f: (c: string) => string) => cols.map(f).join(', ')
const addUp = (table: string, cols: readonly string[]) => list(cols, (c) => `${c} = ${table}.${c} + excluded.${c}`)

/**
 * CTEs (`<p>0` … `<p>3`) that add `source`'s rows (every key column of the daily table and the
 * counters) to every sums table with `INSERT … ON CONFLICT DO UPDATE`: one upsert per distinct key
 * of each table, whatever the number of source rows; keys whose sum is zero are left out. Rows go
 * in key order, so two replicas' batches lock shared rows in the same order.
 */
function addToSums(source: string, counters: readonly Counter[], p: string): string {
  const sums = list(counters, (c) => `sum(${c})::bigint AS ${c}`)
  const nonzero = counters.map((c) => `sum(${c}) <> 0`).join(' OR ')
  const rows = `(SELECT *, date_trunc('month', day::timestamp)::date AS month FROM ${source}) ${p}src`
  return SUMS_TABLES.map(({ table, key, conflict }, n) => `${p}${n} AS (
      INSERT INTO ${table} (${key.join(', ')}, ${counters.join(', ')})
      SELECT ${key.join(', ')}, ${sums} FROM ${rows} GROUP BY ${key.join(', ')} HAVING ${nonzero} ORDER BY ${key.join(', ')}
      ON CONFLICT (${conflict}) DO UPDATE SET ${addUp(table, counters)})`).join(',\n    ')
}

const RECORD_COLUMNS = `code text, agency_code text, procedure_code text, channel text, day date, due_at timestamptz, open boolean, ${list(DOSSIER_COUNTERS, (c) => `${c} bigint`)}`
const NONZERO = DOSSIER_COUNTERS.map((c) => `sum(${c}) <> 0`).join(' OR ')

/**
 * The dossier part as CTEs reading the contributions (JSON) from parameter `$<param>`: the
 * accept batch puts them in front of its own write statement, so the model costs the batch no
 * round trip of its own. The previous contributions are read by primary key (`= ANY`: never a
 * scan of the table, which a join of the JSON rows got while the table was small). The
 * difference of the contributions is grouped by key; keys whose difference is zero are left out.
 */
export function dossierCtes(param: number): string {
  return `ind_n AS (
    SELECT * FROM jsonb_to_recordset($${param}::jsonb) AS n(${RECORD_COLUMNS})),
  ind_o AS (
    SELECT i.* FROM indicator_dossiers i WHERE i.code = ANY (ARRAY(SELECT code FROM ind_n))),
  ind_replaced AS (
    INSERT INTO indicator_dossiers (code, agency_code, procedure_code, channel, day, due_at, open, ${DOSSIER_COUNTERS.join(', ')})
    SELECT code, agency_code, procedure_code, channel, day, due_at, open, ${DOSSIER_COUNTERS.join(', ')} FROM ind_n ORDER BY code
    ON CONFLICT (code) DO UPDATE SET agency_code = excluded.agency_code, procedure_code = excluded.procedure_code, channel = excluded.channel,
      day = excluded.day, due_at = excluded.due_at, open = excluded.open, ${list(DOSSIER_COUNTERS, (c) => `${c} = excluded.${c}`)}),
  ind_delta AS (
    SELECT ${KEY.join(', ')}, ${list(DOSSIER_COUNTERS, (c) => `sum(${c}) AS ${c}`)} FROM (
      SELECT ${KEY.join(', ')}, ${DOSSIER_COUNTERS.join(', ')} FROM ind_n
      UNION ALL
      SELECT ${KEY.join(', ')}, ${list(DOSSIER_COUNTERS, (c) => `-${c}`)} FROM ind_o) d
    GROUP BY ${KEY.join(', ')} HAVING ${NONZERO}),
  ${addToSums('ind_delta', DOSSIER_COUNTERS, 'ind_')}`
}

/** The parameter `dossierCtes` reads: the latest accepted version of each dossier (one per code). */
export function dossierParam(contributions: readonly DossierContribution[]): string {
  return JSON.stringify(contributions.map((c) => ({ code: c.code, agency_code: c.agency_code, procedure_code: c.procedure_code, channel: c.channel, day: c.day, due_at: c.due_at, open: c.open, ...c.counters })))
}

/** Records the latest version of each dossier (one per code) in one statement of its own (the rebuild). */
export async function recordDossiers(tx: Queryable, contributions: readonly DossierContribution[]): Promise<void> {
  if (contributions.length === 0) return
  await tx.query(`WITH ${dossierCtes(1)} SELECT 1`, [dossierParam(contributions)])
}

/** A count added by another path (an axis document, a feedback event). */
export interface EventCount {
  agency: string
  procedure?: string
  channel?: string
  day: string
  counters: Partial<Record<(typeof COUNTERS)[number], number>>
}

/** Adds event counts to every sums table, in one statement. */
export async function recordEvents(tx: Queryable, counts: readonly EventCount[]): Promise<void> {
  if (counts.length === 0) return
  const used = COUNTERS.filter((c) => counts.some((e) => e.counters[c] !== undefined))
  const rows = counts.map((e) => ({
    agency_code: e.agency, procedure_code: e.procedure ?? NONE, channel: e.channel ?? NONE, day: e.day,
    ...Object.fromEntries(used.map((c) => [c, e.counters[c] ?? 0])),
  }))
  await tx.query(
    `WITH n AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS n(agency_code text, procedure_code text, channel text, day date, ${list(used, (c) => `${c} bigint`)})),
     ${addToSums('n', used, 'ev_')} SELECT 1`,
    [JSON.stringify(rows)],
  )
}

/**
 * Feedback: each new `feedback.submitted` event counts once, on the agency and day it names, with
 * the procedure and channel of its dossier when the hub knows the dossier (else `-`).
 */
export async function recordFeedback(tx: Queryable, events: ReadonlyArray<{ agency: string; dossierCode: string | null; rating: number; day: string }>): Promise<void> {
  if (events.length === 0) return
  const codes = [...new Set(events.flatMap((e) => (e.dossierCode === null ? [] : [e.dossierCode])))]
  const known = new Map<string, { procedure_code: string; channel: string }>()
  if (codes.length > 0) {
    const { rows } = await tx.query<{ code: string; procedure_code: string; channel: string }>(
      'SELECT code, procedure_code, channel FROM indicator_dossiers WHERE code = ANY($1::text[])', [codes])
    for (const r of rows) known.set(r.code, r)
  }
  await recordEvents(tx, events.map((e) => {
    const d = e.dossierCode === null ? undefined : known.get(e.dossierCode)
    return {
      agency: e.agency, day: e.day, ...(d && { procedure: d.procedure_code, channel: d.channel }),
      counters: { feedback: 1, feedback_satisfied: e.rating >= SATISFIED_RATING ? 1 : 0, feedback_rating_sum: e.rating },
    }
  }))
}

/** A rating of 4 or 5 (of 5) counts as satisfied (docs/indicators.md). */
export const SATISFIED_RATING = 4

/** Axis status codes that say the recipient has the document (01 arrived, 03 accepted … 06 finished; not 02 refused). */
export const RECEIVED_STATUS_CODES: ReadonlySet<string> = new Set(['01', '03', '04', '05', '06'])

/** An outgoing axis document was stored: it counts as sent, on its sender's agency and day. */
export async function recordEdocSent(tx: Queryable, edocId: string, agency: string, day: string): Promise<void> {
  const { rows } = await tx.query<{ edoc_id: string }>(
    'INSERT INTO indicator_edocs (edoc_id, agency_code, day) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING edoc_id', [edocId, agency, day])
  if (rows.length > 0) await recordEvents(tx, [{ agency, day, counters: { edocs_sent: 1 } }])
}

/** A recipient reported a status on a document we sent: the first "received" status counts it, once. */
export async function recordEdocStatus(tx: Queryable, edocId: string, statusCode: string): Promise<void> {
  if (!RECEIVED_STATUS_CODES.has(statusCode)) return
  const { rows } = await tx.query<{ agency_code: string; day: string }>(
    `UPDATE indicator_edocs SET received = true WHERE edoc_id = $1 AND NOT received RETURNING agency_code, to_char(day, 'YYYY-MM-DD') AS day`, [edocId])
  if (rows[0]) await recordEvents(tx, [{ agency: rows[0].agency_code, day: rows[0].day, counters: { edocs_received: 1 } }])
}
