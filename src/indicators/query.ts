/**
 * The read side: sums of the counters over a period and a scope, grouped by agency, procedure,
 * channel or day (or not at all), plus the live figures (overdue now, sync state) of the same
 * dossiers. The sums come from the smallest tables that hold the needed columns (`planParts`):
 * the monthly rollups for the whole months of the period, the daily tables for the partial
 * months at its edges (and for a grouping by day).
 */
import type { Db, Queryable } from '../db/types.js'
import { COUNTERS, NONE } from './contribution.js'
import { computeIndicators, type IndicatorId, type IndicatorValue, type LiveFigures, type Sums } from './definitions.js'

export const GROUP_BY = ['agency', 'procedure', 'channel', 'day', 'none'] as const
export type GroupBy = (typeof GROUP_BY)[number]

export interface IndicatorQuery {
  from: string
  to: string
  groupBy: GroupBy
  /** An agency code or pattern (`*` = any characters, `*.H48` = a province), as a LIKE pattern. */
  agency?: string
  procedure?: string
  /** The client's agencies as LIKE patterns; undefined = every agency. */
  allowed?: string[]
  /** Dossier targets whose sync state counts (the portal). */
  targets: readonly string[]
}

export interface IndicatorRow {
  key: string
  indicators: Record<IndicatorId, IndicatorValue>
}

const KEY_OF: Record<GroupBy, (alias: string) => string> = {
  agency: (a) => `${a}agency_code`,
  procedure: (a) => `${a}procedure_code`,
  channel: (a) => `${a}channel`,
  day: (a) => `to_char(${a}day, 'YYYY-MM-DD')`,
  none: () => `'all'`,
}

/** Grouped by the column itself: the day is formatted once per group, not once per row. */
const groupOf = (groupBy: GroupBy, a: string) => (groupBy === 'day' ? `${a}day` : '1')

/** $1 from, $2 to, $3 allowed patterns, $4 agency pattern, $5 procedure. */
const scope = (a: string) => `${a}day BETWEEN $1::date AND $2::date AND ($3::text[] IS NULL OR ${a}agency_code LIKE ANY($3::text[]))
  AND ($4::text IS NULL OR ${a}agency_code LIKE $4) AND ($5::text IS NULL OR ${a}procedure_code = $5)`

/** A sums table: its date column and which key columns it has. */
interface SumsTable { table: string; column: 'day' | 'month'; agency: boolean; procedure: boolean }
const DAILY: SumsTable = { table: 'indicator_daily', column: 'day', agency: true, procedure: true }
const AGENCY_DAILY: SumsTable = { table: 'indicator_agency_daily', column: 'day', agency: true, procedure: false }
const MONTHLY: SumsTable = { table: 'indicator_monthly', column: 'month', agency: true, procedure: true }
const PROCEDURE_MONTHLY: SumsTable = { table: 'indicator_procedure_monthly', column: 'month', agency: false, procedure: true }

/** One part of a period, read from one table: its days (or the first days of its months), both included. */
export interface Part extends SumsTable { from: string; to: string }

const DAY_MS = 86_400_000
const utc = (day: string) => Date.parse(`${day}T00:00:00Z`)
const dayOf = (t: number) => new Date(t).toISOString().slice(0, 10)
const monthStart = (t: number, add = 0) => {
  const d = new Date(t)
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + add, 1)
}

/**
 * The whole calendar months inside [from, to]: the first day of the first and of the last, and
 * the first day after them; undefined when there is none.
 */
export function wholeMonths(from: string, to: string): { first: string; last: string; after: string } | undefined {
  const f = utc(from)
  const t = utc(to)
  if (Number.isNaN(f) || Number.isNaN(t)) return undefined
  const first = monthStart(f) === f ? f : monthStart(f, 1)
  const after = monthStart(t + DAY_MS) === t + DAY_MS ? t + DAY_MS : monthStart(t)
  return first < after ? { first: dayOf(first), last: dayOf(monthStart(after, -1)), after: dayOf(after) } : undefined
}

