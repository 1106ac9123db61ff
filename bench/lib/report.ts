/**
 * Formatting shared by benchmarks: numbers, ratios, markdown tables, the machine note, and the
 * per-benchmark results section of bench/README.md (between `<!-- bench:NAME:start -->` and
 * `<!-- bench:NAME:end -->`, so each benchmark rewrites only its own section).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { fileURLToPath } from 'node:url'
import type { CpuDelta } from './cpu-usage.js'
import { loadLine, loadMonitor, refusal } from './machine-load.js'
import type { LoadResult } from './load.js'

export const README_PATH = fileURLToPath(new URL('../README.md', import.meta.url))

/** Progress lines go to stderr, so stdout carries only the report (and can be redirected to a file). */
export const log = (line: string): void => void process.stderr.write(`${line}\n`)

export const mean = (xs: number[]): number => (xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length)

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

/** Thousands separated, at most `digits` decimals. */
export function num(x: number, digits = 0): string {
  if (!Number.isFinite(x)) return 'n/a'
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
}

/** Latency in ms: one decimal below 10 ms, whole ms above. */
export const ms = (x: number): string => (x < 10 ? num(x, 1) : num(x, 0))

export const ratio = (x: number): string => (Number.isFinite(x) ? `${num(x, 2)}×` : 'n/a')

/** `median (min–max)` of a series, with the formatter of its unit: one bad round cannot move it. */
export function spread(xs: number[], fmt: (x: number) => string): string {
  if (xs.length <= 1) return fmt(median(xs))
  return `${fmt(median(xs))} (${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))})`
}

export const verdict = (ok: boolean): string => (ok ? 'met' : '**missed**')

/** One measured load run and the CPU each named process used meanwhile: a row of the A/B reports. */
export interface MeasuredRun {
  result: LoadResult
  cpu: CpuDelta
}

/** CPU µs per completed request of one process in one run (NaN when it was not measured). */
export function usPerRequest(run: MeasuredRun, process: string): number {
  const cpuMs = run.cpu.processes[process]
  return cpuMs === undefined ? NaN : (cpuMs * 1000) / run.result.total
}

/** Milliseconds (of CPU, of waiting) per wall millisecond of the run, i.e. cores; 'n/a' when not measured. */
export const cores = (run: MeasuredRun, msUsed: number | undefined): string => (msUsed === undefined ? 'n/a' : num(msUsed / run.cpu.wallMs, 2))

/** A side's summary cells over its rounds: req/s, p50 ms and p99 ms as `median (min–max)`. */
export const spreadCells = (runs: MeasuredRun[]): string[] => [
  spread(runs.map((r) => r.result.rps), num),
  spread(runs.map((r) => r.result.p50), ms),
  spread(runs.map((r) => r.result.p99), ms),
]

/** Requests that got no 2xx over these runs (non-2xx, connection errors, timeouts): 0 in any run that counts. */
export const failedCell = (runs: MeasuredRun[]): string => num(runs.reduce((n, r) => n + r.result.non2xx + r.result.errors + r.result.timeouts, 0))

/** A run of an A/B benchmark, hub or baseline. */
export interface SideRun extends MeasuredRun {
  side: 'hub' | 'baseline'
}

/**
 * The summary table of an A/B benchmark (citizens-lookup, webhook-ingest): per side req/s, p50
 * and p99 as `median (min–max)` over rounds, failures and CPU per request, then the hub / baseline
 * ratios — each the **median of the per-round ratios** (round i's hub run over round i's baseline
 * run, measured back to back), so a noisy round moves neither side alone; `cells` words the
 * throughput and p99 ratios (bold, goal, verdict) as each goal needs.
 */
export function abSummary(runs: SideRun[], labels: Record<SideRun['side'], string>, cells: { throughput(ratio: number): string; p99(ratio: number): string }): string {
  const hub = runs.filter((r) => r.side === 'hub')
  const base = runs.filter((r) => r.side === 'baseline')
  const mid = (rs: SideRun[], f: (r: SideRun) => number) => median(rs.map(f))
  const perRound = (f: (r: SideRun) => number) => median(hub.slice(0, base.length).map((h, i) => f(h) / f(base[i]!)))
  const hubOverBase = (f: (r: LoadResult) => number) => perRound((r) => f(r.result))
  const row = (label: string, rs: SideRun[]) => [label, ...spreadCells(rs), failedCell(rs), num(mid(rs, (r) => usPerRequest(r, r.side)))]
  return markdownTable(['side', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx + errors', 'server CPU µs/req'], [
    row(labels.hub, hub),
    row(labels.baseline, base),
    [
      '**hub / baseline**',
      cells.throughput(hubOverBase((r) => r.rps)),
      ratio(hubOverBase((r) => r.p50)),
      cells.p99(hubOverBase((r) => r.p99)),
      '',
      ratio(perRound((r) => usPerRequest(r, r.side))),
    ],
  ])
}

/** A run's own cells: req/s, p50, p90, p99 and max ms, requests. */
export const runCells = (r: LoadResult): string[] => [num(r.rps), ms(r.p50), ms(r.p90), ms(r.p99), ms(r.max), num(r.total)]

export function markdownTable(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n')
}

/** One line saying what the numbers were measured on. */
export function machineNote(): string {
  const cpu = cpus()
  const model = (cpu[0]?.model ?? 'unknown CPU').replace(/\s+/g, ' ').trim()
  const date = new Date().toISOString().replace('T', ' ').slice(0, 16)
  return `${cpu.length} cores (${model}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform}; ${date} UTC`
}

/** The usual end of a full run: its report as the benchmark's latest results in bench/README.md. */
export function writeLatestResults(section: string, markdown: string, log: (line: string) => void, titleNote = ''): void {
  // The machine's load goes with every published figure; a run on a busy machine is not published.
  const load = loadMonitor()?.summary()
  const line = load && loadLine(load)
  if (load) {
    const refused = refusal(load)
    log(`\n${line}`)
    if (refused) {
      log(`results NOT written: ${refused}`)
      return
    }
  }
  writeReadmeSection(section, `### Latest results${titleNote}\n\n${markdown}${line ? `\n\n${line}` : ''}`)
  log('\nresults written to bench/README.md')
}

/** Replaces (or appends) the results section of benchmark `name` in bench/README.md. */
export function writeReadmeSection(name: string, body: string, path = README_PATH): void {
  const start = `<!-- bench:${name}:start -->`
  const end = `<!-- bench:${name}:end -->`
  const section = `${start}\n${body.trim()}\n${end}`
  const current = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmarks\n'
  const from = current.indexOf(start)
  const to = current.indexOf(end)
  const next = from >= 0 && to > from
    ? current.slice(0, from) + section + current.slice(to + end.length)
    : `${current.trimEnd()}\n\n${section}\n`
  writeFileSync(path, next)
}
