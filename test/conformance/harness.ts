/**
 * The connector conformance suite: what every connector must do, checked through the registry
 * (real Redis, real HTTP to the connector's simulator) with nothing connector-specific but the
 * target descriptor. A connector's `test/conformance/<id>.test.ts` calls `runConformance(t, target)`.
 * (Not a test file itself: tap only runs `*.test.ts`.)
 *
 * Conventions every connector config section follows, which the harness relies on:
 *   - `retry` {maxAttempts, baseDelayMs, maxDelayMs} and `circuit` {failureThreshold, windowMs,
 *     openMs} are passed to the shared upstream client;
 *   - `timeoutMs` {<operation>: ms} overrides an operation's deadline (the registry reads it).
 * The harness merges small values of these over `configFor(simUrl)` so every wait stays short.
 */
import type { Test } from 'tap'
import { randomBytes } from 'node:crypto'
import { Writable } from 'node:stream'
import { Redis } from 'ioredis'
import { pino } from 'pino'
import { Value } from 'typebox/value'
import { createRegistry, loadConnectorModule, validateConnectorConfigs, type ConnectorRegistry } from '../../src/upstream/registry.js'
import { isUpstreamError, type UpstreamErrorKind } from '../../src/upstream/errors.js'
import type { ConnectorModule } from '../../src/upstream/types.js'
import { createMetrics } from '../../src/metrics.js'
import { delay, waitFor } from '../unit/upstream/fake-upstream.js'

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

/** The generic fault vocabulary; each target's simulator maps it onto its own fault settings. */
export interface ConformanceFaults {
  /** Delay before answering, in ms. */
  latencyMs?: number
  /** Never answer; the connection stays open until the client goes away. */
  hang?: boolean
  /** Answer success status with a body the connector cannot parse. */
  malformed?: boolean
  /** Answer this HTTP status with a short plain body (e.g. 503). */
  status?: number
}

export interface ConformanceSimulator {
  url: string
  setFaults(faults: ConformanceFaults): void
  clearFaults(): void
  /** `requests`: calls that reached the upstream endpoint; `inFlight`: open exchanges, when the simulator knows. */
  stats(): { requests: number; inFlight?: number }
  close(): Promise<void>
}

/**
 * A target's simulator as the harness sees it: its own faults (the generic vocabulary is a subset
 * of each simulator's), and `requests` counting only calls of the operation under test
 * (`upstreamCalls` leaves out logins or token requests where the simulator counts them too).
 */
export function conformanceSimulator<S extends { requests: number; inFlight: number }>(
  sim: { url: string; setFaults(faults: ConformanceFaults): void; clearFaults(): void; stats(): S; close(): Promise<void> },
  upstreamCalls: (stats: S) => number = (s) => s.requests,
): ConformanceSimulator {
  return {
    url: sim.url,
    setFaults: (faults) => sim.setFaults(faults),
    clearFaults: () => sim.clearFaults(),
    stats: () => {
      const s = sim.stats()
      return { requests: upstreamCalls(s), inFlight: s.inFlight }
    },
    close: () => sim.close(),
  }
}

export interface ConformanceCall {
  operation: string
  input: unknown
  officerId?: string
  purpose?: string
}

/** Names of the checks, for `todo` (known failures that must not turn the suite red). */
export type ConformanceCheck =
  | 'contract' | 'timeout' | 'abort' | 'kind:unavailable' | 'kind:bad_response' | 'kind:rejected' | 'kind:timeout'
  | 'circuit' | 'circuit:unavailable' | 'circuit:bad_response' | 'circuit:timeout' | 'no-personal-data' | 'output-schema'

export interface ConformanceTarget {
  id: string
  /** The module `connectors/<id>/index.ts` default-exports (or a loader of it). */
  module: ConnectorModule | (() => Promise<ConnectorModule>)
  startSimulator(): Promise<ConformanceSimulator>
  /** The connector's config section pointing at the simulator (without `enabled`). */
  configFor(simUrl: string): Record<string, unknown>
  /** A call the simulator answers successfully. */
  sampleCall: ConformanceCall
  /** A call the upstream understands and refuses (→ `rejected`). */
  rejectedCall?: ConformanceCall
  /** Checks expected to fail, with the reason (reported as tap `todo`). */
  todo?: Partial<Record<ConformanceCheck, string>>
}

interface Policy {
  /** Deadline of the operations under test, in ms. Default 2000. */
  timeoutMs?: number
  maxAttempts?: number
  failureThreshold?: number
}

