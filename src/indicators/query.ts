/**
 * The read side: sums of the counters over a period and a scope, grouped by agency, procedure,
 * channel or day (or not at all), plus the live figures (overdue now, sync state) of the same
 * dossiers. Without a procedure the agency rollup is read (one row per agency, channel and day).
 */
import type { Queryable } from '../db/types.js'
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
const scope = (a: string, hasProcedure = true) => `${a}day BETWEEN $1::date AND $2::date AND ($3::text[] IS NULL OR ${a}agency_code LIKE ANY($3::text[]))
  AND ($4::text IS NULL OR ${a}agency_code LIKE $4) AND ${hasProcedure ? `($5::text IS NULL OR ${a}procedure_code = $5)` : '$5::text IS NULL'}`

const emptyLive = (): LiveFigures => ({ open: 0, overdue: 0, deliveries: 0, lagP50: null, lagP95: null, deadLetters: 0, behind: 0 })
const emptySums = (): Sums => Object.fromEntries([...COUNTERS, 'online'].map((c) => [c, 0])) as Sums

export async function queryIndicators(db: Queryable, q: IndicatorQuery, now = new Date()): Promise<IndicatorRow[]> {
  const byProcedure = q.procedure !== undefined || q.groupBy === 'procedure'
  const table = byProcedure ? 'indicator_daily' : 'indicator_agency_daily'
  // The rollup has no procedure column (and is read only when no procedure is asked for).
  const where = scope('', byProcedure)
  const key = KEY_OF[q.groupBy]
  const params = [q.from, q.to, q.allowed ?? null, q.agency ?? null, q.procedure ?? null]
  const sums = db.query<Record<string, string | number>>(
    `SELECT ${key('')} AS key, ${COUNTERS.map((c) => `sum(${c})::bigint AS ${c}`).join(', ')},
       coalesce(sum(received) FILTER (WHERE channel = 'online'), 0)::bigint AS online
     FROM ${table} WHERE ${where} GROUP BY ${groupOf(q.groupBy, '')}`, params)
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
