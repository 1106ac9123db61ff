/**
 * The prefill report: per latency scenario, hub and baseline latency against the slowest source
 * (goal: hub p50 ≤ slowest + 15 ms, p99 ≤ slowest + 40 ms), the fan-out's own overhead (hub −
 * baseline), throughput, CPU, what the sampled answers held, and how many upstream calls each
 * request caused. Markdown, for the terminal and the README.
 */
import type { SyncCpuDelta } from './sync-cpu.js'
import type { LoadResult } from './load.js'
import { machineNote, markdownTable, mean, median, ms, num, spread } from './report.js'

export const GOAL = { p50OverMs: 15, p99OverMs: 40 }

export interface Scenario {
  slowestMs: number
  populationMs: number
  portalMs: number
}

export interface Samples {
  checked: number
  ok: number
  problems: string[]
  /** `sources.*.ms` of the hub's sampled answers. */
  sourceMs: { identity: number[]; documents: number[]; procedure: number[] }
}

export interface PrefillRun {
  scenario: Scenario
  round: number
  side: 'hub' | 'baseline'
  result: LoadResult
  cpu: SyncCpuDelta
  samples: Samples
  /** Simulator calls during warm-up + measured run, and requests completed in that time. */
  upstream: { lookups: number; procedures: number; completed: number }
}

export interface PrefillReportInput {
  command: string
  connections: number
  durationS: number
  warmupS: number
  rounds: number
  sockets: number
  citizens: number
  procedures: number
  documents: number
  runs: PrefillRun[]
  notes: string[]
}

export const emptySamples = (): Samples => ({ checked: 0, ok: 0, problems: [], sourceMs: { identity: [], documents: [], procedure: [] } })

const usPerRequest = (r: PrefillRun, process: string) => {
  const cpu = r.cpu.processes[process]
  return cpu === undefined ? NaN : (cpu * 1000) / r.result.total
}
const signed = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? '+' : '−'}${ms(Math.abs(x))}` : 'n/a')

function scenarioSection(s: Scenario, runs: PrefillRun[], connections: number): string {
  const hub = runs.filter((r) => r.side === 'hub')
  const base = runs.filter((r) => r.side === 'baseline')
  const avg = (rs: PrefillRun[], f: (r: PrefillRun) => number) => mean(rs.map(f))
  const p50 = avg(hub, (r) => r.result.p50)
  const p99 = avg(hub, (r) => r.result.p99)
  const verdict = (ok: boolean) => (ok ? 'met' : '**missed**')
  const row = (label: string, rs: PrefillRun[]) => [
    label,
    spread(rs.map((r) => r.result.rps), num),
    spread(rs.map((r) => r.result.p50), ms),
    spread(rs.map((r) => r.result.p99), ms),
    signed(avg(rs, (r) => r.result.p50) - s.slowestMs),
    signed(avg(rs, (r) => r.result.p99) - s.slowestMs),
    num(rs.reduce((n, r) => n + r.result.non2xx + r.result.errors + r.result.timeouts, 0)),
    num(avg(rs, (r) => usPerRequest(r, r.side))),
  ]
  const summary = markdownTable(['side', 'req/s', 'p50 ms', 'p99 ms', 'p50 − slowest', 'p99 − slowest', 'non-2xx + errors', 'server CPU µs/req'], [
    row('A: hub', hub),
    row('B: baseline (3 direct calls)', base),
    ['**fan-out overhead (A − B)**', '', '', '', `**${signed(p50 - avg(base, (r) => r.result.p50))}**`, `**${signed(p99 - avg(base, (r) => r.result.p99))}**`, '', ''],
  ])
  const samples = hub.map((r) => r.samples)
  const checked = samples.reduce((n, x) => n + x.checked, 0)
  const ok = samples.reduce((n, x) => n + x.ok, 0)
  const baseChecked = base.reduce((n, r) => n + r.samples.checked, 0)
  const baseOk = base.reduce((n, r) => n + r.samples.ok, 0)
  const sourceP50 = (k: keyof Samples['sourceMs']) => ms(median(samples.flatMap((x) => x.sourceMs[k])))
  const problems = [...hub, ...base].flatMap((r) => r.samples.problems.map((p) => `${r.side}: ${p}`)).slice(0, 3)
  const calls = (rs: PrefillRun[]) => {
    const done = rs.reduce((n, r) => n + r.upstream.completed, 0)
    return `${num(rs.reduce((n, r) => n + r.upstream.lookups, 0) / done, 2)} population lookups, ${num(rs.reduce((n, r) => n + r.upstream.procedures, 0) / done, 2)} portal procedure calls`
  }
  return [
    `#### Slowest source ${s.slowestMs} ms: population ${s.populationMs} ms, portal ${s.portalMs} ms, documents local PostgreSQL`,
    '',
    summary,
    '',
    `Goal at ${connections} connections: p50 ≤ ${s.slowestMs + GOAL.p50OverMs} ms: ${verdict(p50 <= s.slowestMs + GOAL.p50OverMs)} (${ms(p50)}); p99 ≤ ${s.slowestMs + GOAL.p99OverMs} ms: ${verdict(p99 <= s.slowestMs + GOAL.p99OverMs)} (${ms(p99)}).`,
    '',
    `Sampled answers (1 in 10, warm-ups included): hub ${num(ok)} of ${num(checked)} with all three sources \`ok\` and data (citizen, 2 documents, procedure); baseline ${num(baseOk)} of ${num(baseChecked)}. Hub source times (median of \`sources.*.ms\`): identity ${sourceP50('identity')} ms, documents ${sourceP50('documents')} ms, procedure ${sourceP50('procedure')} ms.${problems.length > 0 ? ` Problems: ${problems.join('; ')}` : ''}`,
    '',
    `Upstream calls per completed request: hub ${calls(hub)}; baseline ${calls(base)}.`,
  ].join('\n')
}

