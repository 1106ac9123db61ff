/**
 * The three phases of the dossier-sync benchmark, each returning raw measurements:
 * baseline (raw BullMQ add + no-op worker), burst (N updates through the hub as fast as it
 * accepts them, until the ledger is empty), outage (a paced load while the portal answers 503
 * for S seconds, then the drain). Reporting is in sync-report.ts.
 */
import { BenchmarkFailure } from './load.js'
import { syncCpuDelta as cpuDelta, syncCpuSnapshot as cpuSnapshot, type SyncCpuDelta as CpuDelta } from './sync-cpu.js'
import { acceptedCount, addJobs, circuitState, ledgerCounts, newAcceptLog, putUpdates, rounds, setOutage, until, type AcceptLog, type LedgerCounts, type Update } from './sync-load.js'
import { check, drain, fetchReceived, type Check, type Drain } from './sync-verify.js'
import type { SyncHub } from './sync-hub.js'
import type { CallCounts } from './sync-hub-preload.js'

export interface PhaseContext {
  suffix: string
  hub: SyncHub
  simUrl: string
  baselineUrl: string
  redisUrl: string
  /** BullMQ prefix for the baseline queue. */
  bullPrefix: string
  headers: Record<string, string>
  connections: number
  concurrency: number
  pids: Record<string, number | undefined>
  log(line: string): void
  /** Aborted on Ctrl-C: the load stops sending. */
  signal: AbortSignal
  /** Wraps the burst phase (profiling). */
  around?: { start(): Promise<void>; stop(): Promise<void> }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Calls made between two counter snapshots. */
function callsBetween(a: CallCounts, b: CallCounts): CallCounts {
  const diff = (x: Record<string, number>, y: Record<string, number>) =>
    Object.fromEntries(Object.entries(y).map(([k, n]) => [k, n - (x[k] ?? 0)] as const).filter(([, n]) => n > 0))
  return { pg: diff(a.pg, b.pg), redis: diff(a.redis, b.redis) }
}
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`

function assertHealthy(ctx: PhaseContext, log?: AcceptLog): void {
  if (ctx.signal.aborted) throw new BenchmarkFailure('interrupted')
  if (ctx.hub.exited()) throw new BenchmarkFailure(`the hub died (${ctx.hub.exited()})`)
  if (log && log.failures.length > 0) throw new BenchmarkFailure(`${log.failures.length} PUTs were not answered 202:\n  ${log.failures.join('\n  ')}`)
}

export interface Settled {
  /** Counts once the wake-up queue was empty too. */
  ledger: LedgerCounts
  ledgerEmptyAt: number
  /** Wake-up jobs still waiting when the ledger emptied: each one still claims, reads and settles its dossier. */
  queuedAtLedgerEmpty: number
  queueEmptyAt: number
}

/**
 * Waits until the ledger has nothing pending or retrying, then until the delivery queue holds no
 * job (waiting, active or delayed): only then has the hub finished the phase's work. Fails loudly
 * with the counts if either never happens.
 */
async function settle(ctx: PhaseContext, what: string, timeoutMs: number): Promise<Settled> {
  let last: LedgerCounts | undefined
  let ledgerEmptyAt = 0
  let queuedAtLedgerEmpty = 0
  const ok = await until(async () => {
    assertHealthy(ctx)
    last = await ledgerCounts(ctx.hub.url, ctx.headers)
    if (ledgerEmptyAt === 0 && last.pending + last.retrying === 0) {
      ledgerEmptyAt = Date.now()
      queuedAtLedgerEmpty = last.waiting + last.active + last.delayed
    }
    return ledgerEmptyAt > 0 && last.waiting + last.active + last.delayed === 0
  }, timeoutMs, 1000) // each look costs the hub a GROUP BY over the outbox: not too often
  if (!ok) throw new BenchmarkFailure(`${what}: the ${ledgerEmptyAt ? 'queue' : 'ledger'} still had work after ${secs(timeoutMs)}: ${JSON.stringify(last)}`)
  return { ledger: last!, ledgerEmptyAt, queuedAtLedgerEmpty, queueEmptyAt: Date.now() }
}

function progress(ctx: PhaseContext, label: string, log: AcceptLog): () => void {
  const started = Date.now()
  const timer = setInterval(() => {
    void ledgerCounts(ctx.hub.url, ctx.headers).then(
      (c) => ctx.log(`  ${label} +${secs(Date.now() - started)}: ${acceptedCount(log)} accepted; ledger pending ${c.pending}, retrying ${c.retrying}, dead ${c.dead}; queue waiting ${c.waiting}, delayed ${c.delayed}`),
      () => undefined,
    )
  }, 5000)
  return () => clearInterval(timer)
}

export interface BaselineResult {
  jobs: number
  addPerS: number
  processedPerS: number
  /** Add resolved → processor ran, ms, ascending. */
  lags: number[]
  addLatencies: number[]
  cpu: CpuDelta
}

export async function baselinePhase(ctx: PhaseContext, jobs: number): Promise<BaselineResult> {
  const before = cpuSnapshot(ctx.pids)
  const add = await addJobs({ redisUrl: ctx.redisUrl, prefix: ctx.bullPrefix, queue: 'sync-baseline', jobs, connections: ctx.connections, signal: ctx.signal })
  const count = async () => ((await (await fetch(`${ctx.baselineUrl}/count`)).json()) as { count: number }).count
  if (!(await until(async () => (await count()) >= jobs, 120_000, 100))) throw new BenchmarkFailure(`baseline: only ${await count()} of ${jobs} jobs processed after 120 s`)
  const cpu = cpuDelta(before, cpuSnapshot(ctx.pids))
  const { processed } = (await (await fetch(`${ctx.baselineUrl}/stats`)).json()) as { processed: Array<[string, number]> }
  const lags = processed.map(([id, at]) => at - add.addedAt.get(id)!).sort((a, b) => a - b)
  const lastProcessed = processed.reduce((max, [, at]) => Math.max(max, at), 0)
  return {
    jobs, lags, cpu, addLatencies: add.latencies.sort((a, b) => a - b),
    addPerS: jobs / ((add.lastAddAt - add.firstAddAt) / 1000),
    processedPerS: jobs / ((lastProcessed - add.firstAddAt) / 1000),
  }
}

/**
 * Brings the ledger to a steady state before the burst: `updates` updates of other dossiers, run
 * to the end, then `analyze` (statistics, as autovacuum keeps them on a live ledger). Without it
 * the burst ran on never-analyzed tables, and the hub's prepared statements kept the generic plans
 * made on empty tables (whole-table scans) until autovacuum's first pass, after the burst.
 */
export async function warmUpPhase(ctx: PhaseContext, updates: number, analyze: () => Promise<void>): Promise<void> {
  const dossiers = Math.max(1, Math.ceil(updates / 2))
  const codes = Array.from({ length: dossiers }, (_, i) => `BS-${ctx.suffix}-W-${i}`)
  const log = newAcceptLog()
  await putUpdates({ url: ctx.hub.url, headers: ctx.headers, connections: ctx.connections, item: rounds(codes, updates), signal: ctx.signal }, log)
  assertHealthy(ctx, log)
  await settle(ctx, 'warm-up', 180_000)
  await analyze()
}

export interface BurstResult {
  updates: number
  dossiers: number
  versions: number
  log: AcceptLog
  check: Check
  ledger: LedgerCounts
  settled: Settled
  cpu: CpuDelta
  /** PostgreSQL statements and Redis commands the hub issued during the burst. */
  calls: CallCounts
}

export async function burstPhase(ctx: PhaseContext, updates: number, versions: number): Promise<BurstResult> {
  const dossiers = Math.ceil(updates / versions)
  const codes = Array.from({ length: dossiers }, (_, i) => `BS-${ctx.suffix}-M-${i}`)
  const log = newAcceptLog()
  const callsBefore = await ctx.hub.counts()
  await ctx.around?.start()
  const before = cpuSnapshot(ctx.pids)
  const stop = progress(ctx, 'burst', log)
  try {
    await putUpdates({ url: ctx.hub.url, headers: ctx.headers, connections: ctx.connections, item: rounds(codes, updates), signal: ctx.signal }, log)
    assertHealthy(ctx, log)
    ctx.log(`  all ${updates} updates accepted in ${secs(log.lastAcceptAt - log.firstSendAt)}; waiting for the ledger to empty`)
    const settled = await settle(ctx, 'burst', Math.max(180_000, updates * 30))
    const ledger = settled.ledger
    const cpu = cpuDelta(before, cpuSnapshot(ctx.pids))
    await ctx.around?.stop()
    const calls = callsBetween(callsBefore, await ctx.hub.counts())
    const received = await fetchReceived(ctx.simUrl, codes)
    return { updates, dossiers, versions, log, check: check(log, received), ledger, settled, cpu, calls }
  } finally {
    stop()
  }
}

export interface OutageResult {
  rate: number
  dossiers: number
  preS: number
  outageS: number
  postS: number
  log: AcceptLog
  check: Check
  drain: Drain
  outageAt: number
  restoreAt: number
  /** Accepted while the portal was down, and the hub's CPU meanwhile. */
  acceptedDuringOutage: number
  outageCpu: CpuDelta
  /** PostgreSQL statements and Redis commands the hub issued while the portal was down. */
  outageCalls: CallCounts
  circuit: string
  /** Ledger counts just before the restore. */
  ledgerAtRestore: LedgerCounts
  /** When the load stopped. */
  loadEndAt: number
  settled: Settled
  ledger: LedgerCounts
}

export async function outagePhase(ctx: PhaseContext, o: { rate: number; outageS: number; preS: number; postS: number }): Promise<OutageResult> {
  // Each dossier gets a new version about every two seconds of outage: half the backlog is superseded.
  const dossiers = Math.max(1, Math.round((o.rate * o.outageS) / 2))
  const codes = Array.from({ length: dossiers }, (_, i) => `BS-${ctx.suffix}-O-${i}`)
  const item = (i: number): Update => ({ code: codes[i % dossiers]!, version: Math.floor(i / dossiers) + 1 })
  const log = newAcceptLog()
  const startAt = Date.now() + 200
  const endAt = startAt + (o.preS + o.outageS + o.postS) * 1000
  const stop = progress(ctx, 'outage', log)
  try {
    const loading = putUpdates({ url: ctx.hub.url, headers: ctx.headers, connections: ctx.connections, item, pace: { rate: o.rate, startAt, endAt }, signal: ctx.signal }, log)
    await sleep(startAt + o.preS * 1000 - Date.now())
    await setOutage(ctx.simUrl, 503)
    const outageAt = Date.now()
    const cpuBefore = cpuSnapshot(ctx.pids)
    const callsBefore = await ctx.hub.counts()
    ctx.log(`  portal down (503) at +${secs(outageAt - startAt)}`)
    const circuitP = sleep((o.outageS * 1000) / 2).then(() => circuitState(ctx.hub.url, ctx.headers)).catch((err: Error) => `unknown (${err.message})`)
    await sleep(outageAt + o.outageS * 1000 - 1000 - Date.now())
    const ledgerAtRestore = await ledgerCounts(ctx.hub.url, ctx.headers)
    await sleep(outageAt + o.outageS * 1000 - Date.now())
    await setOutage(ctx.simUrl, undefined)
    const restoreAt = Date.now()
    const outageCpu = cpuDelta(cpuBefore, cpuSnapshot(ctx.pids))
    const outageCalls = callsBetween(callsBefore, await ctx.hub.counts())
    ctx.log(`  portal back at +${secs(restoreAt - startAt)}; ledger before the restore: ${JSON.stringify(ledgerAtRestore)}`)
    await loading
    assertHealthy(ctx, log)
    const loadEndAt = Date.now()
    const settled = await settle(ctx, 'outage', 600_000)
    const ledger = settled.ledger
    const received = await fetchReceived(ctx.simUrl, [...log.accepted.keys()])
    const acceptedDuringOutage = [...log.accepted.values()].reduce((n, m) => n + [...m.values()].filter((at) => at >= outageAt && at < restoreAt).length, 0)
    return {
      ...o, dossiers, log, outageAt, restoreAt, check: check(log, received), drain: drain(log, received, outageAt, restoreAt), acceptedDuringOutage, outageCpu, outageCalls,
      circuit: await circuitP, ledgerAtRestore, loadEndAt, settled, ledger,
    }
  } finally {
    stop()
  }
}
