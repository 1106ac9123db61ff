/** What operators and the one-stop software read back: a dossier with its sync state per target, and listings. */
import type { Db } from '../db/types.js'

export type SyncStateName = 'pending' | 'retrying' | 'delivered' | 'dead'

export interface TargetSync {
  state: SyncStateName
  attempts: number
  lastError: string | null
  deliveredVersion: number | null
  deliveredAt: string | null
  nextAttemptAt: string | null
  /** Progress steps by delivery state. */
  steps: { open: number; delivered: number; dead: number }
}

export interface DossierView {
  code: string
  version: number
  status: string
  agencyCode: string
  /** The code the one-stop software sent, when the merger mapping replaced it; else null. */
  originalAgencyCode: string | null
  acceptedAt: string
  snapshot: Record<string, unknown>
  sync: Record<string, TargetSync>
}

const iso = (d: Date | null) => (d === null ? null : d.toISOString())

interface SyncRow {
  target: string
  dossier_code: string
  state: SyncStateName
  attempts: number
  last_error: string | null
  delivered_version: number | null
  delivered_at: Date | null
  next_attempt_at: Date | null
}

/**
 * Both tables are keyed by target first ((target, dossier_code) in sync_state, outbox_step_uq),
 * and nothing indexes a dossier code alone: looked up by codes only, each read scanned all of
 * sync_state and the outbox (60 ms and 180 ms with 1M dossiers and 3M outbox rows, on every
 * GET /v1/dossiers and /v1/dossiers/{code}; scripts/sync-scale-check.ts). So the targets come first, from a skip scan of
 * sync_state's primary key (one probe per target, a handful), and both lookups give the target.
 * Step counts are only read for the targets a dossier has a sync state for: the only ones shown.
 */
const STATES = `
  WITH RECURSIVE t(target) AS (
    (SELECT target FROM sync_state ORDER BY target LIMIT 1)
    UNION ALL
    SELECT (SELECT s.target FROM sync_state s WHERE s.target > t.target ORDER BY s.target LIMIT 1) FROM t WHERE t.target IS NOT NULL)
  SELECT target, dossier_code, state, attempts, last_error, delivered_version, delivered_at, next_attempt_at
  FROM sync_state WHERE target = ANY(ARRAY(SELECT target FROM t WHERE target IS NOT NULL)) AND dossier_code = ANY($1::text[])`

async function syncFor(db: Db, codes: string[]): Promise<Map<string, Record<string, TargetSync>>> {
  const out = new Map<string, Record<string, TargetSync>>()
  if (codes.length === 0) return out
  const states = await db.query<SyncRow>(STATES, [codes])
  if (states.rows.length === 0) return out
  const targets = [...new Set(states.rows.map((r) => r.target))]
  const steps = await db.query<{ target: string; dossier_code: string; open: number; delivered: number; dead: number }>(
    `SELECT target, dossier_code,
       count(*) FILTER (WHERE state IN ('pending', 'retrying'))::int AS open,
       count(*) FILTER (WHERE state = 'delivered')::int AS delivered,
       count(*) FILTER (WHERE state = 'dead')::int AS dead
     FROM outbox WHERE kind = 'progress' AND target = ANY($2::text[]) AND dossier_code = ANY($1::text[]) GROUP BY target, dossier_code`,
    [codes, targets],
  )
  const stepKey = (t: string, c: string) => `${t}\u0000${c}`
  const stepMap = new Map(steps.rows.map((r) => [stepKey(r.target, r.dossier_code), { open: r.open, delivered: r.delivered, dead: r.dead }]))
  for (const r of states.rows) {
    const entry = out.get(r.dossier_code) ?? {}
    entry[r.target] = {
      state: r.state,
      attempts: r.attempts,
      lastError: r.last_error,
      deliveredVersion: r.delivered_version,
      deliveredAt: iso(r.delivered_at),
      nextAttemptAt: iso(r.next_attempt_at),
      steps: stepMap.get(stepKey(r.target, r.dossier_code)) ?? { open: 0, delivered: 0, dead: 0 },
    }
    out.set(r.dossier_code, entry)
  }
  return out
}

