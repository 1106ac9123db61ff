/**
 * The dossier-sync report: the burst against the raw BullMQ baseline and the goal, the
 * correctness checks, and the outage/drain phase. Markdown, for the terminal and the README.
 */
import { execFileSync } from 'node:child_process'
import type { SyncCpuDelta as CpuDelta } from './sync-cpu.js'
import { machineNote, markdownTable, ms, num, ratio } from './report.js'
import { acceptedCount } from './sync-load.js'
import { percentile, type Check } from './sync-verify.js'
import type { BaselineResult, BurstResult, OutageResult } from './sync-phases.js'

export const GOAL_DELIVERIES_PER_S = 1000

export interface SyncReportInput {
  command: string
  ledger: string
  connections: number
  concurrency: number
  retry: { baseDelayMs: number; maxDelayMs: number; maxAttempts: number }
  baseline: BaselineResult
  burst: BurstResult
  outage?: OutageResult
  hubLogs: { warn: number; error: number }
}

const p = (xs: number[], q: number) => ms(percentile(xs, q))
const secs = (msec: number) => `${num(msec / 1000, 1)} s`
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b)
const cores = (cpu: CpuDelta, name: string) => {
  const v = cpu.processes[name]
  return v === undefined ? 'n/a' : num(v / cpu.wallMs, 2)
}
/** Share of the wall time a process's main thread was runnable but had no core. */
const waiting = (cpu: CpuDelta, name: string) => {
  const v = cpu.waitMs[name]
  return v === undefined ? 'n/a' : `${num((100 * v) / cpu.wallMs)} %`
}
const other = (cpu: CpuDelta) => (cpu.otherMs === undefined ? 'n/a' : num(cpu.otherMs / cpu.wallMs, 2))

/** Burst delivery rate: versions delivered / (first accept → last arrival). */
export function deliveredPerS(b: BurstResult): number {
  return b.check.delivered / ((b.check.lastArrivalAt - b.log.firstSendAt) / 1000)
}

/** Every correctness problem of a phase, as lines; empty when clean. */
export function problems(label: string, c: Check, dead: number): string[] {
  const out: string[] = []
  const add = (what: string, items: string[]) => {
    if (items.length > 0) out.push(`${label}: ${items.length} ${what}, e.g. ${items.slice(0, 5).join('; ')}`)
  }
  add('dossiers LOST (latest accepted version never delivered)', c.lost)
  add('STALE deliveries (a version after a newer one)', c.stale)
  add('deliveries of versions never accepted', c.unknown)
  if (dead > 0) out.push(`${label}: ${dead} changes dead-lettered`)
  return out
}

function checksLine(c: Check, dead: number): string {
  return `lost **${c.lost.length}**, stale **${c.stale.length}**, duplicates ${c.duplicates.length}, never-accepted ${c.unknown.length}, dead-lettered ${dead}`
}

/** `total (top kinds)` of a call count, per `per`. */
function perUnit(m: Record<string, number>, per: number, top = 6): string {
  const entries = Object.entries(m).sort((a, b) => b[1] - a[1])
  const total = entries.reduce((n, [, c]) => n + c, 0)
  if (total === 0) return 'n/a (none counted: with PGlite the statements never leave the hub process)'
  return `**${num(total / per, 1)}** (${entries.slice(0, top).map(([k, c]) => `${k} ${num(c / per, 1)}`).join(', ')})`
}

