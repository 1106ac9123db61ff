/**
 * Command-line flags shared by the benchmark entries (bench/*.ts): the option specs for
 * `node:util` `parseArgs`, and the checks that turn a flag's text into a setting. Every entry
 * used to carry its own copy of these; the error messages are kept word for word, since they are
 * what a user sees after a typo.
 */
import { BenchmarkFailure } from './load.js'

const text = { type: 'string' } as const
const flag = { type: 'boolean' } as const

/** `--connections`, `--duration`, `--warmup`, `--rounds`: the A/B load benchmarks (see `loadSettings`). */
export const LOAD_OPTIONS = { connections: text, duration: text, warmup: text, rounds: text } as const
/** `--quick`, `--cpu-prof`, `--no-readme`, `--help`: the benchmarks that write their section of bench/README.md. */
export const RUN_OPTIONS = { quick: flag, 'cpu-prof': flag, 'no-readme': flag, help: flag } as const

function integer(name: string, value: string | undefined, fallback: number, ok: (n: number) => boolean, what: string): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || !ok(n)) throw new BenchmarkFailure(`--${name} must be ${what}, got "${value}"`)
  return n
}

/** `value` as an integer ≥ 1, or `fallback` when the flag was not given. */
export const positiveInt = (name: string, value: string | undefined, fallback: number): number =>
  integer(name, value, fallback, (n) => n >= 1, 'a positive integer')

/** `value` as an integer ≥ `min` (0 allowed where a flag can switch a phase off). */
export const intAtLeast = (name: string, value: string | undefined, fallback: number, min = 1): number =>
  integer(name, value, fallback, (n) => n >= min, `an integer ≥ ${min}`)

/** `value` as a number > 0, fractions allowed (seconds). */
export function positiveNumber(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isFinite(n) || n <= 0) throw new BenchmarkFailure(`--${name} must be a positive number, got "${value}"`)
  return n
}

export type DbKind = 'postgres' | 'pglite'

/** `--db`: postgres or pglite; the message names the benchmark's default first. */
export function dbKind(value: string | undefined, fallback: DbKind): DbKind {
  if (value === undefined) return fallback
  if (value !== 'pglite' && value !== 'postgres') throw new BenchmarkFailure(`--db must be ${fallback} or ${fallback === 'postgres' ? 'pglite' : 'postgres'}, got "${value}"`)
  return value
}

/** Help lines for the settings `loadSettings` gives defaults to (each benchmark words its own --rounds). */
export const LOAD_USAGE = `  --connections N   concurrent connections (default 50)
  --duration S      measured seconds per run (default 10)
  --warmup S        unmeasured seconds before each run (default 3)`

/**
 * The A/B load settings: 50 connections, 10 s measured after 3 s warm-up (3 s after 1 s with
 * `--quick`); the rounds' default is each benchmark's own.
 */
export function loadSettings(v: { connections?: string; duration?: string; warmup?: string; rounds?: string; quick?: boolean }, rounds: number) {
  return {
    connections: positiveInt('connections', v.connections, 50),
    durationS: positiveInt('duration', v.duration, v.quick ? 3 : 10),
    warmupS: positiveInt('warmup', v.warmup, v.quick ? 1 : 3),
    rounds: positiveInt('rounds', v.rounds, rounds),
  }
}

/** Only a full, unprofiled run is worth keeping in bench/README.md. */
export const writesReadme = (v: { quick?: boolean; 'cpu-prof'?: boolean; 'no-readme'?: boolean }): boolean =>
  !v.quick && !v['cpu-prof'] && !v['no-readme']