interface DossierRow {
  code: string
  version: number
  status: string
  agency_code: string
  original_agency_code: string | null
  accepted_at: Date
  snapshot: Record<string, unknown>
}

export async function getDossier(db: Db, code: string): Promise<DossierView | null> {
  const { rows } = await db.query<DossierRow>('SELECT code, version, status, agency_code, original_agency_code, accepted_at, snapshot FROM dossiers WHERE code = $1', [code])
  const row = rows[0]
  if (!row) return null
  const sync = await syncFor(db, [code])
  return { code: row.code, version: row.version, status: row.status, agencyCode: row.agency_code, originalAgencyCode: row.original_agency_code, acceptedAt: row.accepted_at.toISOString(), snapshot: row.snapshot, sync: sync.get(code) ?? {} }
}

export interface ListQuery {
  syncState?: SyncStateName
  target?: string
  /** SQL LIKE patterns of the agencies the caller may see (see agencies.ts); undefined = all. */
  agencies?: string[]
  /** Keyset cursor: the last code of the previous page. */
  after?: string
  limit: number
}

type ListRow = Omit<DossierRow, 'snapshot'>

/** What one walk found: up to `want` rows in code order, and how far it looked. */
interface Walk {
  rows: ListRow[]
  /** The last code it walked (every dossier up to it was looked at); null: it walked to the end. */
  walkedTo: string | null
}

const COLUMNS = 'd.code, d.version, d.status, d.agency_code, d.original_agency_code, d.accepted_at'

/**
 * Dossier `d` of each code `code` (a column of the walk), probed by primary key one at a time
 * (OFFSET 0 keeps the planner from joining otherwise: over a window's range it took a merge join
 * that read the dossiers from the start of the table). Order by the walk's column, which the
 * planner knows is in order: by `d.code` it would sort the whole walk first.
 */
const probe = (code: string, filter: string) => `CROSS JOIN LATERAL (SELECT ${COLUMNS} FROM dossiers d WHERE d.code = ${code}${filter} OFFSET 0) d`

/** `$n` placeholders for one statement. */
function placeholders() {
  const params: unknown[] = []
  const p = (v: unknown) => {
    params.push(v)
    return `$${params.length}`
  }
  return { params, p }
}

/** The sync-state condition on dossier `d` (EXISTS: a dossier has a row per target). */
function inStateSql(p: (v: unknown) => string, q: ListQuery): string {
  if (q.syncState === undefined) return ''
  const by = ['s.dossier_code = d.code', `s.state = ${p(q.syncState)}`]
  if (q.target !== undefined) by.push(`s.target = ${p(q.target)}`)
  return ` AND EXISTS (SELECT 1 FROM sync_state s WHERE ${by.join(' AND ')})`
}

/**
 * The first `n` codes after the cursor of the dossiers of the agencies the patterns match (and,
 * given `inState`, in that state), read agency by agency from `dossiers_agency_idx (agency_code,
 * code)`: an agency pattern (`*.H44` → `%.H44`) starts with a wildcard, so no index finds the
 * dossiers it matches, and walking all dossiers in code order skipping the other agencies' read
 * most of the table for a client whose agencies sort late. A CTE chain yielding `page(i, codes)`,
 * the last row's `codes` the answer:
 *
 * 1. `agencies`: the distinct agency codes, by a skip scan of the index (one probe per agency:
 *    hundreds to a few thousand in a province), kept when they match a pattern: the same LIKE as
 *    the walk in code order, on the same values.
 * 2. `firsts`: per matched agency its first dossier after the cursor (one probe each), the
 *    agencies sorted by it. In any state: looking for the first in the state would read to its
 *    end an agency with none (a target that delivered none of its dossiers), where the merge
 *    may never come to it.
 * 3. `page`: a merge of the agencies in that order keeping the `n` smallest codes seen. A step
 *    reads at most `n` codes of the next agency (given `inState`, stepping over its dossiers in
 *    other states), below the `n`-th code once there are `n`, and the merge stops at the first
 *    agency whose first dossier comes after that: every later one starts later still. Where a
 *    dossier code begins with its agency code (each agency's dossiers are one range of codes)
 *    that is `n` codes and one probe per agency; where agencies interleave, at most `n` agencies
 *    of `n` codes, usually far less (the bound drops as agencies merge). The array is sorted only
 *    when an agency's codes do not all come after it.
 */
