/**
 * Benchmark of the indicator model (issue 14), on PostgreSQL in a private schema:
 *
 * 1. The accept transaction (`acceptSnapshots`, src/sync/accept-batch.ts: what a group-committed
 *    batch of PUTs costs the ledger, hub facts included) with the indicator CTEs on (B) and off
 *    (A), their batches interleaved (A/B, B/A, …) after a warm-up round: new dossiers, then a
 *    second version of each (the delta path). Goal: B ≥ 0.9× A (the median of the rounds'
 *    ratios). Measured below HTTP on purpose: the model is a larger share of the transaction
 *    than of a whole PUT, so the ratio is the stricter one.
 * 2. Queries (src/indicators/query.ts, what the API runs) over one year of 2,000,000 dossiers,
 *    generated set-based in SQL: the per-dossier rows, then every sums table (daily and monthly)
 *    by GROUP BY. Goal: p95 < 200 ms.
 * Design and results: bench/README.md § indicators.
 */
import { execSync } from 'node:child_process'
import { parseArgs } from 'node:util'
import { createDb } from '../src/db/create-db.js'
import { migrate } from '../src/db/migrate.js'
import type { Db } from '../src/db/types.js'
import { acceptSnapshots, type SnapshotRequest } from '../src/sync/accept-batch.js'
import { createFactsReader } from '../src/sync/hub-facts.js'
import { createIndicatorService } from '../src/indicators/index.js'
import { queryIndicators, type IndicatorQuery } from '../src/indicators/query.js'
import { MODEL_TABLES } from '../src/indicators/record.js'
import { NO_AGENCY_MAPPING } from '../src/agency-mapping.js'
import type { DossierSnapshot } from '../schemas/dossier.js'
import type { HubConfig } from '../schemas/config.js'
import { sampleDossier } from '../src/indicators/sandbox-sample.js'
import { positiveInt, RUN_OPTIONS, writesReadme } from './lib/flags.js'
import { BenchmarkFailure } from './lib/load.js'
import { log, machineNote, markdownTable, median, num, ratio, verdict, writeLatestResults } from './lib/report.js'
import { DATABASE_URL, runNames } from './lib/services.js'
import { analyzeSchema } from './lib/cleanup.js'
import { httpAcceptPart, type HttpRound } from './lib/indicators-http.js'

const NAME = 'indicators'
const USAGE = `npm run bench -- ${NAME} [options]
  --accept N        dossiers per side and round in the accept part, each sent twice (default 6000)
  --rounds N        rounds of the accept part (each side's batches interleaved), at least 2 (default 3)
  --dossiers N      dossiers of the generated year (default 2000000)
  --runs N          timed runs per query (default 30)
  --http-updates N  PUTs per side and round in the HTTP part (default 10000)
  --http-rounds N   rounds of the HTTP part, the sides alternating (default 3; 0 skips it)
  --queries-only    skip the accept parts
  --accept-only     skip the query part
  --quick           --accept 1000 --rounds 2 --dossiers 200000 --runs 10; does not touch bench/README.md
  --no-readme       do not write the results into bench/README.md`

/** The HTTP part's paragraph: per round both sides, the goal read on the median of the rounds' ratios. */
function httpReport(rounds: HttpRound[], updates: number): string {
  const r = median(rounds.map((x) => x.acceptPerS.on / x.acceptPerS.off))
  const cpu = median(rounds.map((x) => x.hubCpuUs.on / x.hubCpuUs.off))
  return `**Accept path over HTTP, model on vs off** (two hubs as deployed, PostgreSQL, ${rounds.length} rounds of ${num(updates)} PUTs per side over 32 connections, sides alternating, after a warm-up of 2,000 updates and ANALYZE each): ` +
    `accepted per s off ${rounds.map((x) => num(x.acceptPerS.off)).join(' / ')}, on ${rounds.map((x) => num(x.acceptPerS.on)).join(' / ')}; ` +
    `hub CPU µs per update (delivery included) off ${rounds.map((x) => num(x.hubCpuUs.off)).join(' / ')}, on ${rounds.map((x) => num(x.hubCpuUs.on)).join(' / ')}; ` +
    `median of the rounds' ratios **${ratio(r)}** (hub CPU ${ratio(cpu)}) — goal ≥ 0.90×: ${verdict(r >= 0.9)}.`
}