function burstSection(r: SyncReportInput): string {
  const { burst: b, baseline: base } = r
  const acceptS = (b.log.lastAcceptAt - b.log.firstSendAt) / 1000
  const rate = deliveredPerS(b)
  const lat = sorted(b.log.latencies.map((l) => l.ms))
  const cpuPer = (cpu: CpuDelta, name: string, n: number) => num(((cpu.processes[name] ?? NaN) * 1000) / n)
  const table = markdownTable(['', 'A: hub (HTTP → ledger → BullMQ → portal)', 'B: raw BullMQ (add + no-op worker)', 'A / B'], [
    ['updates / jobs', num(b.log.latencies.length), num(base.jobs), ''],
    ['accepted per s (202 / add resolved)', num(b.log.latencies.length / acceptS), num(base.addPerS), ratio(b.log.latencies.length / acceptS / base.addPerS)],
    ['accept latency p50 / p99 ms (PUT → 202 / add)', `${p(lat, 50)} / ${p(lat, 99)}`, `${p(base.addLatencies, 50)} / ${p(base.addLatencies, 99)}`, ''],
    ['delivered (processed)', num(b.check.delivered), num(base.jobs), ''],
    ['superseded (latest-wins, never sent)', num(b.check.superseded), '–', ''],
    ['**delivered per s** (first accept → last delivery)', `**${num(rate)}**`, num(base.processedPerS), `**${ratio(rate / base.processedPerS)}**`],
    ['accepted updates settled per s (delivered + superseded)', num((b.check.delivered + b.check.superseded) / ((b.check.lastArrivalAt - b.log.firstSendAt) / 1000)), num(base.processedPerS), ''],
    ['lag p50 / p99 / max ms (202 → arrival / add → processed)', `${p(b.check.lags, 50)} / ${p(b.check.lags, 99)} / ${p(b.check.lags, 100)}`, `${p(base.lags, 50)} / ${p(base.lags, 99)} / ${p(base.lags, 100)}`, ''],
    ['server CPU µs per update / job (hub / baseline worker)', cpuPer(b.cpu, 'hub', b.updates), cpuPer(base.cpu, 'baseline', base.jobs), ''],
  ])
  const cpuTable = markdownTable(['cores used', 'hub / baseline worker', 'PostgreSQL', 'Redis', 'simulator', 'bench (load)', 'other work on the machine'], [
    ['A: burst (accept + deliver)', cores(b.cpu, 'hub'), cores(b.cpu, 'postgres'), cores(b.cpu, 'redis'), cores(b.cpu, 'simulator'), cores(b.cpu, 'self'), other(b.cpu)],
    ['B: baseline', cores(base.cpu, 'baseline'), cores(base.cpu, 'postgres'), cores(base.cpu, 'redis'), '–', cores(base.cpu, 'self'), other(base.cpu)],
    ['A: main thread runnable but no core free', waiting(b.cpu, 'hub'), 'n/a', waiting(b.cpu, 'redis'), waiting(b.cpu, 'simulator'), waiting(b.cpu, 'self'), ''],
  ])
  const met = rate >= GOAL_DELIVERIES_PER_S
  return [
    `#### Burst: ${num(b.updates)} updates = ${num(b.dossiers)} dossiers × ${b.versions} versions in rounds, ${r.connections} connections`,
    '',
    table,
    '',
    `Goal ≥ ${num(GOAL_DELIVERIES_PER_S)} deliveries/s end to end: **${met ? 'met' : 'missed'}** (${num(rate)}/s). Checks: ${checksLine(b.check, b.ledger.dead)}.`,
    '',
    `Wake-ups: ${num(b.settled.queuedAtLedgerEmpty)} jobs were still queued when the ledger emptied (${secs(b.settled.ledgerEmptyAt - b.check.lastArrivalAt)} after the last delivery); the queue was empty ${secs(b.settled.queueEmptyAt - b.check.lastArrivalAt)} after the last delivery. Each committed accept batch enqueues one wake-up for the target (coalesced per slot), and each wake-up drains every dossier with open work in batches. CPU figures cover the whole phase, queue drain included.`,
    '',
    cpuTable,
    '',
    `Per accepted update the hub issued ${perUnit(b.calls.pg, b.updates)} PostgreSQL statements and ${perUnit(b.calls.redis, b.updates)} Redis commands (counted in the hub process by the benchmark's preload, lib/sync-hub-preload.ts).`,
  ].join('\n')
}

