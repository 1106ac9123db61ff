/**
 * Formatting shared by benchmarks: numbers, ratios, markdown tables, the machine note, and the
 * per-benchmark results section of bench/README.md (between `<!-- bench:NAME:start -->` and
 * `<!-- bench:NAME:end -->`, so each benchmark rewrites only its own section).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { fileURLToPath } from 'node:url'

export const README_PATH = fileURLToPath(new URL('../README.md', import.meta.url))

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

/** `mean (min–max)` of a series, with the formatter of its unit. */
export function spread(xs: number[], fmt: (x: number) => string): string {
  if (xs.length <= 1) return fmt(mean(xs))
  return `${fmt(mean(xs))} (${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))})`
}

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