const uptime = () => execSync('uptime').toString().trim()
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(q * xs.length) - 1)]!

/**
 * One round: `n` new dossiers per side, then a second version of each (the delta path), in
 * batches; the two sides' batches interleave (the one going first alternating), so a change of
 * the machine's load during the round falls on both alike. Versions per second of each side,
 * from the time spent in its own batches.
 */
async function acceptRound(db: Db, tag: string, n: number, batch: number): Promise<Record<'off' | 'on', number>> {
  const service = createIndicatorService({ db, config: { indicators: { enabled: true, summary: {} } } as unknown as HubConfig, agencies: NO_AGENCY_MAPPING, targets: ['national-portal'] })
  const facts = createFactsReader('bench-key')
  const options = { off: { targets: ['national-portal'], facts }, on: { targets: ['national-portal'], facts, indicators: service.recordAccepted } }
  const snapshots = Array.from({ length: n }, (_, i) => sampleDossier(i % 36).snapshot)
  const request = (side: string, i: number, version: number): SnapshotRequest => {
    const s: DossierSnapshot = { ...snapshots[i]!, version, ...(version === 2 && { status: 'returned', returnedAt: '2026-11-29T10:00:00+07:00' }) }
    return { code: `B-${tag}-${side}-${i}`, snapshot: s, client: 'bench', mayActFor: () => true }
  }
  const ms = { off: 0, on: 0 }
  let step = 0
  for (const version of [1, 2]) {
    for (let from = 0; from < n; from += batch) {
      for (const side of step++ % 2 === 0 ? ['off', 'on'] as const : ['on', 'off'] as const) {
        const requests = Array.from({ length: Math.min(batch, n - from) }, (_, k) => request(side, from + k, version))
        const started = performance.now()
        const outcomes = await acceptSnapshots(db, requests, options[side])
        ms[side] += performance.now() - started
        const failed = outcomes.find((o) => !o.ok)
        if (failed && !failed.ok) throw new BenchmarkFailure(`an accept failed: ${failed.error.message}`)
      }
    }
  }
  return { off: (2 * n) / (ms.off / 1000), on: (2 * n) / (ms.on / 1000) }
}

/**
 * One year of `n` dossiers, set-based: per-dossier rows, then the sums tables by GROUP BY. The
 * daily rows go in day order, as the live model creates them (a day's rows are born that day).
 */
