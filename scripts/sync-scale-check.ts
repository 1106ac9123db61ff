/**
 * Sync statements at production scale (docs/sync.md, "At scale").
 *
 *   npx tsx scripts/sync-scale-check.ts            # build, load, EXPLAIN, print, drop (about a minute)
 *
 * Builds a private schema in the test PostgreSQL (TEST_DATABASE_URL, default
 * postgres://postgres@127.0.0.1:5432/test), runs every migration, loads the ledger of a busy
 * provincial hub with `generate_series` (1,000,000 dossiers in `sync_state`, 3,000,000
 * finished outbox rows over 40 days, 5,000 open rows: pending, leased by another replica, retrying
 * later, retrying due), ANALYZEs, then runs the real code of the sync paths (claim, settle,
 * per-dossier claim and settle, accepts, the reconciler's sweep, retention, the read model) on one
 * connection where every statement is first run under `EXPLAIN (ANALYZE, BUFFERS)` inside a
 * savepoint that is rolled back, then for real; each scenario runs in a transaction that is rolled
 * back, so every scenario sees the same ledger. Prints per statement the median execution time
 * of 3 runs, the buffers touched and the biggest scan; a statement over 20 ms
 * or scanning more than 20,000 rows of a table is flagged. The ledger also holds a province of
 * 2,000 small agencies, for clients restricted to many agencies. Drops its schema at the end,
 * also on failure or Ctrl-C.
 *
 * Options: --keep leaves the schema (its name is printed) and --reuse <schema> runs the checks on
 * a schema a --keep run left, vacuumed first (then drops it unless --keep is given again); --plans prints the plan
 * of every listing statement (GET /v1/dossiers…) as a tree of nodes with their rows and loops.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import pino from 'pino'
import { migrate } from '../src/db/migrate.js'
import { createDb } from '../src/db/create-db.js'
import { quoteSchema, typeParsers } from '../src/db/type-parsers.js'
import type { Db, Queryable, QueryResult } from '../src/db/types.js'
import { createBatchStore, type DossierSettle } from '../src/sync/batch-store.js'
import { createDeliveryStore } from '../src/sync/delivery-store.js'
import { acceptSnapshots } from '../src/sync/accept-batch.js'
import { acceptProgress } from '../src/sync/ledger.js'
import { sweepOutbox } from '../src/sync/reconciler.js'
import { pruneFinished } from '../src/sync/retention.js'
import { getDossier, listDossiers } from '../src/sync/read-model.js'
import type { SyncQueues } from '../src/sync/queues.js'
import type { DossierSnapshot } from '../schemas/dossier.js'

const URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const TARGET = 'national-portal'
const DAY = 86_400_000
const SLOW_MS = 20
const BIG_SCAN = 20_000
const RUNS = 3

const args = process.argv.slice(2)
const keep = args.includes('--keep')
const reuse = args.includes('--reuse') ? args[args.indexOf('--reuse') + 1] : undefined
const plans = args.includes('--plans')
const schema = reuse ?? `scale_${randomBytes(4).toString('hex')}`
quoteSchema(schema)

/** One connection: a scenario is one transaction, rolled back. */
const client = new pg.Client({
  connectionString: URL,
  options: `-c search_path=${schema}`,
  types: { getTypeParser: (oid: number, format?: string) => typeParsers[oid] ?? (pg.types.getTypeParser as (o: number, f?: string) => unknown)(oid, format) } as pg.CustomTypesConfig,
})

// ---------------------------------------------------------------------------------------------
// The ledger