function agencyCodes(p: (v: unknown) => string, agencies: string[], after: string | undefined, n: number, inState: string): string {
  const lim = `${p(n)}::int`
  const from = after !== undefined ? ` AND d.code > ${p(after)}` : ''
  const next = `FROM dossiers d WHERE d.agency_code = f.agency[p.i + 1] AND d.code >= f.first[p.i + 1]${inState}`
  return `agencies(code) AS (
      (SELECT agency_code FROM dossiers ORDER BY agency_code LIMIT 1)
      UNION ALL
      SELECT (SELECT d.agency_code FROM dossiers d WHERE d.agency_code > a.code ORDER BY d.agency_code LIMIT 1)
      FROM agencies a WHERE a.code IS NOT NULL),
    firsts AS MATERIALIZED (
      SELECT array_agg(a.code ORDER BY f.code) AS agency, array_agg(f.code ORDER BY f.code) AS first
      FROM agencies a CROSS JOIN LATERAL (
        SELECT d.code FROM dossiers d WHERE d.agency_code = a.code${from} ORDER BY d.code LIMIT 1) f
      WHERE a.code LIKE ANY(${p(agencies)}::text[])),
    page(i, codes) AS (
      SELECT 0, ARRAY[]::text[]
      UNION ALL
      SELECT p.i + 1,
        CASE WHEN cardinality(n.codes) = 0 THEN p.codes
          WHEN cardinality(p.codes) = 0 OR n.codes[1] > p.codes[cardinality(p.codes)] THEN (p.codes || n.codes)[1:${lim}]
          ELSE ARRAY(SELECT c FROM unnest(p.codes || n.codes) c ORDER BY c LIMIT ${lim}) END
      FROM page p CROSS JOIN firsts f CROSS JOIN LATERAL (SELECT ARRAY(SELECT x.code FROM (
        -- Below the n-th code once there are n (an index bound; NULL, so nothing, until then)…
        (SELECT d.code ${next} AND d.code < p.codes[${lim}] ORDER BY d.code LIMIT ${lim})
        UNION ALL
        -- …else the agency's first n.
        (SELECT d.code ${next} AND cardinality(p.codes) < ${lim} ORDER BY d.code LIMIT ${lim})) x ORDER BY x.code) AS codes
        OFFSET 0) n
      WHERE p.i < cardinality(f.agency) AND (cardinality(p.codes) < ${lim} OR f.first[p.i + 1] < p.codes[${lim}]))`
}

/** The last `page` row's codes as rows `w(code)`. */
const PAGE_CODES = 'w AS (SELECT unnest(codes) AS code FROM (SELECT codes FROM page ORDER BY i DESC LIMIT 1) l)'

/** By agency: the first `want` dossiers after the cursor of the agencies (in the state, if any). */
async function byAgency(db: Db, q: Restricted, after: string | undefined, want: number): Promise<ListRow[]> {
  const { params, p } = placeholders()
  const sql = `WITH RECURSIVE ${agencyCodes(p, q.agencies, after, want, inStateSql(p, q))}, ${PAGE_CODES}
    SELECT ${COLUMNS} FROM w ${probe('w.code', '')} ORDER BY d.code`
  return (await db.query<ListRow>(sql, params)).rows
}

/**
 * A walk that looks at no more than `window` dossiers. `looked` (CTE text ending in `w(code)`: at
 * most `window` codes, all of them read, cheap: index only) is what it looks at; `rows` (text
 * seeing `x.last`, the last of them) the rows it keeps, up to `want`, in code order.
 */
async function windowed(db: Db, params: unknown[], looked: string, rows: string, window: number): Promise<Walk> {
  const sql = `${looked}
    SELECT x.looked, x.last, m.* FROM (SELECT count(*)::int AS looked, max(code) AS last FROM w) x
    LEFT JOIN LATERAL (${rows}) m ON true ORDER BY m.code`
  const result = await db.query<ListRow & { looked: number; last: string | null }>(sql, params)
  const { looked: n, last } = result.rows[0]!
  return { rows: result.rows.filter((r) => r.code !== null).map(({ looked: _l, last: _t, ...row }) => row), walkedTo: n < window ? null : last }
}

