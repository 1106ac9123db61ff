/**
 * The prefill report: per latency scenario, hub and baseline latency against the slowest source
 * (goal: hub p50 ≤ slowest + 15 ms, p99 ≤ slowest + 40 ms), the fan-out's own overhead (hub −
 * baseline), throughput, CPU, what the sampled answers held, and how many upstream calls each
 * request caused. Markdown, for the terminal and the README.
 */
import type { CpuWindow } from './prefill-load.js'
import type { LoadResult } from './load.js'
import type { HubInternals } from './prefill-metrics.js'
import { cores, failedCell, machineNote, markdownTable, median, ms, num, runCells, spreadCells, usPerRequest, verdict } from './report.js'

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
  connections: number
  side: 'hub' | 'baseline'
  result: LoadResult
  cpu: CpuWindow
  samples: Samples
  /** Hub runs: its own /metrics over the measured window. */
  internals?: HubInternals
  /** Simulator calls during warm-up + measured run, and requests completed in that time. */
  upstream: { lookups: number; procedures: number; completed: number }
}

export interface PrefillReportInput {
  command: string
  connections: number
  durationS: number
  warmupS: number
  rounds: number
  light: number
  sockets: number
  citizens: number
  procedures: number
  documents: number
  runs: PrefillRun[]
  notes: string[]
}

export const emptySamples = (): Samples => ({ checked: 0, ok: 0, problems: [], sourceMs: { identity: [], documents: [], procedure: [] } })

const signed = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? '+' : '−'}${ms(Math.abs(x))}` : 'n/a')

function scenarioSection(s: Scenario, all: PrefillRun[], connections: number): string {
  const runs = all.filter((r) => r.connections === connections)
  const light = all.filter((r) => r.connections !== connections)
  const of = (rs: PrefillRun[], side: PrefillRun['side']) => rs.filter((r) => r.side === side)
  const hub = of(runs, 'hub')
  const base = of(runs, 'baseline')
  const mid = (rs: PrefillRun[], f: (r: PrefillRun) => number) => median(rs.map(f))
  const p50 = mid(hub, (r) => r.result.p50)
  const p99 = mid(hub, (r) => r.result.p99)
  const row = (label: string, rs: PrefillRun[]) => [
    label,
    ...spreadCells(rs),
    signed(mid(rs, (r) => r.result.p50) - s.slowestMs),
    signed(mid(rs, (r) => r.result.p99) - s.slowestMs),
    failedCell(rs),
    num(mid(rs, (r) => usPerRequest(r, r.side))),
    rs[0]?.side === 'hub' ? (['identity', 'documents', 'procedure'] as const).map((k) => ms(median(rs.flatMap((r) => r.samples.sourceMs[k])))).join(' / ') : '',
  ]
  const overhead = (label: string, a: PrefillRun[], b: PrefillRun[]) =>
    [label, '', '', '', signed(mid(a, (r) => r.result.p50) - mid(b, (r) => r.result.p50)), signed(mid(a, (r) => r.result.p99) - mid(b, (r) => r.result.p99)), '', '', '']
  const lightN = light[0]?.connections
  const summary = markdownTable(['side', 'req/s', 'p50 ms', 'p99 ms', 'p50 − slowest', 'p99 − slowest', 'non-2xx + errors', 'server CPU µs/req', 'hub `sources.*.ms` median: identity / documents / procedure'], [
    row(`A: hub, ${connections} conn`, hub),
    row(`B: baseline (3 direct calls), ${connections} conn`, base),
    overhead(`**fan-out overhead A − B, ${connections} conn**`, hub, base).map((c, i) => (i >= 4 && i <= 5 ? `**${c}**` : c)),
    ...(lightN === undefined ? [] : [
      row(`A: hub, ${lightN} conn`, of(light, 'hub')),
      row(`B: baseline, ${lightN} conn`, of(light, 'baseline')),
      overhead(`fan-out overhead A − B, ${lightN} conn`, of(light, 'hub'), of(light, 'baseline')),
    ]),
  ])
  const count = (rs: PrefillRun[], f: (x: Samples) => number) => num(rs.reduce((n, r) => n + f(r.samples), 0))
  const problems = all.flatMap((r) => r.samples.problems.map((p) => `${r.side}: ${p}`)).slice(0, 3)
  const calls = (rs: PrefillRun[]) => {
    const done = rs.reduce((n, r) => n + r.upstream.completed, 0)
    return `${num(rs.reduce((n, r) => n + r.upstream.lookups, 0) / done, 2)} population lookups, ${num(rs.reduce((n, r) => n + r.upstream.procedures, 0) / done, 2)} portal procedure calls`
  }
  const needed = connections / ((s.slowestMs + GOAL.p50OverMs) / 1000)
  return [
    `#### Slowest source ${s.slowestMs} ms: population ${s.populationMs} ms, portal ${s.portalMs} ms, documents local PostgreSQL`,
    '',
    summary,
    '',
    `Goal at ${connections} connections: p50 ≤ ${s.slowestMs + GOAL.p50OverMs} ms: ${verdict(p50 <= s.slowestMs + GOAL.p50OverMs)} (${ms(p50)}); p99 ≤ ${s.slowestMs + GOAL.p99OverMs} ms: ${verdict(p99 <= s.slowestMs + GOAL.p99OverMs)} (${ms(p99)}). Capacity behind it: ${connections} closed-loop connections at p50 ${s.slowestMs + GOAL.p50OverMs} ms need ≈ ${num(needed)} req/s; at the measured ${num(mid(hub, (r) => usPerRequest(r, 'hub')))} µs CPU per request the hub alone would need ${num((needed * mid(hub, (r) => usPerRequest(r, 'hub'))) / 1e6, 2)} cores (one event loop: at most 1), the simulators ${num((needed * mid(hub, (r) => usPerRequest(r, 'population') + usPerRequest(r, 'portal'))) / 1e6, 2)} more.`,
    '',
    `Sampled answers (1 in 10, warm-ups included): hub ${count(of(all, 'hub'), (x) => x.ok)} of ${count(of(all, 'hub'), (x) => x.checked)} with all three sources \`ok\` and data (the citizen, 2 documents, the procedure); baseline ${count(of(all, 'baseline'), (x) => x.ok)} of ${count(of(all, 'baseline'), (x) => x.checked)}.${problems.length > 0 ? ` Problems: ${problems.join('; ')}` : ''}`,
    '',
    `Hub internals (its own /metrics, measured windows: each run's mean, the median over runs): ${[connections, lightN].filter((n) => n !== undefined).map((n) => {
      const rs = of(all, 'hub').filter((r) => r.connections === n && r.internals)
      const m = (f: (x: HubInternals) => number) => mid(rs, (r) => f(r.internals!))
      return `at ${n} conn, population call ${ms(m((x) => x.populationMs))} ms, portal call ${ms(m((x) => x.portalMs))} ms, audit commit transaction ${ms(m((x) => x.auditCommitMs))} ms (${num(m((x) => x.recordsPerCommit), 1)} records per commit)`
    }).join('; ')}. The identity source awaits its audit record after the lookup (fail closed), so its time is the lookup + the wait for a group commit + the commit.`,
    '',
    `Upstream calls per completed request (requests still in flight when a run stopped count on the call side only): hub ${calls(of(all, 'hub'))}; baseline ${calls(of(all, 'baseline'))}.`,
  ].join('\n')
}

