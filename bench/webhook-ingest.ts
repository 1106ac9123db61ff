/**
 * Benchmark: POST /v1/webhooks/national-portal through the hub (A: signature check, envelope and
 * schema check, dedupe by `webhook-id`, inbox group commit before the 2xx) against a bare Fastify
 * route that only verifies the signature (B), loaded alternately A/B/A/B with a fresh id and a
 * valid signature per request. Goal (issue): hub throughput ≥ 0.6× baseline. Afterwards every id
 * the hub acknowledged must be in the inbox. Design: bench/README.md § webhook-ingest.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { EVENT_TYPES } from '../schemas/events.js'
import { sampleEvent } from '../connectors/national-portal/simulator-push.js'
import { generateSecret, signWebhook } from '../src/webhooks/signature.js'
import { spawnChild } from './lib/child.js'
import { assertClean, BenchmarkFailure, type LoadResult } from './lib/load.js'
import { cpuWindow, runDynamicLoad } from './lib/prefill-load.js'
import { log, ms, num, writeLatestResults } from './lib/report.js'
import { formatProfile, summariseProfile } from './lib/cpu-profile.js'
import { cleanUpHubRun } from './lib/cleanup.js'
import { dbKind, LOAD_OPTIONS, LOAD_USAGE, loadSettings, RUN_OPTIONS, writesReadme } from './lib/flags.js'
import { benchHubConfig, type Ledger } from './lib/hub-config.js'
import { guardRun } from './lib/run-guard.js'
import { DATABASE_URL, REDIS_URL, runNames } from './lib/services.js'
import { startHubProcess, type HubProcess } from './lib/spawn-hub.js'
import { checkInbox } from './lib/webhook-verify.js'
import { webhookReport, type WebhookRun } from './lib/webhook-report.js'
import type { WebhookBaselineParams } from './lib/webhook-baseline-child.js'

const NAME = 'webhook-ingest'
const PATH = '/v1/webhooks/national-portal'

const USAGE = `npm run bench -- ${NAME} [options]
${LOAD_USAGE}
  --rounds N        A/B rounds, at least 2 (default 3)
  --db KIND         postgres (default; BENCH_DATABASE_URL, private schema) or pglite (temp dir, inside the hub process)
  --quick           3 s runs after 1 s warm-up, 2 rounds; does not touch bench/README.md
  --cpu-prof        profile the hub during its runs, print hot spots; does not touch bench/README.md
  --no-readme       do not write the results into bench/README.md`

function parseSettings(args: string[]) {
  const { values: v } = parseArgs({ args, options: { ...LOAD_OPTIONS, db: { type: 'string' }, ...RUN_OPTIONS } })
  if (v.help) return undefined
  const db = dbKind(v.db, 'postgres')
  const s = { ...loadSettings(v, v.quick ? 2 : 3), db, cpuProf: v['cpu-prof'] === true, writeReadme: writesReadme(v) }
  if (s.rounds < 2) throw new BenchmarkFailure('--rounds must be at least 2 (A/B/A/B)')
  return s
}

export async function run(args: string[]): Promise<void> {
  const settings = parseSettings(args)
  if (!settings) return void process.stdout.write(`${USAGE}\n`)
  const { suffix, redisPrefix, schema } = runNames()
  const workDir = mkdtempSync(join(tmpdir(), 'lgsp-bench-webhook-'))
  const ledger: Ledger = settings.db === 'postgres' ? { kind: 'postgres', url: DATABASE_URL, schema } : { kind: 'pglite', dir: join(workDir, 'pglite') }
  const secret = generateSecret()
  const bodies = EVENT_TYPES.map((type, i) => JSON.stringify({ type, timestamp: new Date().toISOString(), data: sampleEvent(type, { dossierCode: `H34.BENCH-${suffix}-${i}` }).data }))
  let sent = 0
  /** A fresh id (never repeated in this run) with the current timestamp and its signature. */
  const nextWebhook = () => {
    const body = bodies[sent % bodies.length]!
    const id = `msg_${suffix}_${++sent}`
    return { body, headers: signWebhook({ id, timestamp: Math.floor(Date.now() / 1000), body, secrets: [secret] }) }
  }
  let hub: HubProcess | undefined

  const guard = guardRun({
    log, note: 'stopping the benchmark', signalGraceMs: 3000,
    cleanup: (graceMs) => cleanUpHubRun({ hub, graceMs, redisUrl: REDIS_URL, redisPrefix, ledger, workDir, log }),
  })
  try {
    hub = await startHubProcess(benchHubConfig({
      redisUrl: REDIS_URL, redisPrefix, ledger, clients: [],
      // No subscribers: no delivery rows, queues or workers; what is measured is the ingest alone.
      extra: { webhooks: { nationalPortal: { secrets: [secret] } }, subscribers: [] },
    }), workDir)
    const baseline = await spawnChild('baseline', new URL('./lib/webhook-baseline-child.ts', import.meta.url), { secrets: [secret] } satisfies WebhookBaselineParams)
    log(`hub ${hub.url} (pid ${hub.pid}, ${ledger.kind === 'postgres' ? `schema ${ledger.schema}` : `PGlite ${ledger.dir}`}, Redis ${redisPrefix}), baseline ${baseline.url} (pid ${baseline.pid})`)
    const sides = [{ label: 'hub' as const, url: hub.url, pid: hub.pid }, { label: 'baseline' as const, url: baseline.url, pid: baseline.pid }]
    const acknowledged = new Set<string>()
    const hubStatuses: Record<string, number> = {}
    const onHubAnswer = (status: number, text: string) => {
      hubStatuses[status] = (hubStatuses[status] ?? 0) + 1
      if (status === 202) acknowledged.add((JSON.parse(text) as { id: string }).id)
    }

    // Preflight: both sides take a signed event and refuse a bad signature; the hub answers a repeated id 200.
    const post = (url: string, w: { body: string; headers: Record<string, string> }) =>
      fetch(`${url}${PATH}`, { method: 'POST', headers: { 'content-type': 'application/json', ...w.headers }, body: w.body }).then(async (r) => ({ status: r.status, text: await r.text() }))
    for (const side of sides) {
      for (let i = 0; i < bodies.length; i++) {
        const w = nextWebhook()
        const r = await post(side.url, w)
        if (side.label === 'hub') onHubAnswer(r.status, r.text)
        if (r.status !== 202) throw new BenchmarkFailure(`preflight: ${side.label} answered ${r.status} to a signed event: ${r.text.slice(0, 300)}`)
        if (side.label === 'hub' && i === 0) {
          const again = await post(side.url, w)
          onHubAnswer(again.status, again.text)
          if (again.status !== 200) throw new BenchmarkFailure(`preflight: the hub answered ${again.status} to a repeated id`)
        }
      }
      const forged = nextWebhook()
      const bad = await post(side.url, { body: forged.body, headers: signWebhook({ id: `msg_forged_${sent}`, timestamp: Math.floor(Date.now() / 1000), body: forged.body, secrets: [generateSecret()] }) })
      if (bad.status !== 401) throw new BenchmarkFailure(`preflight: ${side.label} answered ${bad.status} to a forged signature`)
    }
    log('preflight: both sides accept signed events and refuse a forged one; the hub answers a repeated id 200')

    const pids = { self: process.pid, hub: hub.pid, baseline: baseline.pid }
    const profile = settings.cpuProf ? join(workDir, 'hub.cpuprofile') : undefined
    if (profile) await hub.startProfile()
    const runs: WebhookRun[] = []
    for (let round = 1; round <= settings.rounds; round++) {
      for (const side of sides) {
        for (const c of [hub, baseline]) if (c.exited()) throw new BenchmarkFailure(`${c === hub ? 'hub' : 'baseline'} died (${c.exited()})`)
        const load = (title: string, durationS: number) => runDynamicLoad({
          title, url: `${side.url}${PATH}`, connections: settings.connections, durationS, headers: { 'content-type': 'application/json' },
          next: nextWebhook, ...(side.label === 'hub' && { onResponse: onHubAnswer }),
        })
        const check = (r: LoadResult) => {
          if (guard.interrupted) throw new BenchmarkFailure(`interrupted by ${guard.interrupted}`)
          assertClean(r)
        }
        check(await load(`${side.label} warm-up ${round}`, settings.warmupS))
        const window = cpuWindow(pids)
        const result = await load(`${side.label} round ${round}`, settings.durationS)
        const cpu = window()
        check(result)
        runs.push({ round, side: side.label, result, cpu })
        log(`round ${round} ${side.label.padEnd(8)} ${num(result.rps).padStart(6)} req/s  p50 ${ms(result.p50)} ms  p99 ${ms(result.p99)} ms`)
      }
    }
    const profileText = profile ? (await hub.stopProfile(profile), formatProfile(summariseProfile(profile, 25))) : undefined
    const counts = await hub.counts()
    const hubLogs = hub.logSummary()
    await hub.stop() // graceful: the group committer flushes what it holds, so the inbox is final
    const inbox = await checkInbox(ledger, acknowledged)
    const pgTotal = (k: string) => counts.pg[k] ?? 0
    const markdown = webhookReport({
      command: `npm run bench -- ${[NAME, ...args].join(' ')}`,
      connections: settings.connections, durationS: settings.durationS, warmupS: settings.warmupS, rounds: settings.rounds,
      ledger: ledger.kind === 'postgres' ? 'PostgreSQL on 127.0.0.1 (private schema, dropped afterwards), hub pool of 10' : 'PGlite in a temp dir (inside the hub process, one connection)',
      bodyBytes: bodies.map((b) => Buffer.byteLength(b)), runs, inbox, hubStatuses,
      notes: [
        `Hub: \`src/main.ts start\` with defaults for the webhook route (tolerance 300 s, body limit 256 KiB, inbox group commit up to 256 events / 2 ms), **no subscribers** (no delivery rows, queues or workers: only the ingest is measured), every connector off, log level warn.`,
        ledger.kind === 'postgres'
          ? `Inbox commits: ${num(pgTotal('COMMIT'))} transactions for ${num(inbox.rows)} events = **${num(inbox.rows / Math.max(1, pgTotal('COMMIT')), 1)} events per group commit** on average; ${num(Object.values(counts.pg).reduce((a, b) => a + b, 0) / Math.max(1, inbox.rows), 2)} PostgreSQL statements per event (${Object.entries(counts.pg).map(([k, n]) => `${k} ${num(n)}`).join(', ')}); Redis commands over the whole run: ${num(Object.values(counts.redis).reduce((a, b) => a + b, 0))} for those events (webhook pushes carry no API key, so no rate-limit counter; what is counted is background work). Log lines at warn+: ${hubLogs.warn} warn, ${hubLogs.error} error.`
          : `Statements are not counted with PGlite (they never leave the hub process). Log lines at warn+: ${hubLogs.warn} warn, ${hubLogs.error} error.`,
      ],
    })
    process.stdout.write(`\n## ${NAME}\n\n${markdown}\n`)
    if (profileText) process.stdout.write(`\n### Hub CPU profile (hub runs only; idle excluded)\n\n${profileText}\n`)
    if (inbox.lost.length > 0 || inbox.maxSeq !== inbox.rows) throw new BenchmarkFailure(`${inbox.lost.length} acknowledged events are not in the inbox (or seq has holes); README left alone`)
    if (settings.writeReadme) {
      if (settings.db === 'postgres') writeLatestResults(NAME, markdown, log)
      else writeLatestResults(`${NAME}-pglite`, markdown, log, ' (`--db pglite`)')
    }
  } finally {
    await guard.cleanup()
    guard.release()
  }
}