/** By agency, looking at `window` dossiers of the agencies at most, whatever their state. */
async function byAgencyWindow(db: Db, q: Restricted, after: string | undefined, want: number, window: number): Promise<Walk> {
  const { params, p } = placeholders()
  const looked = `WITH RECURSIVE ${agencyCodes(p, q.agencies, after, window, '')}, ${PAGE_CODES}`
  const rows = `SELECT ${COLUMNS} FROM w ${probe('w.code', inStateSql(p, q))} ORDER BY d.code LIMIT ${p(want)}`
  return windowed(db, params, looked, rows, window)
}

/** In code order (the primary key), looking at `window` dossiers at most, whatever their agency. */
async function byCodeWindow(db: Db, q: Restricted, after: string | undefined, want: number, window: number): Promise<Walk> {
  const { params, p } = placeholders()
  const from = after !== undefined ? ` AND d.code > ${p(after)}` : ''
  const looked = `WITH w AS MATERIALIZED (SELECT ${COLUMNS} FROM dossiers d WHERE true${from} ORDER BY d.code LIMIT ${p(window)})`
  const rows = `SELECT w.* FROM w WHERE w.agency_code LIKE ANY(${p(q.agencies)}::text[]) ORDER BY w.code LIMIT ${p(want)}`
  return windowed(db, params, looked, rows, window)
}

/**
 * By sync state: the dossiers come from sync_state's (state, dossier_code) index in code order,
 * once each (a dossier has a row per target), from the cursor on; the plan stops after a page,
 * where a semi-join (EXISTS) read and sorted every dossier in that state, thousands after an
 * outage (scripts/sync-scale-check.ts). With `window`, at most that many dossiers in the state are
 * looked at, whatever their agency.
 */
async function byState(db: Db, q: ListQuery, after: string | undefined, want: number, window?: number): Promise<Walk> {
  const { params, p } = placeholders()
  const by = [`s.state = ${p(q.syncState)}`]
  if (q.target !== undefined) by.push(`s.target = ${p(q.target)}`)
  if (after !== undefined) by.push(`s.dossier_code > ${p(after)}`)
  const agencies = q.agencies !== undefined ? ` AND d.agency_code LIKE ANY(${p(q.agencies)}::text[])` : ''
  const walk = (bound: string) => `SELECT ${COLUMNS} FROM (SELECT DISTINCT s.dossier_code FROM sync_state s WHERE ${by.join(' AND ')}${bound}) s
      ${probe('s.dossier_code', agencies)} ORDER BY s.dossier_code LIMIT ${p(want)}`
  if (window === undefined) return { rows: (await db.query<ListRow>(walk(''), params)).rows, walkedTo: null }
  const looked = `WITH w AS MATERIALIZED (SELECT DISTINCT s.dossier_code AS code FROM sync_state s WHERE ${by.join(' AND ')} ORDER BY s.dossier_code LIMIT ${p(window)})`
  return windowed(db, params, looked, walk(' AND s.dossier_code <= x.last'), window)
}

type Restricted = ListQuery & { agencies: string[] }

/** How far a restricted listing walks one side before it turns to the other (`restricted`). */
export interface ListWindows {
  /** Dossiers the first, short windows look at, per row of the page. */
  first: number
  /** Dossiers in a rare state the state walk looks at before it turns to the agencies (a rare state holds a few thousand). */
  state: number
}

const WINDOWS: ListWindows = { first: 4, state: 5_000 }