type PartsQuery = Pick<IndicatorQuery, 'from' | 'to' | 'groupBy' | 'agency' | 'procedure' | 'allowed'>
const needsProcedure = (q: PartsQuery) => q.procedure !== undefined || q.groupBy === 'procedure'

/** The daily tables only, whatever the period (what the rollups must agree with, by test). */
export const dailyParts = (q: PartsQuery): Part[] => [{ ...(needsProcedure(q) ? DAILY : AGENCY_DAILY), from: q.from, to: q.to }]

/**
 * The tables a query reads, and for which days: the monthly rollup with the fewest rows that
 * still has the needed key columns for the whole months (the province-wide one when nothing
 * is asked per agency), the daily table for the days before and after them. Grouped by day, or
 * per agency without a procedure (the agency rollup is already small), the daily table only.
 */
export function planParts(q: PartsQuery): Part[] {
  const procedure = needsProcedure(q)
  const agency = q.agency !== undefined || q.allowed !== undefined || q.groupBy === 'agency'
  const daily = procedure ? DAILY : AGENCY_DAILY
  const monthly = q.groupBy === 'day' ? undefined : !agency ? PROCEDURE_MONTHLY : procedure ? MONTHLY : undefined
  const months = monthly && wholeMonths(q.from, q.to)
  if (!monthly || !months) return [{ ...daily, from: q.from, to: q.to }]
  return [
    ...(q.from < months.first ? [{ ...daily, from: q.from, to: dayOf(utc(months.first) - DAY_MS) }] : []),
    { ...monthly, from: months.first, to: months.last },
    ...(months.after <= q.to ? [{ ...daily, from: months.after, to: q.to }] : []),
  ]
}

/**
 * The sums of a period as one statement: each part summed from its table, the parts added up per
 * key. Parameters: $1 allowed patterns, $2 agency pattern, $3 procedure, then each part's days.
 */
function sumsStatement(q: IndicatorQuery, parts: readonly Part[]): { text: string; values: unknown[] } {
  const key = KEY_OF[q.groupBy]
  const values: unknown[] = [q.allowed ?? null, q.agency ?? null, q.procedure ?? null]
  const selects = parts.map((p) => {
    values.push(p.from, p.to)
    const agency = p.agency
      ? `($1::text[] IS NULL OR agency_code LIKE ANY($1::text[])) AND ($2::text IS NULL OR agency_code LIKE $2)`
      : '$1::text[] IS NULL AND $2::text IS NULL'
    const procedure = p.procedure ? '($3::text IS NULL OR procedure_code = $3)' : '$3::text IS NULL'
    return `SELECT ${key('')} AS key, ${COUNTERS.map((c) => `sum(${c})::bigint AS ${c}`).join(', ')},
       coalesce(sum(received) FILTER (WHERE channel = 'online'), 0)::bigint AS online
     FROM ${p.table} WHERE ${p.column} BETWEEN $${values.length - 1}::date AND $${values.length}::date AND ${agency} AND ${procedure}
     GROUP BY ${groupOf(q.groupBy, '')}`
  })
  const text = selects.length === 1 ? selects[0]! : `SELECT key, ${[...COUNTERS, 'online'].map((c) => `sum(${c})::bigint AS ${c}`).join(', ')}
     FROM (${selects.join('\n     UNION ALL ')}) parts GROUP BY key`
  return { text, values }
}

/**
 * Runs `read` without parallel workers on PostgreSQL. The sums read a few thousand rollup rows,
 * or a few weeks of daily rows: a parallel plan's worker start-up cost more than it saved (one
 * procedure's year, the partial months at both edges: 157–199 ms parallel, 43 ms serial on the
 * loaded benchmark machine). PGlite has no parallel workers.
 */
function serial<T>(db: Queryable | Db, read: (tx: Queryable) => Promise<T>): Promise<T> {
  if (!('kind' in db) || db.kind !== 'postgres') return read(db)
  return db.transaction(async (tx) => {
    await tx.query('SET LOCAL max_parallel_workers_per_gather = 0')
    return read(tx)
  })
}