export async function generateYear(db: Db, n: number): Promise<void> {
  await db.query(`INSERT INTO indicator_dossiers (code, agency_code, procedure_code, channel, day, due_at, open, received, finished, finished_due, on_time,
      handling_seconds, completed, results_digitized, digitized_intake, fee_dossiers, paid_online, reuse_dossiers, papers, papers_reused, db_population, db_business, db_connections)
    SELECT 'Y-' || g, format('000.%s.%s.H48', lpad((a / 100)::text, 2, '0'), lpad((a % 100)::text, 2, '0')),
      '1.' || lpad(floor(400 * power(r1, 3))::int::text, 6, '0'),
      CASE WHEN r2 < 0.55 THEN 'online' WHEN r2 < 0.95 THEN 'in_person' ELSE 'post' END,
      date '2025-01-01' + (g % 365), timestamptz '2025-01-05' + (g % 365) * interval '1 day', NOT fin,
      1, fin::int, fin::int, (fin AND r3 < 0.9)::int, CASE WHEN fin THEN (3600 * 24 * (1 + r3 * 6))::bigint ELSE 0 END,
      fin::int, (fin AND r4 < 0.7)::int, (r4 < 0.8)::int, (r5 < 0.6)::int, (r5 < 0.3)::int, (r3 < 0.5)::int, 3, (r3 < 0.5)::int + (r4 < 0.2)::int,
      (r5 < 0.4)::int, (r5 < 0.05)::int, (r5 < 0.4)::int + (r5 < 0.05)::int
    FROM (SELECT g, g % 150 AS a, random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5, random() > 0.03 AS fin
          FROM generate_series(1, $1::int) g) x`, [n])
  const counters = 'received, finished, finished_due, on_time, handling_seconds, completed, results_digitized, digitized_intake, fee_dossiers, paid_online, reuse_dossiers, papers, papers_reused, db_population, db_business, db_connections'
  const sums = counters.split(', ').map((c) => `sum(${c})`).join(', ')
  await db.query(`INSERT INTO indicator_daily (agency_code, procedure_code, channel, day, ${counters})
    SELECT agency_code, procedure_code, channel, day, ${sums} FROM indicator_dossiers GROUP BY 1, 2, 3, 4 ORDER BY day`)
  await db.query(`INSERT INTO indicator_agency_daily (agency_code, channel, day, ${counters})
    SELECT agency_code, channel, day, ${sums} FROM indicator_dossiers GROUP BY 1, 2, 3 ORDER BY day`)
  const month = `date_trunc('month', day::timestamp)::date`
  await db.query(`INSERT INTO indicator_monthly (agency_code, procedure_code, channel, month, ${counters})
    SELECT agency_code, procedure_code, channel, ${month}, ${sums} FROM indicator_daily GROUP BY 1, 2, 3, 4`)
  await db.query(`INSERT INTO indicator_procedure_monthly (procedure_code, channel, month, ${counters})
    SELECT procedure_code, channel, ${month}, ${sums} FROM indicator_daily GROUP BY 1, 2, 3`)
  // What autovacuum does on a live ledger: statistics, and the visibility map that lets the open
  // dossiers be counted from the covering index alone.
  await db.query('VACUUM (ANALYZE) indicator_dossiers')
  await db.query('VACUUM (ANALYZE) indicator_daily')
  await db.query('VACUUM (ANALYZE) indicator_agency_daily')
  await db.query('VACUUM (ANALYZE) indicator_monthly')
  await db.query('VACUUM (ANALYZE) indicator_procedure_monthly')
}