const OPEN_MS = 500
const TEST_TIMEOUT_MS = 10_000
const CALL_BOUND_MS = 5000
const ID_12 = /(?<![0-9])[0-9]{12}(?![0-9])/g

type Outcome = { ok: true; value: unknown; ms: number } | { ok: false; error: unknown; kind: string; ms: number }

/** Every 12-digit string anywhere in a value: the personal IDs a call carries. */
export function personalIds(value: unknown, out = new Set<string>()): Set<string> {
  if (typeof value === 'string') for (const m of value.matchAll(ID_12)) out.add(m[0])
  else if (Array.isArray(value)) for (const v of value) personalIds(v, out)
  else if (typeof value === 'object' && value !== null) for (const v of Object.values(value)) personalIds(v, out)
  return out
}

/** One connector behind a fresh registry: own simulator, own Redis prefix, captured trace logs. */
async function open(t: Test, target: ConformanceTarget, policy: Policy = {}) {
  const sim = await target.startSimulator()
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 })
  const prefix = `test:conformance:${target.id}:${randomBytes(6).toString('hex')}:`
  const logs: string[] = []
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(chunk.toString('utf8'))
      done()
    },
  })
  const log = pino({ level: 'trace' }, stream)
  let registry: ConnectorRegistry | undefined
  t.teardown(async () => {
    await registry?.close()
    await sim.close()
    let cursor = '0'
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500)
      if (keys.length > 0) await redis.del(...keys)
      cursor = next
    } while (cursor !== '0')
    await redis.quit().catch(() => redis.disconnect())
  })

  const base = target.configFor(sim.url)
  const ownTimeouts = typeof base.timeoutMs === 'object' && base.timeoutMs !== null ? base.timeoutMs : {}
  const timeoutMs = policy.timeoutMs ?? 2000
  const operations = [target.sampleCall.operation, ...(target.rejectedCall ? [target.rejectedCall.operation] : [])]
  const section = {
    enabled: true,
    ...base,
    retry: { maxAttempts: policy.maxAttempts ?? 1, baseDelayMs: 10, maxDelayMs: 50 },
    circuit: { failureThreshold: policy.failureThreshold ?? 100, windowMs: 10_000, openMs: OPEN_MS },
    timeoutMs: { ...ownTimeouts, ...Object.fromEntries(operations.map((op) => [op, timeoutMs])) },
  }
  const connectors = { [target.id]: section }
  const problems = await validateConnectorConfigs(connectors)
  if (problems.length > 0) throw new Error(`conformance config refused:\n${problems.join('\n')}`)
  registry = await createRegistry({ connectors, redis, redisPrefix: prefix, log, metrics: createMetrics({ defaultMetrics: false }) })
  const reg = registry

  /** Runs one call through the registry; never throws, never outlives CALL_BOUND_MS. */
  async function call(c: ConformanceCall, signal: AbortSignal = new AbortController().signal): Promise<Outcome> {
    const started = performance.now()
    const run = reg.invoke(target.id, c.operation, structuredClone(c.input), {
      signal, requestId: `conformance-${randomBytes(4).toString('hex')}`, log,
      ...(c.officerId !== undefined && { officerId: c.officerId }),
      ...(c.purpose !== undefined && { purpose: c.purpose }),
    })
    run.catch(() => {}) // the bound may win; do not leave a late rejection unhandled
    let timer: NodeJS.Timeout | undefined
    const bound = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`call did not settle within ${CALL_BOUND_MS} ms`)), CALL_BOUND_MS)
    })
    try {
      const value = await Promise.race([run, bound])
      return { ok: true, value, ms: performance.now() - started }
    } catch (error) {
      const kind = isUpstreamError(error) ? error.kind : `not an UpstreamError (${(error as Error)?.message})`
      // Log the failure as the gateway would, so a personal ID in a message or cause shows up.
      log.trace({ err: error }, 'conformance call failed')
      return { ok: false, error, kind, ms: performance.now() - started }
    } finally {
      clearTimeout(timer)
    }
  }
  return { sim, registry: reg, logs, call, log }
}

const kindOf = (o: Outcome) => (o.ok ? 'ok' : o.kind)

