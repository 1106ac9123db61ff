/**
 * The independent check of the citizens-lookup figures (issue 17): none of the internal
 * benchmark's machinery (no hub child, no in-process baseline, no preload), only what a user has:
 * `npm start` (sandbox: the four simulators run inside the hub's process, embedded PGlite in a
 * fresh data directory), plain autocannon, and a direct call to the same population simulator —
 * the SOAP request a client sends, built once per citizen with the connector's wire module and
 * the sandbox's LGSP token (lib/population-baseline.ts), replayed raw so the hub is not involved.
 *
 * Rounds alternate direct / hub. Reported:
 * - hub ÷ direct throughput and p99 (median of the per-round ratios);
 * - the CPU per request of the `npm start` tree in each mode: direct calls cost only the
 *   simulator, so **hub own CPU = (hub mode − direct mode) per request** — the number to hold
 *   against the internal citizens-lookup benchmark's hub "server CPU µs/req" (same work, its
 *   simulator in another process);
 * - the hub's RSS after start and after the load (3 rounds × 23 s ≥ 60 s of hub load by default).
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import { sandboxCitizens } from '../../connectors/population/fake-citizens.js'
import { populationBaseline } from '../lib/population-baseline.js'
import { deleteRedisPrefix } from '../lib/cleanup.js'
import { LOAD_OPTIONS, positiveInt } from '../lib/flags.js'
import { BenchmarkFailure } from '../lib/load.js'
import { log, machineNote, markdownTable, median, ms, num, ratio, verdict, writeLatestResults } from '../lib/report.js'
import { REDIS_URL } from '../lib/services.js'
import { npmStart, type NpmStart } from './npm-start.js'

const NAME = 'independent'
const DEMO_KEY = 'lgsp-demo-key-0000-not-a-secret' // printed by every sandbox banner
const USAGE = `npm run bench -- ${NAME} [options]
  --connections N   autocannon connections (default 16)
  --duration S      measured seconds per run (default 20)
  --warmup S        warm-up seconds before each run (default 3)
  --rounds N        direct/hub rounds, at least 3 (default 3)
  --no-readme       print only`

interface Run {
  round: number
  side: 'direct' | 'hub'
  rps: number
  p50: number
  p99: number
  total: number
  failed: number
  cpuUsPerReq: number
}

type Request = { method: 'POST'; path: string; headers: Record<string, string>; body: string }

async function load(url: string, requests: Request[], connections: number, durationS: number): Promise<autocannon.Result> {
  return autocannon({ url, connections, duration: durationS, requests })
}

export async function run(args: string[]): Promise<void> {
  const { values: v } = parseArgs({ args, options: { ...LOAD_OPTIONS, 'no-readme': { type: 'boolean' }, help: { type: 'boolean' } } })
  if (v.help) return void process.stdout.write(`${USAGE}\n`)
  const s = { connections: positiveInt('connections', v.connections, 16), durationS: positiveInt('duration', v.duration, 20), warmupS: positiveInt('warmup', v.warmup, 3), rounds: positiveInt('rounds', v.rounds, 3) }
  if (s.rounds < 3) throw new BenchmarkFailure('--rounds must be at least 3 (the summary is their median)')
  const dir = mkdtempSync(join(tmpdir(), 'lgsp-independent-'))
  const prefix = `indep:${randomBytes(4).toString('hex')}:`
  let hub: NpmStart | undefined
  try {
    const started = Date.now()
    hub = await npmStart({ dataDir: join(dir, 'pglite'), redisPrefix: prefix, log })
    const startS = (Date.now() - started) / 1000
    await new Promise((r) => setTimeout(r, 5000)) // let start-up work settle before reading memory
    const afterStart = hub.memory()
    log(`npm start: banner after ${num(startS, 1)} s; RSS ${num(afterStart.rssMb)} MB (peak ${num(afterStart.peakMb)} MB)`)

    const citizens = sandboxCitizens().slice(0, 500)
    const hubHeaders = { authorization: `Bearer ${DEMO_KEY}`, 'x-officer-id': 'CB-0001', 'x-purpose': 'HS-BENCH-0001', 'content-type': 'application/json' }
    const hubRequests: Request[] = citizens.map((c) => ({ method: 'POST', path: '/v1/citizens/lookup', headers: hubHeaders, body: JSON.stringify({ personalId: c.personalId, fullName: c.fullName, dateOfBirth: c.dateOfBirth }) }))
    const population = populationBaseline(hub.populationUrl)
    const directRequests: Request[] = []
    for (const c of citizens) {
      const r = await population.request({ personalId: c.personalId, fullName: c.fullName, dateOfBirth: c.dateOfBirth })
      directRequests.push({ method: 'POST', path: r.path, headers: r.headers, body: r.body })
    }
    // Both sides must answer what a client wants before they are timed.
    const probe = await fetch(`${hub.url}/v1/citizens/lookup`, { method: 'POST', headers: hubHeaders, body: hubRequests[0]!.body })
    if (probe.status !== 200) throw new BenchmarkFailure(`the hub answered ${probe.status} to a sandbox lookup: ${(await probe.text()).slice(0, 300)}`)
    const direct = await fetch(new URL(directRequests[0]!.path, hub.populationUrl), { method: 'POST', headers: directRequests[0]!.headers, body: directRequests[0]!.body })
    const parsed = population.parse(Buffer.from(await direct.arrayBuffer()), direct.status, citizens[0]!.personalId)
    if (!parsed || parsed.personalId !== citizens[0]!.personalId) throw new BenchmarkFailure('the direct SOAP call did not return the citizen')

    const runs: Run[] = []
    for (let round = 1; round <= s.rounds; round++) {
      for (const side of ['direct', 'hub'] as const) {
        const url = side === 'hub' ? hub.url : hub.populationUrl
        const requests = side === 'hub' ? hubRequests : directRequests
        await load(url, requests, s.connections, s.warmupS)
        const cpu0 = hub.cpuMs()
        const r = await load(url, requests, s.connections, s.durationS)
        const cpuMs = hub.cpuMs() - cpu0
        const failed = r.non2xx + r.errors + r.timeouts
        const row: Run = { round, side, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, total: r.requests.total, failed, cpuUsPerReq: (cpuMs * 1000) / Math.max(1, r.requests.total) }
        runs.push(row)
        log(`round ${round} ${side.padEnd(6)} ${num(row.rps).padStart(6)} req/s  p50 ${ms(row.p50)} ms  p99 ${ms(row.p99)} ms  CPU ${num(row.cpuUsPerReq)} µs/req  failed ${failed}`)
        if (failed > 0) throw new BenchmarkFailure(`${side} round ${round}: ${failed} requests without a 2xx answer`)
      }
    }
    const afterLoad = hub.memory()
    log(`after the load: RSS ${num(afterLoad.rssMb)} MB (peak ${num(afterLoad.peakMb)} MB)`)

    const of = (side: Run['side']) => runs.filter((r) => r.side === side)
    const perRound = (f: (r: Run) => number) => median(of('hub').map((h, i) => f(h) / f(of('direct')[i]!)))
    const hubCpu = median(of('hub').map((r) => r.cpuUsPerReq))
    const simCpu = median(of('direct').map((r) => r.cpuUsPerReq))
    const markdown = [
      `Command: \`npm run bench -- ${[NAME, ...args].join(' ')}\`. Machine: ${machineNote()}.`,
      `\`npm start\` (sandbox, fresh PGlite data dir, own Redis prefix) loaded by plain autocannon, ${s.connections} connections, ${s.durationS} s measured after ${s.warmupS} s warm-up per run, ${s.rounds} rounds direct/hub, bodies rotating over ${citizens.length} sandbox citizens. *Direct*: the population simulator inside that same process, called with the SOAP request a client sends (the hub not involved). CPU: the whole \`npm start\` tree (/proc) per request.`,
      '',
      markdownTable(['round', 'side', 'req/s', 'p50 ms', 'p99 ms', 'requests', 'npm start CPU µs/req'], runs.map((r) => [String(r.round), r.side, num(r.rps), ms(r.p50), ms(r.p99), num(r.total), num(r.cpuUsPerReq)])),
      '',
      markdownTable(['measure', 'value'], [
        ['hub ÷ direct throughput (median of per-round ratios)', ratio(perRound((r) => r.rps))],
        ['hub ÷ direct p99', ratio(perRound((r) => r.p99))],
        ['CPU per lookup in hub mode (hub + simulator)', `${num(hubCpu)} µs`],
        ['CPU per direct call (simulator only)', `${num(simCpu)} µs`],
        ['**hub own CPU per lookup** (difference): compare with citizens-lookup `--db pglite` hub "server CPU µs/req"', `**${num(hubCpu - simCpu)} µs**`],
        ['RSS after start (5 s after the banner) / peak', `${num(afterStart.rssMb)} MB / ${num(afterStart.peakMb)} MB — goal ≤ 400 MB: ${verdict(afterStart.rssMb <= 400)}`],
        [`RSS after ${s.rounds * (s.durationS + s.warmupS)} s of hub load / peak`, `${num(afterLoad.rssMb)} MB / ${num(afterLoad.peakMb)} MB`],
      ]),
    ].join('\n')
    process.stdout.write(`\n${markdown}\n`)
    if (!v['no-readme']) writeLatestResults(NAME, markdown, log)
  } finally {
    await hub?.stop()
    rmSync(dir, { recursive: true, force: true })
    await deleteRedisPrefix(REDIS_URL, prefix).catch(() => 0)
  }
}