function outageSection(o: OutageResult): string {
  const d = o.drain
  const during = sorted(o.log.latencies.filter((l) => l.at >= o.outageAt && l.at < o.restoreAt).map((l) => l.ms))
  const rows = [
    ['steady load', `${num(o.rate)} updates/s paced over ${num(o.dossiers)} dossiers: ${o.preS} s before, ${o.outageS} s outage, ${o.postS} s after the restore`],
    ['accepted (whole phase / during the outage)', `${num(acceptedCount(o.log))} / ${num(o.acceptedDuringOutage)} (${num(o.acceptedDuringOutage / o.outageS)}/s); accept latency p50 ${p(during, 50)} ms, p99 ${p(during, 99)} ms`],
    ['hub while the portal is down', `${cores(o.outageCpu, 'hub')} cores, runnable without a core ${waiting(o.outageCpu, 'hub')} of the time (PostgreSQL ${cores(o.outageCpu, 'postgres')}, Redis ${cores(o.outageCpu, 'redis')}, other work ${other(o.outageCpu)}); circuit at mid-outage: **${o.circuit}**; deliveries during the outage: ${num(d.arrivalsDuringOutage)}`],
    ['hub calls while the portal is down', `${perUnit(o.outageCalls.pg, o.outageS, 4)} PostgreSQL statements/s, ${perUnit(o.outageCalls.redis, o.outageS, 4)} Redis commands/s`],
    ['ledger just before the restore', `pending ${num(o.ledgerAtRestore.pending)}, retrying ${num(o.ledgerAtRestore.retrying)}, dead ${o.ledgerAtRestore.dead}; queue delayed ${num(o.ledgerAtRestore.delayed)}, waiting ${num(o.ledgerAtRestore.waiting)}`],
    ['backlog at the restore', `${num(d.backlogDossiers)} dossiers behind (${num(d.backlogUpdates)} accepted updates; their newest version is what gets delivered)`],
    ['first delivery after the restore', `${ms(d.firstDeliveryMs)} ms`],
    ['**backlog drained**', `**${num(d.drainMs / 1000, 1)} s** after the restore: **${num(d.backlogDossiers / (d.drainMs / 1000))} backlog dossiers/s**; ${num(d.arrivalsDuringDrain)} deliveries in that time (fresh load included) = ${num(d.arrivalsDuringDrain / (d.drainMs / 1000))}/s`],
    ['ledger empty / wake-up queue empty', `${num((o.settled.ledgerEmptyAt - o.loadEndAt) / 1000, 1)} s / ${num((o.settled.queueEmptyAt - o.loadEndAt) / 1000, 1)} s after the load stopped (${num(o.settled.queuedAtLedgerEmpty)} wake-ups still queued when the ledger emptied)`],
    ['lag of delivered versions p50 / p99 / max', `${p(o.check.lags, 50)} / ${p(o.check.lags, 99)} / ${p(o.check.lags, 100)} ms`],
    ['checks', checksLine(o.check, o.ledger.dead)],
  ]
  return [`#### Outage: the portal answers 503 (Retry-After: 1) for ${o.outageS} s under load`, '', markdownTable(['', ''], rows)].join('\n')
}

/** The commit measured, and whether the code under test had uncommitted changes. */
function codeVersion(): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
    const dirty = git('status', '--porcelain', '--', 'src', 'connectors', 'schemas', 'config') !== ''
    return `commit ${git('rev-parse', '--short', 'HEAD')}${dirty ? ' with uncommitted changes in src/, connectors/, schemas/ or config/' : ''}`
  } catch {
    return 'unknown (no git)'
  }
}

export function syncReport(r: SyncReportInput): string {
  const rt = r.retry
  return [
    `Command: \`${r.command}\` (code: ${codeVersion()})`,
    '',
    `Machine: ${machineNote()}. Hub, simulator, Redis, PostgreSQL and the load generator share these cores.`,
    '',
    `Ledger: ${r.ledger}. Hub: \`src/main.ts start\`, role all, worker concurrency ${r.concurrency}, batch delivery and accept group commit at their defaults (\`syncDossiers\`, up to 50 dossiers per call, 2 calls in flight; up to 128 PUTs per commit, 2 ms wait), connector defaults (10 sockets, 3 attempts, circuit 5 failures / 10 s, open 5 s), retry schedule **baseDelayMs ${rt.baseDelayMs}, maxDelayMs ${rt.maxDelayMs}, maxAttempts ${rt.maxAttempts}** (defaults 2000 / 900000 / 20). Baseline worker concurrency ${r.concurrency}, ${r.connections} concurrent adders.`,
    '',
    burstSection(r),
    '',
    r.outage ? outageSection(r.outage) : '_Outage phase skipped (`--outage-seconds 0`)._',
    '',
    `Hub log lines at warn or above: ${r.hubLogs.warn} warn, ${r.hubLogs.error} error.`,
  ].join('\n')
}