/**
 * A restricted client's page: which side to walk, the dossiers (or the sync states) in code order
 * skipping other agencies', or the client's agencies (`agencyCodes`) skipping other states?
 *
 * - In code order (or by state: sync_state's (state, dossier_code) index) the walk steps over the
 *   dossiers of other agencies: nothing for a client whose agencies hold most dossiers (a
 *   province's client in a one-province hub), most of the table for one whose few agencies sort
 *   late (0.4 s a page with 1,000,000 dossiers); by state the walk is bounded by the dossiers in
 *   that state, a few thousand for pending, retrying and dead.
 * - By agency it costs a probe per agency in the ledger and per matched agency (about 10 ms with
 *   2,000 agencies), then steps over the agencies' dossiers in other states: none without
 *   `syncState`, next to none for `delivered` (nearly every dossier), nearly all of them for a
 *   rare state.
 *
 * So a page starts with the old walk on a short window (`windows.first` times the page): a client
 * whose agencies hold most dossiers is served there. Then:
 * - without `syncState`, by agency;
 * - `delivered`: by agency, looking at `windows.first` times the page; mostly delivered there, the
 *   usual case, the page is full. If not (a `target` that delivered few of these dossiers: one
 *   added lately, the document axis whose rows are no dossiers), the side whose window found
 *   more walks on to the end: by agency when the agencies' dossiers were the likelier to be
 *   delivered, else by state (the old plan, no slower than before);
 * - a rare state: the state walk goes on for `windows.state` dossiers in the state (to the end of a
 *   rare state, the old plan), then by agency (an outage: tens of thousands pending, many of them
 *   the agencies' recent dossiers).
 *
 * Each walk covers every dossier from its cursor to the code where it stopped, and the next starts
 * there: the pieces make the page one walk would (read at instants a few milliseconds apart, as
 * two pages are).
 */
async function restricted(db: Db, q: Restricted, want: number, windows: ListWindows): Promise<ListRow[]> {
  const rows: ListRow[] = []
  let after = q.after
  /** Keeps a window's rows; true when the page is complete (full, or the walk went to the end). */
  const take = (walk: Walk) => {
    rows.push(...walk.rows)
    after = walk.walkedTo ?? undefined
    return rows.length >= want || walk.walkedTo === null
  }
  const first = windows.first * want
  if (q.syncState === undefined) {
    if (take(await byCodeWindow(db, q, after, want, first))) return rows
    return [...rows, ...(await byAgency(db, q, after, want - rows.length))]
  }
  if (q.syncState === 'delivered') {
    const byStateWindow = await byState(db, q, after, want, first)
    if (take(byStateWindow)) return rows
    const byAgencyWalk = await byAgencyWindow(db, q, after, want - rows.length, first)
    if (take(byAgencyWalk)) return rows
    // Both windows looked at `first` dossiers: the side that found more there walks on (a tie: by state, the old plan).
    const rest = want - rows.length
    return [...rows, ...(byAgencyWalk.rows.length > byStateWindow.rows.length ? await byAgency(db, q, after, rest) : (await byState(db, q, after, rest)).rows)]
  }
  if (take(await byState(db, q, after, want, windows.state))) return rows
  return [...rows, ...(await byAgency(db, q, after, want - rows.length))]
}

/** `windows`: for tests, which make them small to take every turn on a few dossiers. */
export async function listDossiers(db: Db, q: ListQuery, windows = WINDOWS): Promise<{ items: Array<Omit<DossierView, 'snapshot'>>; next: string | null }> {
  const want = q.limit + 1
  let rows: ListRow[]
  if (q.agencies !== undefined) rows = await restricted(db, { ...q, agencies: q.agencies }, want, windows)
  else rows = q.syncState !== undefined ? (await byState(db, q, q.after, want)).rows : await all(db, q.after, want)
  const page = rows.slice(0, q.limit)
  const sync = await syncFor(db, page.map((r) => r.code))
  return {
    items: page.map((r) => ({ code: r.code, version: r.version, status: r.status, agencyCode: r.agency_code, originalAgencyCode: r.original_agency_code, acceptedAt: r.accepted_at.toISOString(), sync: sync.get(r.code) ?? {} })),
    next: rows.length > q.limit ? page.at(-1)!.code : null,
  }
}

/** Every dossier, in code order from the cursor (the primary key). */
async function all(db: Db, after: string | undefined, want: number): Promise<ListRow[]> {
  const { params, p } = placeholders()
  const sql = `SELECT ${COLUMNS} FROM dossiers d${after !== undefined ? ` WHERE d.code > ${p(after)}` : ''} ORDER BY d.code LIMIT ${p(want)}`
  return (await db.query<ListRow>(sql, params)).rows
}