export async function run(args: string[]): Promise<void> {
  const { values: v } = parseArgs({ args, options: { ...RUN_OPTIONS, accept: { type: 'string' }, rounds: { type: 'string' }, dossiers: { type: 'string' }, runs: { type: 'string' }, 'http-updates': { type: 'string' }, 'http-rounds': { type: 'string' }, 'queries-only': { type: 'boolean' }, 'accept-only': { type: 'boolean' } } })
  if (v.help) return void process.stdout.write(`${USAGE}\n`)
  const q = v.quick === true
  const s = {
    accept: positiveInt('accept', v.accept, q ? 1000 : 6000), rounds: positiveInt('rounds', v.rounds, q ? 2 : 3),
    dossiers: positiveInt('dossiers', v.dossiers, q ? 200_000 : 2_000_000), runs: positiveInt('runs', v.runs, q ? 10 : 30), readme: writesReadme(v),
    httpUpdates: positiveInt('http-updates', v['http-updates'], q ? 3000 : 10_000),
    httpRounds: v['queries-only'] ? 0 : Number(v['http-rounds'] ?? (q ? 2 : 3)),
  }
  if (!Number.isInteger(s.httpRounds) || s.httpRounds < 0) throw new BenchmarkFailure('--http-rounds takes a whole number ≥ 0')
  if (s.rounds < 2) throw new BenchmarkFailure('--rounds must be at least 2')
  const { schema } = runNames()
  const db = await createDb({ url: DATABASE_URL, schema, poolSize: 2 })
  const loadBefore = uptime()
  log(`schema ${schema}; ${loadBefore}`)
  try {
    await migrate(db)
    const rates: Record<'off' | 'on', number[]> = { off: [], on: [] }
    // One unrecorded round first (the JIT, the caches and the tables' first pages warm up: without
    // it the first rounds ran at a third of the later ones).
    if (!v['queries-only']) {
      const warm = await acceptRound(db, 'w', s.accept, 128)
      log(`warm-up: model off ${num(warm.off)}, on ${num(warm.on)} versions/s`)
      // Statistics, as autovacuum gives a live ledger. The accept statements are prepared: on a
      // fresh schema their generic plans, made on nearly empty tables, scan `indicator_dossiers`
      // and `sync_state` whole until an ANALYZE invalidates them (the "on" side fell from 0.43× to
      // 0.35× within one run).
      await analyzeSchema(DATABASE_URL, schema)
    }
    for (let round = 1; round <= (v['queries-only'] ? 0 : s.rounds); round++) {
      const rate = await acceptRound(db, `r${round}`, s.accept, 128)
      rates.off.push(rate.off)
      rates.on.push(rate.on)
      log(`round ${round}: model off ${num(rate.off)}, on ${num(rate.on)} versions/s (${ratio(rate.on / rate.off)})`)
    }
    // Each round pairs the sides (interleaved batches): the median of the rounds' ratios.
    const acceptRatio = v['queries-only'] ? NaN : median(rates.on.map((on, i) => on / rates.off[i]!))
    const http = s.httpRounds > 0 ? await httpAcceptPart({ updates: s.httpUpdates, rounds: s.httpRounds, warmUp: 2000, log }) : undefined
    const httpText = http ? httpReport(http, s.httpUpdates) : '**Accept path over HTTP**: not run.'
    const loadAccept = uptime()
    if (v['accept-only']) {
      const report = `${machineNote()}. Load (\`uptime\`): before \`${loadBefore}\`; after \`${loadAccept}\`.\n\n${httpText}\n\n` +
        `**Accept transaction, model on vs off** (${s.rounds} rounds after a warm-up round, ${num(s.accept)} dossiers × 2 versions per side and round, batches of 128, the two sides' batches interleaved): ` +
        `off ${rates.off.map((x) => num(x)).join(' / ')}, on ${rates.on.map((x) => num(x)).join(' / ')} versions/s; median of the rounds' ratios **${ratio(acceptRatio)}** — goal ≥ 0.90×: ${verdict(acceptRatio >= 0.9)}.`
      process.stdout.write(`\n${report}\n(--accept-only: bench/README.md not touched)\n`)
      return
    }

    await db.query(`TRUNCATE ${MODEL_TABLES.join(', ')}, dossiers, outbox, sync_state`)
    const genStart = performance.now()
    await generateYear(db, s.dossiers)
    const genS = (performance.now() - genStart) / 1000
    const { rows: [size] } = await db.query<{ daily: number; agency: number; monthly: number; procedure: number }>(`SELECT (SELECT count(*) FROM indicator_daily)::int AS daily,
      (SELECT count(*) FROM indicator_agency_daily)::int AS agency, (SELECT count(*) FROM indicator_monthly)::int AS monthly, (SELECT count(*) FROM indicator_procedure_monthly)::int AS procedure`)
    log(`generated ${num(s.dossiers)} dossiers in ${num(genS, 1)} s: ${num(size!.daily)} daily rows, ${num(size!.agency)} agency rows, ${num(size!.monthly)} monthly rows, ${num(size!.procedure)} procedure-monthly rows`)

    const year = { from: '2025-01-01', to: '2025-12-31', targets: ['national-portal'] }
    const cases: Array<[string, IndicatorQuery]> = [
      ['province, a year, groupBy=none', { ...year, groupBy: 'none' }],
      ['province, a year, groupBy=agency (the summary\'s read)', { ...year, groupBy: 'agency' }],
      ['province, a year, groupBy=day', { ...year, groupBy: 'day' }],
      ['province, a year, groupBy=channel', { ...year, groupBy: 'channel' }],
      ['province, a year, groupBy=procedure', { ...year, groupBy: 'procedure' }],
      ['one procedure, a year, groupBy=agency', { ...year, groupBy: 'agency', procedure: '1.000000' }],
      ['province, 15 Jan – 14 Dec (partial months at both edges), groupBy=procedure', { ...year, from: '2025-01-15', to: '2025-12-14', groupBy: 'procedure' }],
      ['one procedure, 15 Jan – 14 Dec, groupBy=agency', { ...year, from: '2025-01-15', to: '2025-12-14', groupBy: 'agency', procedure: '1.000000' }],
      ['one agency, a quarter, groupBy=procedure', { from: '2025-04-01', to: '2025-06-30', targets: ['national-portal'], groupBy: 'procedure', agency: '000.01.07.H48' }],
      ['restricted client (10 agencies), a year, groupBy=agency', { ...year, groupBy: 'agency', allowed: ['000.00.0%'] }],
    ]
    const rows: string[][] = []
    let worst = 0
    for (const [label, query] of cases) {
      for (let i = 0; i < 2; i++) await queryIndicators(db, query)
      const times: number[] = []
      for (let i = 0; i < s.runs; i++) {
        const t0 = performance.now()
        await queryIndicators(db, query)
        times.push(performance.now() - t0)
      }
      const p95 = quantile(times, 0.95)
      worst = Math.max(worst, p95)
      rows.push([label, num(quantile(times, 0.5), 1), num(p95, 1), num(Math.max(...times), 1)])
      log(`${label}: p50 ${num(quantile(times, 0.5), 1)} ms, p95 ${num(p95, 1)} ms`)
    }
    const loadAfter = uptime()
    const report = [
      `${machineNote()}. Load (\`uptime\`): before \`${loadBefore}\`; after the accept part \`${loadAccept}\`; at the end \`${loadAfter}\`.`,
      '',
      httpText,
      '',
      v['queries-only'] ? '**Accept transaction**: not run (`--queries-only`).' : `**Accept transaction, model on vs off** (${s.rounds} rounds after a warm-up round, ${num(s.accept)} dossiers × 2 versions per side and round, batches of 128, the two sides' batches interleaved): ` +
        `off ${rates.off.map((x) => num(x)).join(' / ')}, on ${rates.on.map((x) => num(x)).join(' / ')} versions/s; median of the rounds' ratios **${ratio(acceptRatio)}** — goal ≥ 0.90×: ${verdict(acceptRatio >= 0.9)}` +
        (acceptRatio >= 0.9 ? '' : ` (by ${num((0.9 - acceptRatio) * 100, 1)} points)`) + '.',
      '',
      `**Queries over one year of ${num(s.dossiers)} dossiers** (${num(size!.daily)} rows per agency/procedure/channel/day, ${num(size!.agency)} per agency/channel/day, ${num(size!.monthly)} per agency/procedure/channel/month, ${num(size!.procedure)} per procedure/channel/month; generated in ${num(genS, 1)} s; ${s.runs} runs each, ms):`,
      '',
      markdownTable(['query', 'p50', 'p95', 'max'], rows),
      '',
      `Worst p95 **${num(worst, 1)} ms** — goal < 200 ms: ${verdict(worst < 200)}${worst < 200 ? '' : ` (by ${num(worst - 200, 0)} ms)`}.`,
    ].join('\n')
    process.stdout.write(`\n${report}\n`)
    if (s.readme) writeLatestResults(NAME, report, log)
  } finally {
    await db.query(`DROP SCHEMA ${schema} CASCADE`).catch(() => undefined)
    await db.close()
  }
}
