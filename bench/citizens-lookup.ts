/**
 * Benchmark: POST /v1/citizens/lookup through the hub (A) against a bare Fastify + undici
 * baseline (B) that does the same SOAP round trip to the same population simulator. Each runs in
 * its own child process; autocannon (in this process) loads them alternately A/B/A/B so machine
 * noise hits both. Goal (issue): hub throughput ≥ 0.7× baseline, hub p99 ≤ 2× baseline.
 * Report and goal: lib/lookup-report.ts.
 */
import { deepStrictEqual } from 'node:assert'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { sandboxCitizens } from '../connectors/population/fake-citizens.js'
import { sha256Hex } from '../src/plugins/auth.js'
import { spawnChild, stopAllChildren, type ChildHandle } from './lib/child.js'
import { assertClean, BenchmarkFailure, runLoad, type LoadResult } from './lib/load.js'
import { log, ms, num, writeLatestResults } from './lib/report.js'
import { cpuDelta, cpuSnapshot } from './lib/cpu-usage.js'
import { lookupReport, profileReport, type Run } from './lib/lookup-report.js'
import { tryDeleteRedisPrefix, tryDropSchema } from './lib/cleanup.js'
import { dbKind, LOAD_OPTIONS, LOAD_USAGE, loadSettings, positiveInt, RUN_OPTIONS, writesReadme, type DbKind } from './lib/flags.js'
import { guardRun } from './lib/run-guard.js'
import { DATABASE_URL, REDIS_URL, redisPid, runNames } from './lib/services.js'
import type { HubChildParams } from './lib/hub-child.js'
import type { SimulatorStats } from '../connectors/population/simulator.js'

const NAME = 'citizens-lookup'
const PATH = '/v1/citizens/lookup'

const USAGE = `npm run bench -- ${NAME} [options]
${LOAD_USAGE}
  --rounds N        A/B rounds, at least 2 (default 3: the summary is their median)
  --citizens N      rotate over the first N sandbox citizens (default all)
  --db KIND         pglite (in-memory, default) or postgres (BENCH_DATABASE_URL, private schema)
  --quick           3 s runs after 1 s warm-up; does not touch bench/README.md
  --cpu-prof        profile the hub, baseline and simulator during the load, print hot spots; does not touch bench/README.md
  --no-readme       do not write the results into bench/README.md`

interface Settings {
  connections: number
  durationS: number
  warmupS: number
  rounds: number
  citizens: number | undefined
  db: DbKind
  cpuProf: boolean
  writeReadme: boolean
}

function parseSettings(args: string[]): Settings | undefined {
  const { values: v } = parseArgs({ args, options: { ...LOAD_OPTIONS, citizens: { type: 'string' }, db: { type: 'string' }, ...RUN_OPTIONS } })
  if (v.help) return undefined
  const db = dbKind(v.db, 'pglite')
  const settings: Settings = {
    ...loadSettings(v, 3),
    citizens: v.citizens === undefined ? undefined : positiveInt('citizens', v.citizens, 0),
    db,
    cpuProf: v['cpu-prof'] === true,
    writeReadme: writesReadme(v),
  }
  if (settings.rounds < 2) throw new BenchmarkFailure('--rounds must be at least 2 (A/B/A/B)')
  return settings
}

interface Side {
  label: 'hub' | 'baseline'
  child: ChildHandle
}

/** Every body once against both sides: all must answer 200 with the same citizen. */
async function preflight(sides: Side[], bodies: string[], headers: Record<string, string>): Promise<void> {
  const problems: string[] = []
  let next = 0
  const worker = async () => {
    while (next < bodies.length && problems.length < 5) {
      const body = bodies[next++]!
      const answers = await Promise.all(sides.map(async (s) => {
        const res = await fetch(`${s.child.url}${PATH}`, { method: 'POST', headers, body })
        return { side: s.label, status: res.status, json: (await res.json()) as unknown }
      }))
      for (const a of answers) if (a.status !== 200) problems.push(`${a.side} answered ${a.status} to ${body}: ${JSON.stringify(a.json).slice(0, 300)}`)
      try {
        if (answers.every((a) => a.status === 200)) deepStrictEqual(answers[0]!.json, answers[1]!.json)
      } catch {
        problems.push(`hub and baseline disagree on ${body}`)
      }
    }
  }
  await Promise.all(Array.from({ length: 8 }, worker))
  if (problems.length > 0) throw new BenchmarkFailure(`preflight failed:\n  ${problems.join('\n  ')}`)
}

/** Audit group-commit figures from the hub's own /metrics (whole life of the hub, preflight included). */
async function auditNote(hubUrl: string): Promise<string> {
  const text = await (await fetch(`${hubUrl}/metrics`)).text()
  const total = (name: string) => text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0)
  const batches = total('lgsp_audit_batch_size_count')
  if (batches === 0) return 'Hub audit log: no batch metrics found.'
  const records = total('lgsp_audit_batch_size_sum')
  const commitMs = (total('lgsp_audit_write_duration_seconds_sum') * 1000) / total('lgsp_audit_write_duration_seconds_count')
  return `Hub audit log: ${num(records)} records in ${num(batches)} group commits, ${num(records / batches, 1)} records and ${num(commitMs, 1)} ms per commit on average.`
}