const LOAD: Array<[string, string]> = [
  ['helpers', `CREATE FUNCTION dcode(int) RETURNS text IMMUTABLE LANGUAGE sql AS $$ SELECT 'G22.' || lpad(($1 % 40)::text, 2, '0') || '-' || lpad($1::text, 7, '0') $$;
    CREATE FUNCTION pagency(int) RETURNS text IMMUTABLE LANGUAGE sql AS $$ SELECT '000.' || lpad(($1 % 50)::text, 2, '0') || '.' || lpad(($1 / 50 + 1)::text, 2, '0') || '.H44' $$`],
  ['1,000,000 dossiers', `
    INSERT INTO dossiers (code, version, agency_code, status, snapshot, body_hash, client, accepted_at)
    SELECT dcode(i), 3, 'G22.' || lpad((i % 40)::text, 2, '0'), 'processing',
      jsonb_build_object('version', 3, 'status', 'processing', 'agencyCode', 'G22.' || lpad((i % 40)::text, 2, '0'), 'procedureCode', '1.00' || (i % 997),
        'applicant', jsonb_build_object('type', 'citizen', 'name', 'Nguyen Van ' || i, 'id', lpad(i::text, 12, '0')), 'receivedAt', '2024-05-01T08:00:00Z'),
      md5(i::text), 'one-stop', now() - interval '40 days' + i * interval '3.456 second'
    FROM generate_series(1, 1000000) i`],
  // A province of 2,000 small agencies (QCVN 102:2016 codes, lower levels filling leftwards:
  // 000.<unit>.<department>.H44, 40 departments of 50 units), 20 dossiers each, all delivered: a
  // client restricted to the province (*.H44) or a department (*.24.H44) lists across many agencies.
  ['a province: 2,000 agencies, 40,000 dossiers', `
    INSERT INTO dossiers (code, version, agency_code, status, snapshot, body_hash, client, accepted_at)
    SELECT pagency(k / 20) || '-' || lpad(k::text, 6, '0'), 2, pagency(k / 20), 'processing',
      jsonb_build_object('version', 2, 'status', 'processing', 'agencyCode', pagency(k / 20), 'procedureCode', '2.00' || (k % 97),
        'applicant', jsonb_build_object('type', 'citizen', 'name', 'Le Thi ' || k, 'id', lpad(k::text, 12, '0')), 'receivedAt', '2024-05-01T08:00:00Z'),
      md5('p' || k), 'one-stop', now() - interval '20 days' + k * interval '30 second'
    FROM generate_series(0, 39999) k`],
  ['1,000,000 + 40,000 + 20,000 sync_state rows', `
    INSERT INTO sync_state (target, dossier_code, state, delivered_version, delivered_at, updated_at)
    SELECT '${TARGET}', dcode(i), 'delivered', 3, now() - interval '13 days' + i * interval '1.123 second', now() - interval '13 days' + i * interval '1.123 second'
    FROM generate_series(1, 1000000) i
    UNION ALL
    SELECT '${TARGET}', pagency(k / 20) || '-' || lpad(k::text, 6, '0'), 'delivered', 2, now() - interval '20 days' + k * interval '31 second', now() - interval '20 days' + k * interval '31 second'
    FROM generate_series(0, 39999) k
    UNION ALL
    SELECT 'lgsp-edoc', 'edoc-' || k, 'delivered', NULL, NULL, now() - interval '1 day' FROM generate_series(0, 19999) k`],
  // Three versions per dossier over 40 days, ids in time order: one row in 7 a progress step, one
  // in 75 a message of the document axis, one in 1,500 dead, a tenth of the older versions superseded.
  ['3,000,000 finished outbox rows', `
    INSERT INTO outbox (id, target, dossier_code, kind, version, step_id, payload, state, attempts, last_error, created_at, done_at)
    SELECT g,
      CASE WHEN g % 75 = 0 THEN 'lgsp-edoc' ELSE '${TARGET}' END,
      CASE WHEN g % 75 = 0 THEN 'edoc-' || (g / 75 % 20000) ELSE dcode((g - 1) % 1000000 + 1) END,
      CASE WHEN g % 75 = 0 THEN 'message' WHEN g % 7 = 0 THEN 'progress' ELSE 'snapshot' END,
      CASE WHEN g % 75 = 0 OR g % 7 = 0 THEN NULL ELSE (g - 1) / 1000000 + 1 END,
      CASE WHEN g % 75 = 0 THEN 'send-' || g WHEN g % 7 = 0 THEN 'step-' || g END,
      jsonb_build_object('code', dcode((g - 1) % 1000000 + 1), 'version', (g - 1) / 1000000 + 1, 'status', 'processing',
        'applicant', jsonb_build_object('type', 'citizen', 'name', 'Nguyen Van ' || g, 'id', lpad(g::text, 12, '0')), 'receivedAt', '2024-05-01T08:00:00Z'),
      CASE WHEN g % 1500 = 7 THEN 'dead' WHEN g % 10 = 3 AND g <= 2000000 AND g % 75 <> 0 THEN 'superseded' ELSE 'delivered' END,
      1,
      CASE WHEN g % 1500 = 7 THEN 'rejected: invalid record' END,
      now() - interval '40 days' + g * interval '1.152 second',
      now() - interval '40 days' + g * interval '1.152 second' + (g % 30) * interval '1 second'
    FROM generate_series(1, 3000000) g`],
  // Dossier k·199: k % 5 in 0..2 pending and free, 3 pending but leased by another replica,
  // 4 retrying (k % 25 = 4 due 5 s ago, the others in 10 minutes). One in ten is a progress step.
  ['5,000 open outbox rows', `
    INSERT INTO outbox (id, target, dossier_code, kind, version, step_id, payload, state, attempts, created_at, next_attempt_at)
    SELECT 3000000 + k, '${TARGET}', dcode(k * 199),
      CASE WHEN k % 10 = 9 THEN 'progress' ELSE 'snapshot' END,
      CASE WHEN k % 10 = 9 THEN NULL ELSE 4 END,
      CASE WHEN k % 10 = 9 THEN 'step-open-' || k END,
      jsonb_build_object('code', dcode(k * 199), 'version', 4, 'status', 'processing', 'applicant', jsonb_build_object('type', 'citizen', 'name', 'Tran Thi ' || k, 'id', lpad(k::text, 12, '0'))),
      CASE WHEN k % 5 = 4 THEN 'retrying' ELSE 'pending' END,
      CASE WHEN k % 5 = 4 THEN 3 ELSE 0 END,
      now() - interval '10 minutes' + k * interval '0.1 second',
      CASE WHEN k % 25 = 4 THEN now() - interval '5 seconds' WHEN k % 5 = 4 THEN now() + interval '10 minutes' END
    FROM generate_series(1, 5000) k`],
  ['outbox sequence', `SELECT setval('outbox_id_seq', 3005000)`],
  ['sync_state of the open rows', `
    UPDATE sync_state s SET state = CASE WHEN k % 5 = 4 THEN 'retrying' ELSE 'pending' END,
      lease_owner = CASE WHEN k % 5 = 3 THEN 'other-replica' END, lease_until = CASE WHEN k % 5 = 3 THEN now() + interval '45 seconds' END,
      attempts = CASE WHEN k % 5 = 4 THEN 3 ELSE 0 END,
      next_attempt_at = CASE WHEN k % 25 = 4 THEN now() - interval '5 seconds' WHEN k % 5 = 4 THEN now() + interval '10 minutes' END
    FROM generate_series(1, 5000) k WHERE s.target = '${TARGET}' AND s.dossier_code = dcode(k * 199)`],
  ['sync_state of the dead rows', `
    UPDATE sync_state s SET state = 'dead', last_error = 'rejected: invalid record', attempts = 1
    FROM generate_series(2000007, 3000000, 1500) g
    WHERE g % 75 <> 0 AND s.target = '${TARGET}' AND s.dossier_code = dcode((g - 1) % 1000000 + 1) AND s.state = 'delivered'`],
  ['VACUUM ANALYZE dossiers', 'VACUUM ANALYZE dossiers'],
  ['VACUUM ANALYZE sync_state', 'VACUUM ANALYZE sync_state'],
  ['VACUUM ANALYZE outbox', 'VACUUM ANALYZE outbox'],
]

