/**
 * The citizens-lookup report: the summary against the goal, every run with its CPU accounting,
 * and (with --cpu-prof) where each side spends its CPU. Markdown, for the terminal and the README.
 */
import { join } from 'node:path'
import type { SimulatorStats } from '../../connectors/population/simulator.js'
import type { CpuDelta } from './cpu-usage.js'
import type { LoadResult } from './load.js'
import { formatProfile, summariseProfile } from './cpu-profile.js'
import { abSummary, cores, machineNote, markdownTable, num, ratio, runCells, usPerRequest, verdict } from './report.js'

/** Issue 17's goals: throughput hub ÷ baseline by ledger, p99 at most twice the baseline's. */
export const GOAL = { throughputRatio: { postgres: 0.8, pglite: 0.6 }, p99Ratio: 2 }

export interface Run {
  round: number
  side: 'hub' | 'baseline'
  result: LoadResult
  cpu: CpuDelta
}

export interface ReportInput {
  command: string
  connections: number
  durationS: number
  warmupS: number
  rounds: number
  citizens: number
  ledger: string
  db: 'postgres' | 'pglite'
  runs: Run[]
  simulator: SimulatorStats
  /** Requests the load generator saw completed, warm-ups and preflight included. */
  sent: number
  /** Extra lines for the end of the report. */
  notes?: string[]
}

export function lookupReport(input: ReportInput): string {
  const goal = GOAL.throughputRatio[input.db]
  const summary = abSummary(input.runs, { hub: 'A: hub', baseline: 'B: baseline' }, {
    throughput: (x) => `**${num(x, 2)}** (goal ≥ ${goal}: ${verdict(x >= goal)})`,
    p99: (x) => `**${ratio(x)}** (goal ≤ ${GOAL.p99Ratio}×: ${verdict(x <= GOAL.p99Ratio)})`,
  })
  const perRun = markdownTable(
    ['round', 'side', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'requests', 'server CPU µs/req', 'simulator µs/req', 'Redis µs/req', 'other cores'],
    input.runs.map((r) => [
      String(r.round), r.side, ...runCells(r.result),
      num(usPerRequest(r, r.side)), num(usPerRequest(r, 'simulator')), num(usPerRequest(r, 'redis')), cores(r, r.cpu.otherMs),
    ]),
  )
  const sim = input.simulator
  return [
    `Command: \`${input.command}\``,
    '',
    `Machine: ${machineNote()}. The simulator, the server under test, Redis and autocannon share these cores, so absolute numbers are low; compare the ratios.`,
    '',
    `Load: ${input.connections} connections, ${input.durationS} s measured after ${input.warmupS} s warm-up per run, ${input.rounds} rounds A/B, bodies rotating over ${num(input.citizens)} sandbox citizens. Ledger: ${input.ledger}. Summary columns are the median over rounds (min–max); ratios are the median of the per-round ratios.`,
    '',
    summary,
    '',
    perRun,
    '',
    '*server CPU µs/req*: CPU time (all threads) of the process under test per completed request, from /proc; it does not depend on how busy the machine was, so its ratio explains the throughput ratio. *other cores*: CPU used meanwhile by processes outside the benchmark (other work on the machine; with `--db postgres`, also PostgreSQL); anything well above 0 makes that run noisy.',
    '',
    `Simulator: ${num(sim.soap.lookup)} lookups answered for ${num(input.sent)} completed requests (warm-ups and preflight included; the gap is requests in flight when a run stopped), ${sim.unauthorized} unauthorized, ${sim.soap.invalid} invalid.`,
    ...(input.notes ?? []).flatMap((note) => ['', note]),
  ].join('\n')
}

/** Busy CPU per request of each process's main thread while profiled, then where each side spends it. */
export function profileReport(dir: string, served: Record<'hub' | 'baseline', number>): string {
  const counts: Record<string, number> = { ...served, simulator: served.hub + served.baseline }
  const summaries = Object.fromEntries(Object.keys(counts).map((label) => [label, summariseProfile(join(dir, `${label}.cpuprofile`), 20)]))
  const perRequest = markdownTable(['process (main thread)', 'busy ms', 'requests', 'CPU µs / request'],
    Object.entries(counts).map(([label, n]) => [label, num(summaries[label]!.busyMs), num(n), num((summaries[label]!.busyMs * 1000) / n)]))
  return [`### CPU profile (${dir})`, '', perRequest, '', '#### hub', formatProfile(summaries.hub!), '', '#### baseline', formatProfile(summaries.baseline!)].join('\n')
}
