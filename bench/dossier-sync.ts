/**
 * Benchmark: outbound dossier sync end to end. N dossier updates PUT to the hub over HTTP (202 =
 * committed in the ledger), delivered by its BullMQ workers through the national-portal
 * connector to the portal simulator; measured: accept rate, delivered/s, accept-to-delivery lag,
 * and that nothing is lost or delivered stale. Baseline in the same run: raw BullMQ add + no-op
 * worker on the same Redis. Then the portal answers 503 for S seconds under a steady load and the
 * backlog drain is measured. Goal (issue): ≥ 1,000 deliveries/s, zero lost, zero stale.
 * Processes: simulator and baseline worker via lib/child.ts, the hub via lib/sync-hub.ts.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { Redis } from 'ioredis'
import { sha256Hex } from '../src/plugins/auth.js'
import { spawnChild, stopAllChildren } from './lib/child.js'
import { deleteRedisPrefix, dropSchema } from './lib/cleanup.js'
import { BenchmarkFailure } from './lib/load.js'
import { writeReadmeSection } from './lib/report.js'
import { processCpuMs } from './lib/cpu-usage.js'
import { formatProfile, summariseProfile } from './lib/cpu-profile.js'
import { startSyncHub, type LedgerOption, type SyncHub } from './lib/sync-hub.js'
import { baselinePhase, burstPhase, outagePhase, type PhaseContext } from './lib/sync-phases.js'
import { deliveredPerS, problems, syncReport } from './lib/sync-report.js'
import type { BaselineChildParams } from './lib/sync-baseline-child.js'

const NAME = 'dossier-sync'
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379'
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
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
  --quick              5,000 updates and a 10 s outage; does not touch bench/README.md
  --cpu-prof           profile the hub during the burst and print its hot spots; does not touch bench/README.md
  --no-readme          do not write the results into bench/README.md`

interface Settings {
  updates: number
  versions: number
  connections: number
  concurrency: number
  db: 'postgres' | 'pglite'
  outageS: number
  outageRate: number
  quick: boolean
  cpuProf: boolean
  writeReadme: boolean
}

function int(name: string, value: string | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < min) throw new BenchmarkFailure(`--${name} must be an integer ≥ ${min}, got "${value}"`)
  return n
}

function parseSettings(args: string[]): Settings | undefined {
  const s = { type: 'string' } as const
  const b = { type: 'boolean' } as const
  const { values: v } = parseArgs({
    args,
    options: {
      updates: s, versions: s, connections: s, concurrency: s, db: s, 'outage-seconds': s, 'outage-rate': s,
      quick: b, 'cpu-prof': b, 'no-readme': b, help: b,
    },
  })
  if (v.help) return undefined
  if (v.db !== undefined && v.db !== 'pglite' && v.db !== 'postgres') throw new BenchmarkFailure(`--db must be postgres or pglite, got "${v.db}"`)
  return {
    updates: int('updates', v.updates, v.quick ? 5000 : 20_000),
    versions: int('versions', v.versions, 5),
    connections: int('connections', v.connections, 32),
    concurrency: int('concurrency', v.concurrency, 16),
    db: (v.db ?? 'postgres') as Settings['db'],
    outageS: int('outage-seconds', v['outage-seconds'], v.quick ? 10 : 60, 0),
    outageRate: int('outage-rate', v['outage-rate'], 200),
    quick: v.quick === true,
    cpuProf: v['cpu-prof'] === true,
    writeReadme: !v.quick && !v['cpu-prof'] && !v['no-readme'],
  }
}

async function redisPid(): Promise<number | undefined> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 })
  try {
    const pid = Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1])
    return Number.isInteger(pid) && processCpuMs(pid) !== undefined ? pid : undefined
  } finally {
    redis.disconnect()
  }
}

export async function run(args: string[]): Promise<void> {
  const settings = parseSettings(args)
  if (!settings) return void process.stdout.write(`${USAGE}\n`)
  const suffix = randomBytes(4).toString('hex')
  const redisPrefix = `bench:${suffix}:`
  const schema = `bench_${suffix}`
  const key = `bench-${randomBytes(16).toString('hex')}`
  const workDir = mkdtempSync(join(tmpdir(), 'lgsp-bench-sync-'))
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' }
  const ledger: LedgerOption = settings.db === 'postgres' ? { kind: 'postgres', url: DATABASE_URL, schema } : { kind: 'pglite', dir: join(workDir, 'pglite') }
  const log = (line: string) => process.stderr.write(`${line}\n`)
  let hub: SyncHub | undefined
  const interrupted = new AbortController()

  let cleaning: Promise<void> | undefined
  const cleanup = () => (cleaning ??= (async () => {
    await hub?.stop().catch(() => undefined)
    await stopAllChildren(5000)
    const deleted = await deleteRedisPrefix(REDIS_URL, redisPrefix).catch((err: Error) => (log(`could not delete Redis keys ${redisPrefix}*: ${err.message}`), 0))
    if (settings.db === 'postgres') await dropSchema(DATABASE_URL, schema).catch((err: Error) => log(`could not drop schema ${schema}: ${err.message}`))
    rmSync(workDir, { recursive: true, force: true })
    log(`cleaned up: hub and children stopped, ${deleted} Redis keys under ${redisPrefix} deleted${settings.db === 'postgres' ? `, schema ${schema} dropped` : ''}, ${workDir} removed`)
  })())
  // `on`, not `once`: under `npm run`/tsx a Ctrl-C arrives twice (from the terminal and relayed by
  // tsx), and a second signal without a listener would kill the process halfway through cleaning up.
  let signalled = false
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) return
    signalled = true
    log(`\n${signal}: stopping and cleaning up`)
    interrupted.abort()
    void cleanup().finally(() => process.exit(130))
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  try {
    const sim = await spawnChild('national-portal simulator', new URL('./lib/sync-simulator-child.ts', import.meta.url), {})
    const bullPrefix = `${redisPrefix}baseline`
    const baselineParams: BaselineChildParams = { redisUrl: REDIS_URL, prefix: bullPrefix, queue: 'sync-baseline', concurrency: settings.concurrency }
    const [started, baseline] = await Promise.all([
      // Kept as soon as it is up, so cleanup stops it even when the baseline child fails to start.
      startSyncHub({ simulatorUrl: sim.url, redisUrl: REDIS_URL, redisPrefix, keySha256: sha256Hex(key), ledger, concurrency: settings.concurrency, retry: RETRY, workDir })
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
      connections: settings.connections, concurrency: settings.concurrency, log, signal: interrupted.signal,
      pids: { hub: hub.pid, simulator: sim.pid, baseline: baseline.pid, redis: await redisPid(), self: process.pid },
      ...(profFile && { around: { start: () => theHub.startProfile(), stop: () => theHub.stopProfile(profFile) } }),
    }

    log(`baseline: ${settings.updates} BullMQ jobs, ${settings.connections} adders, worker concurrency ${settings.concurrency}`)
    const base = await baselinePhase(ctx, settings.updates)
    log(`  ${Math.round(base.processedPerS)} jobs/s`)
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
    if (profFile) process.stdout.write(`\n### Hub CPU profile (burst phase only)\n\n${formatProfile(summariseProfile(profFile, 25))}\n`)
    const found = [...problems('burst', burst.check, burst.ledger.dead), ...(outage ? problems('outage', outage.check, outage.ledger.dead) : [])]
    if (found.length > 0) throw new BenchmarkFailure(`correctness violated (the README was not updated):\n  ${found.join('\n  ')}`)
    if (settings.writeReadme) {
      writeReadmeSection(NAME, `### Latest results\n\n${markdown}`)
      log('\nresults written to bench/README.md')
    }
  } finally {
    await cleanup()
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}