const share = (x: PrefillRun, v: number | undefined) => (v === undefined ? 'n/a' : num(v / x.cpu.wallMs, 2))

export function prefillReport(r: PrefillReportInput): string {
  const scenarios = [...new Map(r.runs.map((x) => [x.scenario.slowestMs, x.scenario])).values()]
  const perRun = markdownTable(
    ['slowest', 'round', 'side', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'requests', 'server CPU µs/req', 'sims µs/req', 'PostgreSQL µs/req', 'server waiting for a core', 'other cores'],
    r.runs.map((x) => [
      `${x.scenario.slowestMs} ms`, String(x.round), x.side, num(x.result.rps), ms(x.result.p50), ms(x.result.p90), ms(x.result.p99), ms(x.result.max),
      num(x.result.total), num(usPerRequest(x, x.side)), num(usPerRequest(x, 'population') + usPerRequest(x, 'portal')), num(usPerRequest(x, 'postgres')),
      share(x, x.cpu.waitMs[x.side]), share(x, x.cpu.otherMs),
    ]),
  )
  return [
    `Command: \`${r.command}\``,
    '',
    `Machine: ${machineNote()}. Hub, baseline, both simulators, PostgreSQL, Redis and autocannon share these cores, and other people's test runs share the machine (*other cores* below): absolute numbers are noisy; compare hub and baseline within one scenario.`,
    '',
    `Load: ${r.connections} connections, ${r.durationS} s measured after ${r.warmupS} s warm-up per run, ${r.rounds} rounds A/B per scenario, each request the next of ${num(r.citizens)} sandbox citizens (one counter shared by all connections), paired with one of ${r.procedures} active sandbox procedures; ${num(r.documents)} documents registered beforehand (2 per citizen). Upstream sockets: **${r.sockets} per connector** in the hub and per pool in the baseline. Summary columns are the mean over rounds (min–max); *− slowest* is the mean minus the slowest source's simulated latency.`,
    '',
    ...scenarios.flatMap((s) => [scenarioSection(s, r.runs.filter((x) => x.scenario.slowestMs === s.slowestMs), r.connections), '']),
    perRun,
    '',
    '*server CPU µs/req*: CPU time (all threads, /proc) of the process under test per completed request; *sims*: both simulators together; *PostgreSQL*: every `postgres` process on the machine (other sessions\' queries included); *server waiting for a core*: share of the time the main thread of the process under test was runnable but had no core (/proc schedstat); *other cores*: CPU used meanwhile by every other process (other people\'s work).',
    ...r.notes.flatMap((n) => ['', n]),
  ].join('\n')
}
