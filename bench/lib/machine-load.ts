/**
 * The machine's load around a benchmark run (issue 17: a published figure must survive an
 * independent rerun). `bench/run.ts` starts one monitor per run: it prints the load average
 * before the run, then once a minute how much of the machine's CPU went to processes that are not
 * part of the benchmark, and `writeLatestResults` asks it whether the run may be published.
 *
 * *Ours* is this process and every descendant (hub, baseline, simulators, their children) plus
 * the Redis and PostgreSQL servers the benchmark loads (matched by process name: other clients of
 * those servers count as ours, so the gate is lenient towards them). *Others* is the rest of the
 * machine's busy time (/proc/stat). A run whose others used more than `BENCH_MAX_OTHER_CPU` of the
 * machine (a fraction of all cores, default 0.10) is printed but not written to bench/README.md.
 * Linux only; elsewhere nothing is measured and nothing is refused.
 */
import { cpus, loadavg } from 'node:os'
import { machineBusyMs, processTable, processTree } from './cpu-usage.js'

/** Servers a benchmark loads without starting them. */
const SHARED_SERVERS = new Set(['redis-server', 'postgres'])

/** CPU ms used so far by this process's tree (reaped children included) and the shared servers. */
export function ourCpuMs(): number {
  const table = processTable()
  const ours = new Set(processTree(process.pid, table))
  for (const [pid, p] of table) if (SHARED_SERVERS.has(p.comm)) ours.add(pid)
  let sum = 0
  for (const pid of ours) sum += table.get(pid)?.withChildrenMs ?? 0
  return sum
}

interface Sample {
  at: number
  machine: number | undefined
  ours: number
}

const sample = (): Sample => ({ at: performance.now(), machine: machineBusyMs(), ours: ourCpuMs() })

export interface LoadSummary {
  /** 1/5/15-minute load averages when the run started. */
  before: number[]
  /** Highest 1-minute load average seen during the run. */
  peak: number
  /** Share of all cores that processes outside the benchmark used during the run (0–1), if known. */
  othersShare: number | undefined
  /** The publishing limit for othersShare. */
  limit: number
}

/** Others' share of the machine between two samples, counting ours as at most what the machine did. */
function othersShare(a: Sample, b: Sample): number | undefined {
  if (a.machine === undefined || b.machine === undefined) return undefined
  const capacity = (b.at - a.at) * cpus().length
  if (capacity <= 0) return undefined
  const busy = b.machine - a.machine
  const ours = Math.max(0, b.ours - a.ours)
  return Math.max(0, busy - ours) / capacity
}

export function maxOtherShare(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.BENCH_MAX_OTHER_CPU
  const value = raw === undefined || raw === '' ? 0.1 : Number(raw)
  if (!Number.isFinite(value) || value < 0 || value > 1) throw new Error(`BENCH_MAX_OTHER_CPU must be a fraction between 0 and 1, got "${raw}"`)
  return value
}

export interface LoadMonitor {
  summary(): LoadSummary
  stop(): void
}

let current: LoadMonitor | undefined

/** Starts the run's monitor (once per process); `log` gets the before line and a line a minute. */
export function startLoadMonitor(log: (line: string) => void, everyMs = 60_000): LoadMonitor {
  const limit = maxOtherShare()
  const before = loadavg()
  const first = sample()
  let last = first
  let peak = before[0]!
  log(`machine load before the run: ${before.map((x) => x.toFixed(2)).join(' / ')} (1/5/15 min); results are published only if other processes use ≤ ${(limit * 100).toFixed(0)} % of the CPU`)
  const timer = setInterval(() => {
    const now = sample()
    peak = Math.max(peak, loadavg()[0]!)
    const share = othersShare(last, now)
    if (share !== undefined) log(`machine: other processes used ${(share * 100).toFixed(1)} % of the CPU in the last minute; load ${loadavg()[0]!.toFixed(2)}`)
    last = now
  }, everyMs)
  timer.unref()
  const monitor: LoadMonitor = {
    summary() {
      peak = Math.max(peak, loadavg()[0]!)
      return { before, peak, othersShare: othersShare(first, sample()), limit }
    },
    stop: () => clearInterval(timer),
  }
  current = monitor
  return monitor
}

/** The run's monitor, if bench/run.ts started one (a benchmark module imported by a test has none). */
export const loadMonitor = (): LoadMonitor | undefined => current

/** One markdown line for a results section. */
export function loadLine(s: LoadSummary): string {
  const others = s.othersShare === undefined ? 'not measured (no /proc)' : `${(s.othersShare * 100).toFixed(1)} % of the CPU`
  return `Machine load: ${s.before.map((x) => x.toFixed(2)).join(' / ')} (1/5/15 min) before the run, 1-min peak ${s.peak.toFixed(2)} during it; processes outside the benchmark used ${others} (publishing limit ${(s.limit * 100).toFixed(0)} %).`
}

/** Why a run must not be published, or undefined when it may be. */
export function refusal(s: LoadSummary): string | undefined {
  if (s.othersShare === undefined || s.othersShare <= s.limit) return undefined
  return `other processes used ${(s.othersShare * 100).toFixed(1)} % of the CPU during the run (limit ${(s.limit * 100).toFixed(0)} %, BENCH_MAX_OTHER_CPU): the machine was not quiet, so bench/README.md was not changed; rerun on a quiet machine`
}