export function prefillReport(r: PrefillReportInput): string {
  const scenarios = [...new Map(r.runs.map((x) => [x.scenario.slowestMs, x.scenario])).values()]
  const perRun = markdownTable(
    ['slowest', 'conn', 'round', 'side', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'requests', 'server CPU µs/req', 'sims µs/req', 'server waiting for a core', 'other cores'],
    r.runs.map((x) => [
      `${x.scenario.slowestMs} ms`, String(x.connections), String(x.round), x.side, ...runCells(x.result),
      num(usPerRequest(x, x.side)), num(usPerRequest(x, 'population') + usPerRequest(x, 'portal')),
      cores(x, x.cpu.waitMs[x.side]), cores(x, x.cpu.otherMs),
    ]),
  )
  return [
    `Command: \`${r.command}\``,
    '',
    `Machine: ${machineNote()}. Hub, baseline, both simulators, PostgreSQL, Redis and autocannon share these cores, and other people's test runs share the machine (*other cores* below): absolute numbers are noisy; compare hub and baseline within one scenario.`,
    '',
    `Load: ${r.connections} connections (the goal's), ${r.durationS} s measured after ${r.warmupS} s warm-up per run, ${r.rounds} rounds A/B per scenario${r.light > 0 ? `, then one A/B round at ${r.light} connections (light load: the CPU is not the limit)` : ''}; each request the next of ${num(r.citizens)} sandbox citizens (one counter shared by all connections), paired with one of ${r.procedures} active sandbox procedures; ${num(r.documents)} documents registered beforehand (2 per citizen). Upstream sockets: **${r.sockets} per connector** in the hub and per pool in the baseline. Summary columns are the median over rounds (min–max); *− slowest* is the median minus the slowest source's simulated latency.`,
    '',
    ...scenarios.flatMap((s) => [scenarioSection(s, r.runs.filter((x) => x.scenario.slowestMs === s.slowestMs), r.connections), '']),
    perRun,
    '',
    '*server CPU µs/req*: CPU time (all threads, /proc) of the process under test per completed request; *sims*: both simulators together; *server waiting for a core*: share of the time the main thread of the process under test was runnable but had no core (/proc schedstat); *other cores*: CPU used meanwhile by every other process: PostgreSQL and Redis (serving this benchmark) and other people\'s work.',
    ...r.notes.flatMap((n) => ['', n]),
  ].join('\n')
}
