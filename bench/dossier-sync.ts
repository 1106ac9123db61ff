/**
 * Benchmark: outbound dossier sync end to end. N dossier updates PUT to the hub over HTTP (202 =
 * committed in the ledger), delivered by its BullMQ workers through the national-portal
 * connector to the portal simulator; measured: accept rate, delivered/s, accept-to-delivery lag,
 * and that nothing is lost or delivered stale. Baseline in the same run: raw BullMQ add + no-op
 * worker on the same Redis. Then the portal answers 503 for S seconds under a steady load and the
 * backlog drain is measured. Goal (issue): ≥ 1,000 deliveries/s, zero lost, zero stale.
 * Processes: simulator and baseline worker via lib/child.ts, the hub via lib/sync-hub.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { sha256Hex } from '../src/plugins/auth.js'
import { spawnChild, stopAllChildren } from './lib/child.js'
import { analyzeSchema, tryDeleteRedisPrefix, tryDropSchema } from './lib/cleanup.js'
import { dbKind, intAtLeast, RUN_OPTIONS, writesReadme, type DbKind } from './lib/flags.js'
import { guardRun } from './lib/run-guard.js'
import { DATABASE_URL, REDIS_URL, redisPid, runNames } from './lib/services.js'
import { BenchmarkFailure } from './lib/load.js'
import { log, writeLatestResults } from './lib/report.js'
import { formatProfile, summariseProfile } from './lib/cpu-profile.js'
import { formatGroups, groupProfile, SYNC_GROUPS } from './lib/cpu-groups.js'
import { startSyncHub, type LedgerOption, type SyncHub } from './lib/sync-hub.js'
import { baselinePhase, burstPhase, outagePhase, warmUpPhase, type PhaseContext } from './lib/sync-phases.js'
import { deliveredPerS, problems, syncReport } from './lib/sync-report.js'
import type { BaselineChildParams } from './lib/sync-baseline-child.js'

const NAME = 'dossier-sync'
/** Short enough that a drain after the outage is measured, not the backoff; attempts raised to keep the patience. */
const RETRY = { baseDelayMs: 500, maxDelayMs: 5000, maxAttempts: 200 }

const USAGE = `npm run bench -- ${NAME} [options]
  --updates N          dossier updates in the burst (default 20000)
  --versions N         versions per dossier, sent in rounds (default 5: 4,000 dossiers)
  --connections N      concurrent HTTP connections, and concurrent adders for the baseline (default 32)
  --concurrency N      hub worker concurrency (per-dossier path; batch drains keep their default 2), and the baseline worker's (default 16)
  --db KIND            postgres (default; BENCH_DATABASE_URL, private schema) or pglite (temp dir)
  --outage-seconds S   portal down (503) under load for S s, then measure the drain; 0 skips (default 60)
  --outage-rate N      updates/s of the steady load around the outage (default 200)
  --warm-up N          updates of other dossiers run to the end before the burst, then ANALYZE (PostgreSQL), so the burst meets a ledger in a steady state (default 2000; 0 = an empty, never-analyzed ledger)
  --indicators off     the hub without the indicator model (config indicators.enabled false), to measure its cost; does not touch bench/README.md
  --quick              5,000 updates and a 10 s outage; does not touch bench/README.md
  --cpu-prof           profile the hub during the burst and print its hot spots; does not touch bench/README.md
  --no-readme          do not write the results into bench/README.md`

interface Settings {
  updates: number
  versions: number
  connections: number
  concurrency: number
  db: DbKind
  outageS: number
  outageRate: number
  quick: boolean
  cpuProf: boolean
  indicators: boolean
  warmUp: number
  writeReadme: boolean
}

function parseSettings(args: string[]): Settings | undefined {
  const s = { type: 'string' } as const
  const { values: v } = parseArgs({
    args,
    options: { updates: s, versions: s, connections: s, concurrency: s, db: s, 'outage-seconds': s, 'outage-rate': s, 'warm-up': s, indicators: s, ...RUN_OPTIONS },
  })
  if (v.help) return undefined
  const db = dbKind(v.db, 'postgres')
  if (v.indicators !== undefined && v.indicators !== 'on' && v.indicators !== 'off') throw new Error(`--indicators takes on or off, not ${v.indicators}`)
  const indicators = v.indicators !== 'off'
  return {
    updates: intAtLeast('updates', v.updates, v.quick ? 5000 : 20_000),
    versions: intAtLeast('versions', v.versions, 5),
    connections: intAtLeast('connections', v.connections, 32),
    concurrency: intAtLeast('concurrency', v.concurrency, 16),
    db,
    outageS: intAtLeast('outage-seconds', v['outage-seconds'], v.quick ? 10 : 60, 0),
    outageRate: intAtLeast('outage-rate', v['outage-rate'], 200),
    quick: v.quick === true,
    cpuProf: v['cpu-prof'] === true,
    indicators,
    warmUp: intAtLeast('warm-up', v['warm-up'], 2000, 0),
    writeReadme: writesReadme(v) && indicators,
  }
}

