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
import { migrate } from '../src/db/migrate.js'
import { createDb } from '../src/db/create-db.js'
import { quoteSchema, typeParsers } from '../src/db/type-parsers.js'
import { LOAD } from './sync-scale/ledger.js'
import { firstLine, median, planTree, type Explained } from './sync-scale/explain.js'
import { runScenario, SCENARIOS } from './sync-scale/scenarios.js'

const URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
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
    for (let i = 0; i < RUNS; i++) runs.push(await runScenario(client, s))
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
