/**
 * The indicators benchmark's HTTP part: the accept path as a client sees it (PUT → 202), with the
 * indicator model on and off, in one run. Two hubs as deployed (lib/sync-hub.ts, the same config
 * but `indicators.enabled`), each with its own private schema and Redis prefix, delivering to one
 * portal simulator. Both get the same warm-up (updates of other dossiers, then ANALYZE), then
 * rounds alternate the sides (off/on, on/off, …): each round PUTs `updates` versions over 32
 * connections and waits until that hub's ledger and queue are empty, so the rounds do not overlap
 * and each side's deliveries fall in its own rounds. Per side and round: accepted per s (first PUT
 * → last 202) and the hub's CPU per update (/proc, the whole round, delivery included).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { sha256Hex } from '../../src/plugins/auth.js'
import { spawnChild, stopAllChildren } from './child.js'
import { analyzeSchema, tryDeleteRedisPrefix, tryDropSchema } from './cleanup.js'
import { guardRun } from './run-guard.js'
import { DATABASE_URL, REDIS_URL, redisPid, runNames } from './services.js'
import { BenchmarkFailure } from './load.js'
import { startSyncHub, type SyncHub } from './sync-hub.js'
import { burstPhase, warmUpPhase, type PhaseContext } from './sync-phases.js'
import { problems } from './sync-report.js'

const RETRY = { baseDelayMs: 500, maxDelayMs: 5000, maxAttempts: 200 }
const SIDES = ['off', 'on'] as const
type Side = (typeof SIDES)[number]

export interface HttpRound {
  acceptPerS: Record<Side, number>
  hubCpuUs: Record<Side, number>
}

export async function httpAcceptPart(o: { updates: number; rounds: number; warmUp: number; log: (line: string) => void }): Promise<HttpRound[]> {
  const { suffix, redisPrefix, schema, key } = runNames()
  const workDir = mkdtempSync(join(tmpdir(), 'lgsp-bench-ind-'))
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' }
  const names = (side: Side) => ({ schema: `${schema}_${side}`, prefix: `${redisPrefix}${side}:` })
  const hubs: Partial<Record<Side, SyncHub>> = {}
  const guard = guardRun({
    log: o.log, note: 'stopping and cleaning up',
    cleanup: async () => {
      await Promise.all(SIDES.map((s) => hubs[s]?.stop().catch(() => undefined)))
      await stopAllChildren(5000)
      for (const side of SIDES) {
        await tryDeleteRedisPrefix(REDIS_URL, names(side).prefix, o.log)
        await tryDropSchema(DATABASE_URL, names(side).schema, o.log)
      }
      rmSync(workDir, { recursive: true, force: true })
    },
  })
  try {
    const sim = await spawnChild('national-portal simulator', new URL('./sync-simulator-child.ts', import.meta.url), {})
    for (const side of SIDES) {
      mkdirSync(join(workDir, side))
      hubs[side] = await startSyncHub({
        simulatorUrl: sim.url, redisUrl: REDIS_URL, redisPrefix: names(side).prefix, keySha256: sha256Hex(key),
        ledger: { kind: 'postgres', url: DATABASE_URL, schema: names(side).schema }, concurrency: 16, retry: RETRY,
        indicators: side === 'on', workDir: join(workDir, side),
      })
    }
    const redis = await redisPid()
    const ctx = (side: Side, tag: string): PhaseContext => ({
      suffix: `${suffix}${side}${tag}`, hub: hubs[side]!, simUrl: sim.url, baselineUrl: '', redisUrl: REDIS_URL, bullPrefix: '', headers,
      connections: 32, concurrency: 16, log: o.log, signal: guard.signal,
      pids: { hub: hubs[side]!.pid, simulator: sim.pid, redis, self: process.pid },
    })
    for (const side of SIDES) {
      await warmUpPhase(ctx(side, 'w'), o.warmUp, () => analyzeSchema(DATABASE_URL, names(side).schema))
    }
    o.log(`  hubs warmed up (${o.warmUp} updates each, then ANALYZE)`)
    const results: HttpRound[] = []
    for (let round = 1; round <= o.rounds; round++) {
      const r: HttpRound = { acceptPerS: { off: 0, on: 0 }, hubCpuUs: { off: 0, on: 0 } }
      for (const side of round % 2 === 1 ? SIDES : [...SIDES].reverse()) {
        const burst = await burstPhase(ctx(side, `r${round}`), o.updates, 5)
        const found = problems(`${side} round ${round}`, burst.check, burst.ledger.dead)
        if (found.length > 0) throw new BenchmarkFailure(`correctness violated:\n  ${found.join('\n  ')}`)
        r.acceptPerS[side] = burst.log.latencies.length / ((burst.log.lastAcceptAt - burst.log.firstSendAt) / 1000)
        r.hubCpuUs[side] = ((burst.cpu.processes.hub ?? NaN) * 1000) / o.updates
      }
      o.log(`  HTTP round ${round}: accepted per s off ${Math.round(r.acceptPerS.off)}, on ${Math.round(r.acceptPerS.on)} (${(r.acceptPerS.on / r.acceptPerS.off).toFixed(2)}×); hub CPU µs per update off ${Math.round(r.hubCpuUs.off)}, on ${Math.round(r.hubCpuUs.on)}`)
      results.push(r)
    }
    return results
  } finally {
    await guard.cleanup()
    guard.release()
  }
}