export async function run(args: string[]): Promise<void> {
  const settings = parseSettings(args)
  if (!settings) return void process.stdout.write(`${USAGE}\n`)
  const { redisPrefix, schema, key } = runNames()
  const profDir = settings.cpuProf ? mkdtempSync(join(tmpdir(), 'lgsp-bench-prof-')) : undefined
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-officer-id': 'CB-0001', 'x-purpose': 'HS-BENCH-0001' }
  const citizens = sandboxCitizens().slice(0, settings.citizens)
  const bodies = citizens.map((c) => JSON.stringify({ personalId: c.personalId, fullName: c.fullName, dateOfBirth: c.dateOfBirth }))

  const guard = guardRun({
    log, note: 'stopping the benchmark', signalGraceMs: 3000,
    // Children first (they hold the keys and the schema), then what they leave behind.
    cleanup: async (graceMs) => {
      await stopAllChildren(graceMs)
      const deleted = await tryDeleteRedisPrefix(REDIS_URL, redisPrefix, log)
      log(`cleaned up: children stopped, ${deleted} Redis keys under ${redisPrefix} left to delete (the hub deletes its own when it closes)`)
      if (settings.db === 'postgres') await tryDropSchema(DATABASE_URL, schema, log)
    },
  })
  try {
    const sim = await spawnChild('population simulator', new URL('./lib/simulator-child.ts', import.meta.url), {})
    const hubParams: HubChildParams = {
      simulatorUrl: sim.url, redisUrl: REDIS_URL, redisPrefix, keySha256: sha256Hex(key), logLevel: 'warn',
      ...(settings.db === 'postgres' && { postgres: { url: DATABASE_URL, schema } }),
    }
    const [hub, baseline] = await Promise.all([
      spawnChild('hub', new URL('./lib/hub-child.ts', import.meta.url), hubParams),
      spawnChild('baseline', new URL('./lib/baseline-child.ts', import.meta.url), { simulatorUrl: sim.url }),
    ])
    log(`simulator ${sim.url} (pid ${sim.pid}), hub ${hub.url} (pid ${hub.pid}, Redis prefix ${redisPrefix}), baseline ${baseline.url} (pid ${baseline.pid})`)
    const sides: Side[] = [{ label: 'hub', child: hub }, { label: 'baseline', child: baseline }]
    const pids = { self: process.pid, simulator: sim.pid, hub: hub.pid, baseline: baseline.pid, redis: await redisPid() }
    await preflight(sides, bodies, headers)
    log(`preflight: ${bodies.length} citizens answered 200 and identically by both sides`)

    const runs: Run[] = []
    const served = { hub: 0, baseline: 0 }
    const profiled = { hub, baseline, simulator: sim }
    // From the first warm-up to the last run; a side idles (excluded) while the other is loaded.
    if (profDir) await Promise.all(Object.values(profiled).map((c) => c.startProfile()))
    for (let round = 1; round <= settings.rounds; round++) {
      for (const side of sides) {
        for (const child of [sim, side.child]) {
          if (child.exited()) throw new BenchmarkFailure(`${child.name} died (${child.exited()})`)
        }
        const load = { url: `${side.child.url}${PATH}`, connections: settings.connections, headers, bodies }
        const check = (r: LoadResult) => {
          if (guard.interrupted) throw new BenchmarkFailure(`interrupted by ${guard.interrupted}`)
          try {
            assertClean(r)
          } catch (err) {
            const dead = [sim, side.child].filter((c) => c.exited()).map((c) => `${c.name} died (${c.exited()})`)
            throw dead.length > 0 ? new BenchmarkFailure(`${(err as Error).message}; ${dead.join('; ')}`) : err
          }
        }
        const warm = await runLoad({ ...load, title: `${side.label} warm-up ${round}`, durationS: settings.warmupS })
        check(warm)
        const before = cpuSnapshot(pids)
        const result = await runLoad({ ...load, title: `${side.label} round ${round}`, durationS: settings.durationS })
        const cpu = cpuDelta(before, cpuSnapshot(pids))
        check(result)
        served[side.label] += warm.total + result.total
        runs.push({ round, side: side.label, result, cpu })
        log(`round ${round} ${side.label.padEnd(8)} ${num(result.rps).padStart(6)} req/s  p50 ${ms(result.p50)} ms  p99 ${ms(result.p99)} ms`)
      }
    }
    if (profDir) await Promise.all(Object.entries(profiled).map(([label, c]) => c.stopProfile(join(profDir, `${label}.cpuprofile`))))
    const simStats = (await (await fetch(`${sim.url}/__sim/stats`)).json()) as SimulatorStats
    const audit = await auditNote(hub.url)
    if (simStats.unauthorized > 0 || simStats.soap.invalid > 0) {
      throw new BenchmarkFailure(`the simulator refused ${simStats.unauthorized} unauthorized and ${simStats.soap.invalid} invalid requests`)
    }

    const markdown = lookupReport({
      command: `npm run bench -- ${[NAME, ...args].join(' ')}`,
      connections: settings.connections, durationS: settings.durationS, warmupS: settings.warmupS, rounds: settings.rounds,
      citizens: bodies.length,
      db: settings.db,
      ledger: settings.db === 'pglite' ? 'PGlite in-memory (`memory://`, inside the hub process)' : 'PostgreSQL on 127.0.0.1 (private schema, dropped afterwards)',
      runs, simulator: simStats, sent: bodies.length * 2 + served.hub + served.baseline, notes: [audit],
    })
    process.stdout.write(`\n## ${NAME}\n\n${markdown}\n`)
    if (settings.writeReadme) {
      if (settings.db === 'postgres') writeLatestResults(NAME, markdown, log)
      else writeLatestResults(`${NAME}-pglite`, markdown, log, ' (`--db pglite`, the default)')
    }
    if (profDir) process.stdout.write(`\n${profileReport(profDir, served)}\n`)
  } finally {
    await guard.cleanup()
    guard.release()
  }
}
