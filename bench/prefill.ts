/**
 * Benchmark: POST /v1/prefill, the three-source fan-out (population simulator, document store in
 * PostgreSQL, national-portal catalogue), at simulated upstream latencies whose slowest is 50, 80
 * and 120 ms. Goal (issue): at 50 concurrent clients, hub p50 ≤ slowest + 15 ms and p99 ≤
 * slowest + 40 ms. Against a baseline in the same run that makes the same three calls directly,
 * in parallel, from a bare Fastify route: the difference is the fan-out's own overhead.
 * Processes, design and findings: bench/README.md § prefill. Report: lib/prefill-report.ts.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { sha256Hex } from '../src/plugins/auth.js'
import { sandboxConfig as populationSandboxConfig } from '../connectors/population/simulator.js'
import { SANDBOX_AGENCY_CODE, SANDBOX_CREDENTIALS as PORTAL_CREDENTIALS, SANDBOX_DSTCODE } from '../connectors/national-portal/simulator.js'
import { spawnChild, type ChildHandle } from './lib/child.js'
import { assertClean, BenchmarkFailure, type LoadResult } from './lib/load.js'
import { cpuWindow, runDynamicLoad } from './lib/prefill-load.js'
import { log, ms, num, writeLatestResults } from './lib/report.js'
import { formatProfile, summariseProfile } from './lib/cpu-profile.js'
import { cleanUpHubRun } from './lib/cleanup.js'
import { LOAD_OPTIONS, LOAD_USAGE, loadSettings, positiveInt, RUN_OPTIONS, writesReadme } from './lib/flags.js'
import { BENCH_AUDIT_KEY, benchClient, benchHubConfig } from './lib/hub-config.js'
import { guardRun } from './lib/run-guard.js'
import { DATABASE_URL, REDIS_URL, runNames } from './lib/services.js'
import { startHubProcess, type HubProcess } from './lib/spawn-hub.js'
import { internals, scrape } from './lib/prefill-metrics.js'
import { preflight, prefillData, registerDocuments, sampler } from './lib/prefill-setup.js'
import { emptySamples, prefillReport, type PrefillRun, type Scenario } from './lib/prefill-report.js'
import type { PrefillSimulatorParams } from './lib/prefill-simulator-child.js'
import type { PrefillBaselineParams } from './lib/prefill-baseline-child.js'

const NAME = 'prefill'
/** Slowest upstream 50, 80, 120 ms; each simulator is the slowest source in at least one. */
const SCENARIOS: Scenario[] = [
  { slowestMs: 50, populationMs: 50, portalMs: 50 },
  { slowestMs: 80, populationMs: 50, portalMs: 80 },
  { slowestMs: 120, populationMs: 120, portalMs: 80 },
]

const USAGE = `npm run bench -- ${NAME} [options]
${LOAD_USAGE}
  --rounds N        A/B rounds per scenario (default 3: the summary is their median)
  --citizens N      rotate over the first N sandbox citizens (default all 1,205)
  --light N         also one A/B round per scenario at N connections (CPU not the limit); 0 = none (default 5)
  --sockets N       upstream sockets per connector (hub) and per pool (baseline); default = --connections
  --only MS         run only the scenario whose slowest source is MS (50, 80 or 120)
  --quick           3 s runs after 1 s warm-up, 1 round; does not touch bench/README.md
  --cpu-prof        profile the hub during its runs, print hot spots; does not touch bench/README.md
  --no-readme       do not write the results into bench/README.md`

function parseSettings(args: string[]) {
  const text = { type: 'string' } as const
  const { values: v } = parseArgs({ args, options: { ...LOAD_OPTIONS, citizens: text, sockets: text, light: text, only: text, ...RUN_OPTIONS } })
  if (v.help) return undefined
  const load = loadSettings(v, v.quick ? 1 : 3)
  const scenarios = v.only === undefined ? SCENARIOS : SCENARIOS.filter((s) => String(s.slowestMs) === v.only)
  if (scenarios.length === 0) throw new BenchmarkFailure(`--only must be one of ${SCENARIOS.map((s) => s.slowestMs).join(', ')}`)
  return {
    ...load, scenarios,
    citizens: v.citizens === undefined ? undefined : positiveInt('citizens', v.citizens, 0),
    sockets: positiveInt('sockets', v.sockets, load.connections),
    light: v.light === '0' ? 0 : positiveInt('light', v.light, 5),
    cpuProf: v['cpu-prof'] === true,
    writeReadme: writesReadme(v) && v.only === undefined,
  }
}