// ---------------------------------------------------------------------------------------------
// Statements under EXPLAIN

interface PlanNode {
  'Node Type': string
  'Relation Name'?: string
  'Index Name'?: string
  'Actual Rows': number
  'Actual Loops': number
  'Rows Removed by Filter'?: number
  'Rows Removed by Index Recheck'?: number
  'Shared Hit Blocks': number
  'Shared Read Blocks': number
  Plans?: PlanNode[]
}

interface Explained {
  sql: string
  ms: number
  planningMs: number
  blocks: number
  /** The scan that read the most rows: "Seq Scan outbox 3,000,000". */
  biggest: { label: string; rows: number; seq: boolean }
  plan: PlanNode
}

/** The plan as a tree: node, relation or index, conditions, rows × loops. */
function planTree(node: PlanNode, depth = 0, out: string[] = []): string[] {
  const n = node as PlanNode & Record<string, unknown>
  const on = n['Index Name'] ?? n['Relation Name'] ?? n['CTE Name'] ?? ''
  const cond = [n['Index Cond'], n['Filter'], n['One-Time Filter']].filter(Boolean).map((c) => String(c).replace(/\s+/g, ' ')).join(' / ')
  out.push(`${'  '.repeat(depth + 2)}${n['Node Type']}${n['Subplan Name'] ? ` (${String(n['Subplan Name'])})` : ''}${on ? ` ${String(on)}` : ''}: ${node['Actual Rows']} rows × ${node['Actual Loops']}${cond ? `  [${cond.slice(0, 110)}]` : ''}`)
  for (const child of node.Plans ?? []) planTree(child, depth + 1, out)
  return out
}