const emptyLive = (): LiveFigures => ({ open: 0, overdue: 0, deliveries: 0, lagP50: null, lagP95: null, deadLetters: 0, behind: 0 })
const emptySums = (): Sums => Object.fromEntries([...COUNTERS, 'online'].map((c) => [c, 0])) as Sums

/** `plan` chooses the tables (default: the rollups for whole months, `planParts`). */
export async function queryIndicators(db: Queryable | Db, q: IndicatorQuery, now = new Date(), plan: (q: PartsQuery) => Part[] = planParts): Promise<IndicatorRow[]> {
  const key = KEY_OF[q.groupBy]
  const params = [q.from, q.to, q.allowed ?? null, q.agency ?? null, q.procedure ?? null]
  const statement = sumsStatement(q, plan(q))
  const sums = serial(db, (tx) => tx.query<Record<string, string | number>>(statement.text, statement.values))
  const d = 'i.'
  const open = db.query<{ key: string; open: number; overdue: number }>(
    `SELECT ${key(d)} AS key, count(*)::int AS open, (count(*) FILTER (WHERE i.due_at < $6))::int AS overdue
     FROM indicator_dossiers i WHERE i.open AND ${scope(d)} GROUP BY ${groupOf(q.groupBy, d)}`, [...params, now])
  const lag = db.query<{ key: string; n: number; p50: number | null; p95: number | null }>(
    `SELECT ${key(d)} AS key, count(*)::int AS n,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM o.done_at - o.created_at)) AS p50,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM o.done_at - o.created_at)) AS p95
     FROM outbox o JOIN indicator_dossiers i ON i.code = o.dossier_code
     WHERE o.state = 'delivered' AND o.kind = 'snapshot' AND o.target = ANY($6::text[]) AND ${scope(d)} GROUP BY ${groupOf(q.groupBy, d)}`, [...params, q.targets])
  const state = db.query<{ key: string; behind: number; dead: number }>(
    `SELECT key, (count(DISTINCT code) FILTER (WHERE dead = 0))::int AS behind, sum(dead)::int AS dead FROM (
       SELECT ${key(d)} AS key, i.code, 0 AS dead FROM sync_state s JOIN indicator_dossiers i ON i.code = s.dossier_code
       WHERE s.state IN ('pending', 'retrying', 'dead') AND s.target = ANY($6::text[]) AND ${scope(d)}
       UNION ALL
       SELECT ${key(d)}, i.code, 1 FROM outbox o JOIN indicator_dossiers i ON i.code = o.dossier_code
       WHERE o.state = 'dead' AND o.target = ANY($6::text[]) AND ${scope(d)}) x GROUP BY key`, [...params, q.targets])
  const [s, o, l, st] = await Promise.all([sums, open, lag, state])

  const rows = new Map<string, { sums: Sums; live: LiveFigures }>()
  const row = (k: string) => {
    let r = rows.get(k)
    if (!r) rows.set(k, (r = { sums: emptySums(), live: emptyLive() }))
    return r
  }
  for (const r of s.rows) {
    const target = row(String(r.key)).sums
    for (const c of [...COUNTERS, 'online'] as const) target[c] = Number(r[c])
  }
  for (const r of o.rows) Object.assign(row(r.key).live, { open: r.open, overdue: r.overdue })
  for (const r of l.rows) Object.assign(row(r.key).live, { deliveries: r.n, lagP50: r.p50 === null ? null : Number(r.p50), lagP95: r.p95 === null ? null : Number(r.p95) })
  for (const r of st.rows) Object.assign(row(r.key).live, { behind: r.behind, deadLetters: r.dead })
  if (q.groupBy === 'none') row('all')
  return [...rows.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, r]) => ({ key: k, indicators: computeIndicators(r.sums, r.live) }))
}

/** Agency codes (or client patterns) in the API's `*` form → SQL LIKE patterns. */
export const likePattern = (pattern: string) => pattern.replace(/[\\%_]/g, '\\$&').replace(/\*/g, '%')
export { NONE }