export async function run(args: string[]): Promise<void> {
  const settings = parseSettings(args)
  if (!settings) return void process.stdout.write(`${USAGE}\n`)
  const { suffix, redisPrefix, schema, key } = runNames()
  const workDir = mkdtempSync(join(tmpdir(), 'lgsp-bench-sync-'))
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' }
  const ledger: LedgerOption = settings.db === 'postgres' ? { kind: 'postgres', url: DATABASE_URL, schema } : { kind: 'pglite', dir: join(workDir, 'pglite') }
  let hub: SyncHub | undefined

  const guard = guardRun({
    log, note: 'stopping and cleaning up',
    cleanup: async () => {
      await hub?.stop().catch(() => undefined)
      await stopAllChildren(5000)
      const deleted = await tryDeleteRedisPrefix(REDIS_URL, redisPrefix, log)
      if (settings.db === 'postgres') await tryDropSchema(DATABASE_URL, schema, log)
      rmSync(workDir, { recursive: true, force: true })
      log(`cleaned up: hub and children stopped, ${deleted} Redis keys under ${redisPrefix} deleted${settings.db === 'postgres' ? `, schema ${schema} dropped` : ''}, ${workDir} removed`)
    },
  })
  try {
    const sim = await spawnChild('national-portal simulator', new URL('./lib/sync-simulator-child.ts', import.meta.url), {})
    const bullPrefix = `${redisPrefix}baseline`
    const baselineParams: BaselineChildParams = { redisUrl: REDIS_URL, prefix: bullPrefix, queue: 'sync-baseline', concurrency: settings.concurrency }
    const [started, baseline] = await Promise.all([
      // Kept as soon as it is up, so cleanup stops it even when the baseline child fails to start.
      startSyncHub({ simulatorUrl: sim.url, redisUrl: REDIS_URL, redisPrefix, keySha256: sha256Hex(key), ledger, concurrency: settings.concurrency, retry: RETRY, indicators: settings.indicators, workDir })
        .then((h) => (hub = h)),
      spawnChild('bullmq baseline', new URL('./lib/sync-baseline-child.ts', import.meta.url), baselineParams),
    ])
    hub = started
    log(`simulator ${sim.url} (pid ${sim.pid}), hub ${hub.url} (pid ${hub.pid}, ${settings.db}), baseline worker pid ${baseline.pid}`)
    // Kept after the run (not under workDir) for a closer look, e.g. in Chrome DevTools.
    const profFile = settings.cpuProf ? join(mkdtempSync(join(tmpdir(), 'lgsp-bench-prof-')), 'hub.cpuprofile') : undefined
    const theHub = hub
    const ctx: PhaseContext = {
      suffix, hub, simUrl: sim.url, baselineUrl: baseline.url, redisUrl: REDIS_URL, bullPrefix, headers,
      connections: settings.connections, concurrency: settings.concurrency, log, signal: guard.signal,
      pids: { hub: hub.pid, simulator: sim.pid, baseline: baseline.pid, redis: await redisPid(), self: process.pid },
      ...(profFile && { around: { start: () => theHub.startProfile(), stop: () => theHub.stopProfile(profFile) } }),
    }

    log(`baseline: ${settings.updates} BullMQ jobs, ${settings.connections} adders, worker concurrency ${settings.concurrency}`)
    const base = await baselinePhase(ctx, settings.updates)
    log(`  ${Math.round(base.processedPerS)} jobs/s`)
    if (settings.warmUp > 0) {
      log(`warm-up: ${settings.warmUp} updates of other dossiers, then ${settings.db === 'postgres' ? 'ANALYZE of the ledger' : 'no ANALYZE (PGlite is inside the hub)'}`)
      await warmUpPhase(ctx, settings.warmUp, settings.db === 'postgres' ? () => analyzeSchema(DATABASE_URL, schema) : async () => {})
    }
    log(`burst: ${settings.updates} updates over ${settings.connections} connections`)
    const burst = await burstPhase(ctx, settings.updates, settings.versions)
    log(`  ${Math.round(deliveredPerS(burst))} deliveries/s, ${burst.check.delivered} delivered, ${burst.check.superseded} superseded`)
    const preS = settings.quick ? 3 : 5
    const outage = settings.outageS > 0
      ? (log(`outage: ${settings.outageRate} updates/s, portal down for ${settings.outageS} s`),
        await outagePhase(ctx, { rate: settings.outageRate, outageS: settings.outageS, preS, postS: 2 * preS }))
      : undefined

    const markdown = syncReport({
      command: `npm run bench -- ${[NAME, ...args].join(' ')}`,
      ledger: settings.db === 'postgres' ? 'PostgreSQL 127.0.0.1 (private schema `bench_<hex>`, dropped afterwards)' : 'PGlite in a temp directory (inside the hub process)',
      connections: settings.connections, concurrency: settings.concurrency, retry: RETRY,
      baseline: base, burst, ...(outage && { outage }), hubLogs: hub.logSummary(),
    })
    process.stdout.write(`\n## ${NAME}\n\n${markdown}\n`)
    if (profFile) {
      process.stdout.write(`\n### Hub CPU profile (burst phase only)\n\n${formatProfile(summariseProfile(profFile, 25))}\n`)
      process.stdout.write(`\nBy function group (\`bench/lib/cpu-groups.ts\`; µs per update of the burst):\n\n${formatGroups(groupProfile(profFile, SYNC_GROUPS), settings.updates)}\n`)
    }
    const found = [...problems('burst', burst.check, burst.ledger.dead), ...(outage ? problems('outage', outage.check, outage.ledger.dead) : [])]
    if (found.length > 0) throw new BenchmarkFailure(`correctness violated (the README was not updated):\n  ${found.join('\n  ')}`)
    if (settings.writeReadme) writeLatestResults(NAME, markdown, log)
  } finally {
    await guard.cleanup()
    guard.release()
  }
}