function scans(node: PlanNode, out: Array<{ label: string; rows: number; seq: boolean }> = []) {
  if (node['Relation Name'] !== undefined || node['Index Name'] !== undefined) {
    const rows = (node['Actual Rows'] + (node['Rows Removed by Filter'] ?? 0) + (node['Rows Removed by Index Recheck'] ?? 0)) * node['Actual Loops']
    const how = `${node['Node Type']} ${node['Index Name'] ?? node['Relation Name']}`
    out.push({ label: how, rows, seq: node['Node Type'] === 'Seq Scan' })
  }
  for (const child of node.Plans ?? []) scans(child, out)
  return out
}

/** A Db on the one connection: each statement is EXPLAINed (and rolled back) then run for real. */
function explainingDb(sink: Explained[]): Db {
  let n = 0
  const query = async <R>(sql: string, params?: unknown[]): Promise<QueryResult<R>> => {
    const sp = `x${n++}`
    await client.query(`SAVEPOINT ${sp}`)
    const { rows } = await client.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`, params)
    await client.query(`ROLLBACK TO SAVEPOINT ${sp}`)
    const plan = (rows[0] as { 'QUERY PLAN': Array<{ Plan: PlanNode; 'Execution Time': number; 'Planning Time': number }> })['QUERY PLAN'][0]!
    const all = scans(plan.Plan)
    const biggest = all.reduce((a, b) => (b.rows > a.rows ? b : a), { label: '-', rows: 0, seq: false })
    sink.push({ sql, ms: plan['Execution Time'], planningMs: plan['Planning Time'], blocks: plan.Plan['Shared Hit Blocks'] + plan.Plan['Shared Read Blocks'], biggest, plan: plan.Plan })
    const result = await client.query(sql, params)
    return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 }
  }
  const tx: Queryable = { query }
  return {
    kind: 'postgres',
    query,
    async transaction(fn) {
      // Already inside the scenario's transaction: a savepoint stands for the nested one.
      const sp = `t${n++}`
      await client.query(`SAVEPOINT ${sp}`)
      try {
        const value = await fn(tx)
        await client.query(`RELEASE SAVEPOINT ${sp}`)
        return value
      } catch (err) {
        await client.query(`ROLLBACK TO SAVEPOINT ${sp}`)
        throw err
      }
    },
    async ping() {},
    async close() {},
  }
}

const silent = pino({ level: 'silent' })
const queues = {
  prefix: 'scale', names: () => [TARGET, 'lgsp-edoc'], queueName: (t: string) => `sync-${t}`, drains: (t: string) => t === TARGET,
  kick: async () => true, kickAt: async () => true, counts: async () => { throw new Error('unused') }, close: async () => {},
} as unknown as SyncQueues

const snapshotOf = (code: string, version: number, agency: string): DossierSnapshot => ({
  version, procedureCode: '1.001234', agencyCode: agency, channel: 'online', status: 'processing', receivedAt: '2024-05-01T08:00:00Z',
  applicant: { type: 'citizen', id: '001234567890', name: `Le Van ${code}` },
})

/**
 * `setup`: statements run first, as they are (not EXPLAINed), in the scenario's transaction;
 * `skip`: leading statements of `run` that only set the scene (not reported).
 */
type Scenario = { name: string; setup?: string[]; skip?: number; run: (db: Db) => Promise<unknown> }

const SCENARIOS: Scenario[] = [
  { name: `batch claim (${TARGET}, 50, window 1000)`, run: (db) => createBatchStore(db).claimBatch(TARGET, 'scale-check', 60_000, 50) },
  {
    name: 'batch settle (50 dossiers: 1 retry, 1 dead)',
    skip: 1,
    run: async (db) => {
      const store = createBatchStore(db)
      const claims = await store.claimBatch(TARGET, 'scale-check', 60_000, 50)
      const settles: DossierSettle[] = claims.map((c, i) => {
        const snaps = c.items.filter((x) => x.kind === 'snapshot')
        const newest = snaps.at(-1)
        const base: DossierSettle = { code: c.code, seenUpTo: Math.max(0, ...c.items.map((x) => x.id)), delivered: [], superseded: snaps.slice(0, -1).map((x) => x.id), dead: [] }
        const rest = c.items.filter((x) => x.kind !== 'snapshot')
        if (i === 0 && newest) return { ...base, retry: { id: newest.id, attempts: 1, error: 'timeout', nextAttemptAt: new Date(Date.now() + 60_000) } }
        if (i === 1 && newest) return { ...base, dead: [{ id: newest.id, error: 'rejected', upstreamCode: 'E01', attempts: 1 }] }
        return { ...base, delivered: [...(newest ? [{ id: newest.id, version: newest.version }] : []), ...rest.map((x) => ({ id: x.id, version: null }))] }
      })
      await store.settleBatch(TARGET, 'scale-check', settles)
    },
  },
  {
    name: 'per-dossier claim + settle',
    run: async (db) => {
      const store = createDeliveryStore(db)
      const claim = await store.claim(TARGET, 'G22.38-0000398', 'scale-check', 60_000)
      const items = claim?.items ?? []
      await store.settle({ target: TARGET, code: 'G22.38-0000398', owner: 'scale-check', delivered: items.map((x) => ({ id: x.id, version: x.version })), superseded: [], dead: [], seenUpTo: Math.max(0, ...items.map((x) => x.id)) })
    },
  },
  {
    name: 'accept 50 PUTs (40 known dossiers, 10 new)',
    run: async (db) => assertAccepted(await acceptSnapshots(db, Array.from({ length: 50 }, (_, i) => {
      const n = i < 40 ? 500_000 + i * 7 : 2_000_000 + i
      const agency = `G22.${String(n % 40).padStart(2, '0')}`
      const code = `${agency}-${String(n).padStart(7, '0')}`
      return { code, snapshot: snapshotOf(code, i < 40 ? 5 : 1, agency), client: 'one-stop', mayActFor: () => true }
    }), { targets: [TARGET] })),
  },
  {
    name: 'accept a progress step',
    run: (db) => acceptProgress(db, 'G22.00-0500000', { id: 'scale-step-1', officer: 'Pham Thi B', unit: 'Mot cua', at: '2024-05-02T08:00:00Z', content: 'Thu ly' }, { client: 'one-stop', targets: [TARGET], mayActFor: () => true }),
  },
  { name: 'reconciler sweep (staleAfterMs 60 s)', run: (db) => sweepOutbox({ db, queues, staleAfterMs: 60_000, log: silent })() },
  { name: 'retention, backlog (keep 30 days: 750,000 due)', run: (db) => pruneFinished(db, 30 * DAY) },
  { name: 'retention, caught up (keep 41 days: none due)', run: (db) => pruneFinished(db, 41 * DAY) },
  { name: 'GET /v1/dossiers?syncState=pending', run: (db) => listDossiers(db, { syncState: 'pending', limit: 50 }) },
  { name: 'GET /v1/dossiers?syncState=retrying&target=…', run: (db) => listDossiers(db, { syncState: 'retrying', target: TARGET, limit: 50 }) },
  { name: 'GET /v1/dossiers?syncState=dead (one agency)', run: (db) => listDossiers(db, { syncState: 'dead', agencies: ['%.07'], limit: 50 }) },
  { name: 'GET /v1/dossiers?syncState=pending (one agency)', run: (db) => listDossiers(db, { syncState: 'pending', agencies: ['%.07'], limit: 50 }) },
  { name: 'GET /v1/dossiers?syncState=pending (a province: none pending)', run: (db) => listDossiers(db, { syncState: 'pending', agencies: ['%.H44'], limit: 50 }) },
  { name: 'GET /v1/dossiers?syncState=delivered', run: (db) => listDossiers(db, { syncState: 'delivered', limit: 50 }) },
  { name: 'GET /v1/dossiers?syncState=delivered (one agency)', run: (db) => listDossiers(db, { syncState: 'delivered', agencies: ['%.07'], limit: 50 }) },
  { name: 'GET /v1/dossiers?syncState=delivered (the last agency)', run: (db) => listDossiers(db, { syncState: 'delivered', agencies: ['%.39'], limit: 50 }) },
  { name: 'GET /v1/dossiers?syncState=delivered (a department: 50 agencies)', run: (db) => listDossiers(db, { syncState: 'delivered', agencies: ['%.24.H44'], limit: 50 }) },
  { name: 'GET /v1/dossiers (one agency, the client\'s restriction)', run: (db) => listDossiers(db, { agencies: ['%.07'], limit: 50 }) },
  { name: 'GET /v1/dossiers (the last agency)', run: (db) => listDossiers(db, { agencies: ['%.39'], limit: 50 }) },
  { name: 'GET /v1/dossiers (one agency, a page in the middle)', run: (db) => listDossiers(db, { agencies: ['%.07'], after: 'G22.07-0500007', limit: 50 }) },
  { name: 'GET /v1/dossiers (a department: 50 agencies)', run: (db) => listDossiers(db, { agencies: ['%.24.H44'], limit: 50 }) },
  { name: 'GET /v1/dossiers (a province: 2,000 agencies, limit 500, mid-way)', run: (db) => listDossiers(db, { agencies: ['%.H44'], after: '000.25.17.H44-016500', limit: 500 }) },
  { name: 'GET /v1/dossiers (the province and the last agency, past the province)', run: (db) => listDossiers(db, { agencies: ['%.H44', '%.39'], after: '000.49.40.H44-039999', limit: 50 }) },
  { name: 'GET /v1/dossiers (no agency matches)', run: (db) => listDossiers(db, { agencies: ['%.H99'], limit: 50 }) },
  { name: 'GET /v1/dossiers/{code}', run: (db) => getDossier(db, 'G22.00-0500000') },
  // Near the end: its rows, though rolled back, stay in sync_state as dead tuples until a vacuum.
  {
    name: 'GET /v1/dossiers?syncState=delivered&target=… (one agency; a target that delivered 2%)',
    setup: [
      `INSERT INTO sync_state (target, dossier_code, state, delivered_version)
       SELECT 'portal-2', dcode(i), 'delivered', 3 FROM generate_series(7, 1000000, 49) i`,
      'ANALYZE sync_state',
    ],
    run: (db) => listDossiers(db, { syncState: 'delivered', target: 'portal-2', agencies: ['%.07'], limit: 50 }),
  },
  // Last: its rows, though rolled back, stay in the tables as dead tuples until a vacuum.
  {
    name: 'batch claim after a burst: +100,000 pending dossiers',
    setup: [
      `INSERT INTO outbox (target, dossier_code, kind, version, payload, state, created_at)
       SELECT '${TARGET}', dcode(k * 7 + 3), 'snapshot', 4, jsonb_build_object('code', dcode(k * 7 + 3), 'version', 4), 'pending', now() - interval '5 minutes'
       FROM generate_series(1, 100000) k`,
      `UPDATE sync_state s SET state = 'pending' FROM generate_series(1, 100000) k
       WHERE s.target = '${TARGET}' AND s.dossier_code = dcode(k * 7 + 3) AND s.state = 'delivered'`,
      'ANALYZE outbox',
      'ANALYZE sync_state',
    ],
    run: (db) => createBatchStore(db).claimBatch(TARGET, 'scale-check', 60_000, 50),
  },
]

function assertAccepted(outcomes: Array<{ ok: boolean; error?: Error }>) {
  const failed = outcomes.find((o) => !o.ok)
  if (failed) throw failed.error
}

async function runScenario(s: Scenario): Promise<Explained[]> {
  const sink: Explained[] = []
  await client.query('BEGIN')
  try {
    for (const sql of s.setup ?? []) await client.query(sql)
    await s.run(explainingDb(sink))
  } finally {
    await client.query('ROLLBACK')
  }
  return sink.slice(s.skip ?? 0)
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
/** The read model's listing walks by name (src/sync/read-model.ts), other statements by their start. */
function firstLine(sql: string): string {
  const looked = sql.includes('x.looked')
  if (sql.includes('RECURSIVE agencies')) return looked ? 'listing: by agency, a window (skip scan, merge)' : 'listing: by agency (skip scan, merge)'
  if (sql.includes('FROM sync_state s WHERE s.state')) return looked ? 'listing: by sync state, a window' : 'listing: by sync state'
  if (looked) return 'listing: in code order, a window'
  return sql.replace(/\s+/g, ' ').trim().slice(0, 60)
}

async function main() {
  await client.connect()
  await client.query(`SET statement_timeout = '120s'`)
  const started = Date.now()
  if (!reuse) {
    console.log(`schema ${schema}`)
    const db = await createDb({ url: URL, schema, poolSize: 1 })
    try {
      await migrate(db)
    } finally {
      await db.close()
    }
    for (const [label, sql] of LOAD) {
      const t0 = Date.now()
      await client.query(sql)
      console.log(`  ${label}: ${((Date.now() - t0) / 1000).toFixed(1)} s`)
    }
  } else {
    // The dead tuples earlier runs left (rolled-back scenarios) would cost index-only scans heap fetches.
    for (const [label, sql] of LOAD.filter(([label]) => label.startsWith('VACUUM'))) {
      const t0 = Date.now()
      await client.query(sql)
      console.log(`  ${label}: ${((Date.now() - t0) / 1000).toFixed(1)} s`)
    }
  }
  const sizes = await client.query<{ rel: string; size: string }>(
    `SELECT c.relname AS rel, pg_size_pretty(pg_total_relation_size(c.oid)) AS size FROM pg_class c
     WHERE c.relnamespace = $1::regnamespace AND c.relname IN ('dossiers', 'sync_state', 'outbox') ORDER BY 1`, [schema])
  console.log(`tables: ${sizes.rows.map((r) => `${r.rel} ${r.size}`).join(', ')}`)

  const lines: string[] = []
  const pad = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s.padEnd(n))
  lines.push(`${pad('scenario / statement', 72)} ${'ms'.padStart(8)} ${'plan ms'.padStart(8)} ${'blocks'.padStart(8)}  biggest scan (rows)`)
  let flagged = 0
  for (const s of SCENARIOS) {
    const runs: Explained[][] = []
    for (let i = 0; i < RUNS; i++) runs.push(await runScenario(s))
    lines.push(s.name)
    runs[0]!.forEach((e, i) => {
      const ms = median(runs.map((r) => r[i]?.ms ?? e.ms))
      const big = e.biggest.rows > BIG_SCAN && (e.biggest.seq || /outbox|sync_state|dossiers/.test(e.biggest.label))
      const flag = ms > SLOW_MS || big ? '  <-- ' + [ms > SLOW_MS ? 'slow' : '', big ? 'big scan' : ''].filter(Boolean).join(', ') : ''
      if (flag) flagged++
      lines.push(`  ${pad(firstLine(e.sql), 70)} ${ms.toFixed(2).padStart(8)} ${e.planningMs.toFixed(2).padStart(8)} ${String(e.blocks).padStart(8)}  ${e.biggest.label} (${e.biggest.rows.toLocaleString('en')})${flag}`)
      if (plans && s.name.startsWith('GET /v1/dossiers') && firstLine(e.sql).startsWith('listing')) lines.push(...planTree(e.plan))
    })
  }
  console.log(lines.join('\n'))
  console.log(`${flagged} statement(s) flagged (> ${SLOW_MS} ms or a scan of > ${BIG_SCAN.toLocaleString('en')} rows); ${((Date.now() - started) / 1000).toFixed(0)} s in all`)
  return flagged
}

let dropping: Promise<void> | undefined
async function cleanup() {
  dropping ??= (async () => {
    if (keep) {
      console.log(`kept schema ${schema} (drop it with DROP SCHEMA ${schema} CASCADE, or run again with --reuse ${schema})`)
    } else {
      await client.query('ROLLBACK').catch(() => undefined)
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch((err: Error) => console.error(`could not drop schema ${schema}: ${err.message}`))
    }
    await client.end().catch(() => undefined)
  })()
  return dropping
}

let interrupted = false
process.once('SIGINT', () => {
  interrupted = true
  console.error('interrupted; dropping the schema')
  // Ends the statement in flight, then drops.
  const killer = new pg.Client({ connectionString: URL })
  void killer.connect()
    .then(() => killer.query('SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE pid = $1', [(client as unknown as { processID: number }).processID]))
    .catch(() => undefined)
    .finally(() => void killer.end().catch(() => undefined))
    .then(() => cleanup())
    .finally(() => process.exit(130))
})

main().then(
  async () => {
    await cleanup()
  },
  async (err: unknown) => {
    if (!interrupted) console.error(err)
    await cleanup()
    process.exitCode = 1
  },
)