export function runConformance(t: Test, target: ConformanceTarget): void {
  const check = (name: ConformanceCheck, title: string, fn: (t: Test) => Promise<void>) => {
    const todo = target.todo?.[name]
    return t.test(`${target.id} ${name}: ${title}`, { timeout: TEST_TIMEOUT_MS, ...(todo !== undefined && { todo }) }, fn)
  }
  const sample = target.sampleCall

  check('contract', 'the registry loads the module, the config passes its schema, the sample input passes its operation schema', async (t) => {
    const mod = typeof target.module === 'function' ? await target.module() : target.module
    t.equal(await loadConnectorModule(target.id), mod, `connectors/${target.id}/index.ts default-exports the target module`)
    const { registry } = await open(t, target)
    const connector = registry.get(target.id)
    for (const c of [sample, ...(target.rejectedCall ? [target.rejectedCall] : [])]) {
      const op = connector.operations[c.operation]
      if (!t.ok(op, `operation ${c.operation} exists`) || !op) continue
      const errors = [...Value.Errors(op.input, c.input)].slice(0, 3).map((e) => JSON.stringify(e))
      t.ok(Value.Check(op.input, c.input), `${c.operation} input is valid${errors.length ? `: ${errors.join('; ')}` : ''}`)
      t.ok(op.timeoutMs > 0, `${c.operation} declares a deadline`)
    }
    t.equal((await registry.circuitStates())[target.id], 'closed', 'a fresh circuit is closed')
  })

  check('timeout', 'a slow upstream ends in `timeout` at about the operation deadline', async (t) => {
    const timeoutMs = 300
    const { sim, call } = await open(t, target, { timeoutMs })
    sim.setFaults({ latencyMs: 3000 })
    const o = await call(sample)
    t.equal(kindOf(o), 'timeout')
    t.ok(o.ms >= timeoutMs - 20, `not before the deadline (${Math.round(o.ms)} ms)`)
    t.ok(o.ms < timeoutMs + 1500, `soon after the deadline (${Math.round(o.ms)} ms)`)
  })

  check('abort', 'the caller aborting ends the call with `aborted` at once and closes the upstream socket', async (t) => {
    const { sim, call } = await open(t, target, { timeoutMs: 5000 })
    sim.setFaults({ hang: true })
    const before = sim.stats().requests
    const caller = new AbortController()
    // Abort once the request hangs at the upstream (a fixed 100 ms flaked under load: the request
    // had not arrived yet), and time the settling from the abort.
    let abortedAt = 0
    void waitFor(() => sim.stats().requests - before >= 1, 10_000, 'the request reaching the upstream')
      .catch(() => undefined) // then the assertion below on the request count fails
      .then(() => { abortedAt = performance.now(); caller.abort() })
    const o = await call(sample, caller.signal)
    t.equal(kindOf(o), 'aborted')
    const settledIn = performance.now() - abortedAt
    t.ok(abortedAt > 0 && settledIn < 1000, `settled soon after the abort (${Math.round(settledIn)} ms)`)
    t.equal(sim.stats().requests - before, 1, 'the request had reached the upstream')
    if (sim.stats().inFlight !== undefined) {
      await waitFor(() => sim.stats().inFlight === 0, 2000, 'the simulator seeing the socket closed')
      t.pass('the simulator saw the exchange end')
    }
  })

  const kindCase = (name: ConformanceCheck, title: string, expected: UpstreamErrorKind, run: (env: Awaited<ReturnType<typeof open>>) => Promise<Outcome>, policy: Policy = {}) =>
    check(name, title, async (t) => {
      const env = await open(t, target, policy)
      const o = await run(env)
      t.equal(kindOf(o), expected)
      if (!o.ok) t.ok(isUpstreamError(o.error), 'rejects with an UpstreamError')
    })
  kindCase('kind:unavailable', 'HTTP 503 → `unavailable`', 'unavailable', async ({ sim, call }) => {
    sim.setFaults({ status: 503 })
    return call(sample)
  })
  kindCase('kind:bad_response', 'a malformed reply → `bad_response`', 'bad_response', async ({ sim, call }) => {
    sim.setFaults({ malformed: true })
    return call(sample)
  })
  if (target.rejectedCall) {
    const rejected = target.rejectedCall
    kindCase('kind:rejected', 'a call the upstream refuses → `rejected`', 'rejected', ({ call }) => call(rejected))
  }
  kindCase('kind:timeout', 'a hanging upstream → `timeout`', 'timeout', async ({ sim, call }) => {
    sim.setFaults({ hang: true })
    return call(sample)
  }, { timeoutMs: 300 })

  check('circuit', 'threshold failures open the circuit (no upstream call), and after openMs a good probe closes it', async (t) => {
    const threshold = 3
    const { sim, registry, call } = await open(t, target, { failureThreshold: threshold })
    sim.setFaults({ status: 503 })
    const start = sim.stats().requests
    for (let i = 0; i < threshold; i++) t.equal(kindOf(await call(sample)), 'unavailable', `failure ${i + 1}`)
    t.equal(sim.stats().requests - start, threshold, 'one upstream request per failure')
    t.equal((await registry.circuitStates())[target.id], 'open', 'open after the threshold')
    const denied = await call(sample)
    t.equal(kindOf(denied), 'circuit_open')
    t.ok(denied.ms < 200, `refused at once (${Math.round(denied.ms)} ms)`)
    t.equal(sim.stats().requests - start, threshold, 'the refused call never reached the upstream')
    await delay(OPEN_MS + 150)
    t.equal((await registry.circuitStates())[target.id], 'half_open', 'half-open after openMs')
    sim.clearFaults()
    t.equal(kindOf(await call(sample)), 'ok', 'the probe succeeds')
    t.equal(sim.stats().requests - start, threshold + 1, 'the probe reached the upstream')
    t.equal((await registry.circuitStates())[target.id], 'closed', 'closed again after a good probe')
  })

  const circuitCase = (name: ConformanceCheck, title: string, faults: ConformanceFaults, kind: UpstreamErrorKind, timeoutMs?: number) =>
    check(name, title, async (t) => {
      const threshold = 3
      const { sim, registry, call } = await open(t, target, { failureThreshold: threshold, ...(timeoutMs !== undefined && { timeoutMs }) })
      sim.setFaults(faults)
      for (let i = 0; i < threshold; i++) t.equal(kindOf(await call(sample)), kind, `failure ${i + 1}`)
      const before = sim.stats().requests
      t.equal(kindOf(await call(sample)), 'circuit_open', 'the next call is refused by the circuit')
      t.equal(sim.stats().requests, before, 'without reaching the upstream')
      t.equal((await registry.circuitStates())[target.id], 'open')
    })
  circuitCase('circuit:unavailable', 'repeated `unavailable` (HTTP 500) opens the circuit', { status: 500 }, 'unavailable')
  circuitCase('circuit:bad_response', 'repeated `bad_response` (malformed replies) opens the circuit', { malformed: true }, 'bad_response')
  circuitCase('circuit:timeout', 'repeated `timeout` (hanging upstream) opens the circuit', { hang: true }, 'timeout', 300)

  check('no-personal-data', 'no personal ID from the input reaches the logs at trace level, on success or failure', async (t) => {
    const ids = new Set([...personalIds(sample.input), ...personalIds(target.rejectedCall?.input)])
    if (ids.size === 0) return void t.pass('the sample input carries no 12-digit personal ID')
    const { sim, logs, call } = await open(t, target, { timeoutMs: 300, failureThreshold: 3 })
    const outcomes: string[] = []
    outcomes.push(kindOf(await call(sample)))
    if (target.rejectedCall) outcomes.push(kindOf(await call(target.rejectedCall)))
    for (const faults of [{ malformed: true }, { hang: true }, { status: 503 }]) {
      sim.setFaults(faults)
      outcomes.push(kindOf(await call(sample)))
    }
    // Keep failing until the circuit refuses (bounded), so its path is logged too.
    for (let i = 0; i < 3 && outcomes.at(-1) !== 'circuit_open'; i++) outcomes.push(kindOf(await call(sample)))
    const kinds = [...new Set(outcomes)]
    t.strictSame(kinds, ['ok', ...(target.rejectedCall ? ['rejected'] : []), 'bad_response', 'timeout', 'unavailable', 'circuit_open'], 'every path ran')
    t.ok(logs.length > 0, `something was logged (${logs.length} lines)`)
    const text = logs.join('')
    for (const id of ids) t.notOk(text.includes(id), `personal ID ${id.slice(0, 3)}…${id.slice(-2)} is not in the logs`)
  })

  check('output-schema', 'a successful call returns output valid against the operation\'s output schema', async (t) => {
    const { sim, registry, call } = await open(t, target)
    const before = sim.stats().requests
    const o = await call(sample)
    if (!o.ok) return void t.fail(`the sample call failed: ${o.kind}`)
    t.ok(sim.stats().requests > before, 'the answer came from the upstream')
    const schema = registry.get(target.id).operations[sample.operation]!.output
    const errors = [...Value.Errors(schema, o.value)].slice(0, 5).map((e) => JSON.stringify(e))
    t.ok(Value.Check(schema, o.value), `valid output${errors.length ? `: ${errors.join('; ')}` : ''}`)
    t.strictSame(JSON.parse(JSON.stringify(o.value)), o.value, 'plain JSON data (survives serialisation unchanged)')
  })
}