const simStats = async (url: string) => (await (await fetch(`${url}/__sim/stats`)).json()) as { soap?: { lookup: number }; services?: Record<string, number> }
const resetStats = (url: string) => fetch(`${url}/__sim/stats`, { method: 'DELETE' }).then((r) => r.arrayBuffer())
async function setLatency(url: string, latencyMs: number): Promise<void> {
  const res = await fetch(`${url}/__sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ latencyMs }) })
  if (res.status !== 200) throw new BenchmarkFailure(`${url}/__sim/faults answered ${res.status}: ${await res.text()}`)
}

export async function run(args: string[]): Promise<void> {
  const settings = parseSettings(args)
  if (!settings) return void process.stdout.write(`${USAGE}\n`)
  const { redisPrefix, schema, key } = runNames()
  const workDir = mkdtempSync(join(tmpdir(), 'lgsp-bench-prefill-'))
  const ledger = { kind: 'postgres', url: DATABASE_URL, schema } as const
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-officer-id': 'CB-0001', 'x-purpose': 'HS-BENCH-0001' }
  const data = prefillData(settings.citizens)
  let hub: HubProcess | undefined

  const guard = guardRun({
    log, note: 'stopping the benchmark', signalGraceMs: 3000,
    cleanup: (graceMs) => cleanUpHubRun({ hub, graceMs, redisUrl: REDIS_URL, redisPrefix, ledger, workDir, log }),
  })
  try {
    const simChild = (kind: PrefillSimulatorParams['kind']) => spawnChild(`${kind} simulator`, new URL('./lib/prefill-simulator-child.ts', import.meta.url), { kind, latencyMs: 0 } satisfies PrefillSimulatorParams)
    const [population, portal] = await Promise.all([simChild('population'), simChild('national-portal')])
    hub = await startHubProcess(benchHubConfig({
      redisUrl: REDIS_URL, redisPrefix, ledger,
      clients: [benchClient(sha256Hex(key), ['documents:read', 'citizens:read', 'dossiers:write'])],
      connectors: {
        population: {
          enabled: true, ...populationSandboxConfig(population.url), connections: settings.sockets,
        },
        'national-portal': {
          enabled: true, baseUrl: portal.url, username: PORTAL_CREDENTIALS.username, password: PORTAL_CREDENTIALS.password,
          dstcode: SANDBOX_DSTCODE, agencyCode: SANDBOX_AGENCY_CODE, connections: settings.sockets,
        },
      },
      // Every catalogue read goes upstream (the Redis GET and the stale-copy SET still happen).
      extra: { procedures: { cacheTtlMs: 0 } },
    }), workDir)
    const documents = await registerDocuments(hub.url, headers, data.citizens)
    const baseline = await spawnChild('baseline', new URL('./lib/prefill-baseline-child.ts', import.meta.url), {
      populationUrl: population.url, portalUrl: portal.url, sockets: settings.sockets, database: { url: DATABASE_URL, schema }, hashKey: BENCH_AUDIT_KEY,
    } satisfies PrefillBaselineParams)
    log(`population ${population.url}, portal ${portal.url}, hub ${hub.url} (pid ${hub.pid}, schema ${schema}, Redis ${redisPrefix}), baseline ${baseline.url}; ${documents} documents registered`)
    const sides = [{ label: 'hub' as const, url: hub.url, pid: hub.pid }, { label: 'baseline' as const, url: baseline.url, pid: baseline.pid }]
    await preflight(sides, headers, data.bodies)
    log(`preflight: ${data.bodies.length} bodies answered 200 with all three sources by both sides`)

    const pids = { self: process.pid, hub: hub.pid, baseline: baseline.pid, population: population.pid, portal: portal.pid }
    const children: Array<ChildHandle | HubProcess> = [population, portal, baseline, hub]
    const profile = settings.cpuProf ? join(workDir, 'hub.cpuprofile') : undefined
    if (profile) await hub.startProfile()
    const runs: PrefillRun[] = []
    let next = 0
    // Each scenario: `rounds` A/B rounds at the goal's concurrency, then one light-load A/B round (CPU not the limit).
    const plan = [...Array.from({ length: settings.rounds }, (_, i) => ({ round: i + 1, connections: settings.connections })), ...(settings.light > 0 ? [{ round: 1, connections: settings.light }] : [])]
    for (const scenario of settings.scenarios) {
      await Promise.all([setLatency(population.url, scenario.populationMs), setLatency(portal.url, scenario.portalMs)])
      for (const { round, connections } of plan) {
        for (const side of sides) {
          const dead = children.filter((c) => c.exited()).map((c) => `${'name' in c ? c.name : 'hub'} died (${c.exited()})`)
          if (dead.length > 0) throw new BenchmarkFailure(dead.join('; '))
          const samples = emptySamples()
          const load = (title: string, durationS: number) => runDynamicLoad({
            title, url: `${side.url}/v1/prefill`, connections, durationS, headers,
            next: () => ({ body: data.bodies[next++ % data.bodies.length]! }), onResponse: sampler(side.label, data, samples),
          })
          const check = (r: LoadResult) => {
            if (guard.interrupted) throw new BenchmarkFailure(`interrupted by ${guard.interrupted}`)
            assertClean(r)
          }
          await Promise.all([resetStats(population.url), resetStats(portal.url)])
          const title = `${side.label} ${scenario.slowestMs} ms ${connections} conn/${round}`
          const warm = await load(`${title} warm-up`, settings.warmupS)
          check(warm)
          const window = cpuWindow(pids)
          const metricsBefore = side.label === 'hub' ? await scrape(side.url) : undefined
          const result = await load(title, settings.durationS)
          const cpu = window()
          const hubInternals = metricsBefore && internals(metricsBefore, await scrape(side.url))
          check(result)
          const [pop, por] = await Promise.all([simStats(population.url), simStats(portal.url)])
          runs.push({
            scenario, round, connections, side: side.label, result, cpu, samples, ...(hubInternals && { internals: hubInternals }),
            upstream: { lookups: pop.soap?.lookup ?? 0, procedures: por.services?.['LayThuTuc'] ?? 0, completed: warm.total + result.total },
          })
          log(`${title.padEnd(28)} ${num(result.rps).padStart(5)} req/s  p50 ${ms(result.p50)} ms  p99 ${ms(result.p99)} ms  sampled ${samples.ok}/${samples.checked} ok`)
        }
      }
    }
    const profileText = profile ? (await hub.stopProfile(profile), formatProfile(summariseProfile(profile, 25))) : undefined
    const counts = await hub.counts()
    const hubRequests = data.bodies.length + runs.filter((r) => r.side === 'hub').reduce((n, r) => n + r.upstream.completed, 0)
    const hubLogs = hub.logSummary()
    const markdown = prefillReport({
      command: `npm run bench -- ${[NAME, ...args].join(' ')}`,
      connections: settings.connections, durationS: settings.durationS, warmupS: settings.warmupS, rounds: settings.rounds, light: settings.light, sockets: settings.sockets,
      citizens: data.citizens.length, procedures: data.procedures.length, documents, runs,
      notes: [
        `Hub config deviations from the defaults: \`procedures.cacheTtlMs: 0\` (every catalogue read goes upstream; concurrent reads of one code in one process still share a call, see *upstream calls*), upstream \`connections: ${settings.sockets}\` on both connectors (default 10), PostgreSQL pool 10 (default), prefill deadline 3 s (default), log level warn.`,
        `Hub over the whole run: ${Object.entries(counts.pg).map(([k, n]) => `${k} ${num(n)}`).join(', ')} PostgreSQL statements; Redis commands ${Object.entries(counts.redis).sort((a, b) => b[1] - a[1]).slice(0, 6).map(([k, n]) => `${k} ${num(n)}`).join(', ')}, for ${num(hubRequests)} pre-fills answered (preflight and warm-ups included; also ${num(documents)} document registrations); log lines at warn+: ${hubLogs.warn} warn, ${hubLogs.error} error.`,
      ],
    })
    process.stdout.write(`\n## ${NAME}\n\n${markdown}\n`)
    if (profileText) process.stdout.write(`\n### Hub CPU profile (all scenarios, hub runs only; idle excluded)\n\n${profileText}\n`)
    if (settings.writeReadme) writeLatestResults(NAME, markdown, log)
  } finally {
    await guard.cleanup()
    guard.release()
  }
}
