/**
 * The batch drain (src/sync/batch-worker.ts, batch-store.ts) against a real PostgreSQL ledger and a
 * scripted connector, so the races of batch delivery can be staged exactly: a record that fails
 * its whole call, a round longer than its lease, a holder whose lease lapsed, a claim window full
 * of dossiers that cannot be taken, a worker closing mid-round.
 */
import t from 'tap'
import { pino } from 'pino'
import { Registry } from 'prom-client'
import type { SyncTarget } from '../../schemas/config.js'
import type { ConnectorRegistry } from '../../src/upstream/registry.js'
import { UpstreamError } from '../../src/upstream/errors.js'
import { acceptSnapshots } from '../../src/sync/accept-batch.js'
import { acceptProgress } from '../../src/sync/ledger.js'
import { createBatchStore } from '../../src/sync/batch-store.js'
import { createBatchDrain } from '../../src/sync/batch-worker.js'
import type { OpenItem } from '../../src/sync/delivery-store.js'
import { createSyncMetrics } from '../../src/sync/metrics.js'
import { replaySince } from '../../src/sync/dead-letters.js'
import { snapshot } from '../helpers/dossier.js'
import { openTestDb } from '../helpers/db.js'

const TARGET = 'portal'
const base = { procedureCode: '1.000001', agencyCode: '000.00.00.H34' }
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const { db } = await openTestDb(t, 'postgres', 4)
const store = createBatchStore(db)
let seq = 0
const newCode = (kind: string) => `HS-${kind}-${++seq}`

const put = (code: string, version: number) =>
  acceptSnapshots(db, [{ code, client: 'one-stop', mayActFor: () => true, snapshot: snapshot(version, base) }], { targets: [TARGET] })
const step = (code: string, id: string) =>
  acceptProgress(db, code, { id, officer: 'Cán bộ', unit: 'Một cửa', at: '2026-11-21T09:00:00+07:00', content: id }, { client: 'one-stop', targets: [TARGET], mayActFor: () => true })
const rows = async (code: string) => (await db.query<{ kind: string; version: number | null; step_id: string | null; state: string; attempts: number; next_attempt_at: Date | null }>(
  'SELECT kind, version::int AS version, step_id, state, attempts, next_attempt_at FROM outbox WHERE dossier_code = $1 ORDER BY id', [code])).rows
const state = async (code: string) => (await db.query<{ state: string; delivered_version: number | null; lease_owner: string | null; next_attempt_at: Date | null }>(
  'SELECT state, delivered_version::int AS delivered_version, lease_owner, next_attempt_at FROM sync_state WHERE dossier_code = $1', [code])).rows[0]!

interface Harness {
  drain: (jobId: string) => Promise<string>
  /** Dossier codes of each syncDossiers call, and step ids sent, in order. */
  calls: string[][]
  steps: string[]
  /** Step ids of each updateProgressBatch call. */
  stepCalls: string[][]
  wakeNow: number
  metrics: ReturnType<typeof createSyncMetrics>
  stopping: boolean
}

/** A drain over `store` whose connector answers with `answer` (throw to fail the whole call) and sends steps with `sendStep`. */
function harness(options: {
  leaseMs?: number
  retry?: Partial<SyncTarget['retry']>
  batchSize?: number
  answer?: (codes: string[]) => void | Promise<void>
  sendStep?: (item: OpenItem) => Promise<void>
  /** The connector takes several steps per call: `stepsAnswer` gives each call's per-step failures (throw to fail the call). */
  progressBatch?: boolean
  stepsAnswer?: (ids: string[]) => Array<{ failure?: { kind: string; message: string } }> | undefined
}): Harness {
  const h: Harness = { drain: undefined as never, calls: [], steps: [], stepCalls: [], wakeNow: 0, metrics: createSyncMetrics(new Registry()), stopping: false }
  const registry: { invoke(target: string, operation: string, input: never): Promise<unknown>; call(contract: unknown, input: never, ctx: { connector: string; operation: string }): Promise<unknown> } = {
    async invoke(_target: string, operation: string, input: { dossiers: Array<{ dossier: { code: string } }>; steps: Array<{ id: string }> }) {
      if (operation === 'updateProgressBatch' && options.progressBatch) {
        const ids = input.steps.map((st) => st.id)
        h.stepCalls.push(ids)
        return { results: options.stepsAnswer?.(ids) ?? ids.map(() => ({})) }
      }
      if (operation !== 'syncDossiers') throw new Error(`unexpected ${operation}`)
      const codes = input.dossiers.map((d) => d.dossier.code)
      h.calls.push(codes)
      await options.answer?.(codes)
      return { results: codes.map((code) => ({ code, acceptedAt: new Date().toISOString() })) }
    },
    // The drain calls by contract with the configured operation (registry.call); answered as above.
    async call(_contract: unknown, input: never, ctx: { connector: string; operation: string }) {
      return registry.invoke(ctx.connector, ctx.operation, input)
    },
  }
  const config: SyncTarget = {
    snapshotOperation: 'syncDossier', progressOperation: 'updateProgress', progressBatchOperation: 'updateProgressBatch', progressBatchSize: 10, batchOperation: 'syncDossiers', concurrency: 1,
    batchSize: options.batchSize ?? 50, batchConcurrency: 1, retry: { maxAttempts: 20, baseDelayMs: 1, maxDelayMs: 4, ...options.retry },
  }
  // The worker shell a drain runs in (src/jobs/worker.ts), reduced to what the drain asks of it.
  const worker = { instance: 'test', signal: new AbortController().signal, stopping: () => h.stopping, close: async () => undefined }
  const drain = createBatchDrain({
    target: TARGET, config, store, registry: registry as unknown as ConnectorRegistry, metrics: h.metrics, log: pino({ level: 'silent' }), leaseMs: options.leaseMs ?? 60_000,
    ...(options.progressBatch && { progressBatch: true }),
    async sendItem(item) {
      await options.sendStep?.(item)
      h.steps.push(item.stepId!)
    },
    wakeAt: async () => undefined,
    wakeNow: async () => void h.wakeNow++,
  })
  h.drain = (jobId) => drain(jobId, worker)
  return h
}

/** Closes what earlier tests left open, so a drain sees only this test's dossiers. */
const clean = () => db.query(`UPDATE outbox SET state = 'superseded', next_attempt_at = NULL WHERE state IN ('pending', 'retrying')`)

const counter = async (h: Harness, outcome: string) =>
  (await h.metrics.deliveries.get()).values.filter((v) => v.labels.outcome === outcome).reduce((n, v) => n + v.value, 0)

t.test('a record that fails its whole call is soon sent alone: the others of its batch are delivered, only it is dead-lettered', async (t) => {
  await clean()
  const codes = [1, 2, 3, 4, 5, 6].map(() => newCode('poison'))
  const poison = codes[2]!
  for (const code of codes) await put(code, 1)
  // The portal answers HTTP 500 to any call that carries this record (it cannot digest it).
  const h = harness({ batchSize: 8, retry: { maxAttempts: 6 }, answer: (sent) => {
    if (sent.includes(poison)) throw new UpstreamError('unavailable', 'The portal answered HTTP 500.', { status: 500 })
  } })
  for (let n = 0; n < 30 && (await state(poison)).state !== 'dead'; n++) {
    await h.drain(`job-${n}`)
    await sleep(10)
  }
  t.strictSame(await Promise.all(codes.map(async (c) => (await state(c)).state)), codes.map((c) => (c === poison ? 'dead' : 'delivered')))
  t.match((await rows(poison))[0], { state: 'dead', attempts: 6 })
  t.strictSame(h.calls.at(-1), [poison], 'its last attempt was made alone')
  t.equal(await counter(h, 'delivered'), 5, 'metrics: five delivered')
  t.equal(await counter(h, 'dead'), 1, 'metrics: one dead')
})

t.test('progress steps of several dossiers go together (at most 10 a call), each dossier\'s in order; a refused step does not stop the others', async (t) => {
  await clean()
  const codes = Array.from({ length: 12 }, () => newCode('steps'))
  for (const code of codes) await put(code, 1)
  for (const [i, code] of codes.entries()) for (const id of ['a', 'b']) await step(code, `${id}${i}`)
  const h = harness({ progressBatch: true, stepsAnswer: (ids) => ids.map((id) => (id === 'a3' ? { failure: { kind: 'rejected', message: 'Hồ sơ không hợp lệ' } } : {})) })
  await h.drain('steps')
  const a = codes.map((_, i) => `a${i}`)
  const b = codes.map((_, i) => `b${i}`)
  t.strictSame(h.stepCalls, [a.slice(0, 10), a.slice(10), b.slice(0, 10), b.slice(10)], 'waves of each dossier\'s next step, in calls of 10')
  t.strictSame(h.steps, [], 'no step went one per call')
  t.strictSame((await rows(codes[3]!)).map((r) => [r.step_id, r.state]), [[null, 'delivered'], ['a3', 'dead'], ['b3', 'delivered']])
  t.strictSame(await Promise.all(codes.map(async (c) => (await state(c)).state)), codes.map((_, i) => (i === 3 ? 'dead' : 'delivered')))
})

t.test('a round longer than its lease renews it: no other drain takes the dossier and sends its steps again', async (t) => {
  await clean()
  const code = newCode('long')
  await put(code, 1)
  for (const id of ['s1', 's2', 's3', 's4', 's5']) await step(code, id)
  const slow = harness({ leaseMs: 1000, sendStep: async () => { await sleep(300) } })
  const other = harness({ leaseMs: 1000 })
  const first = slow.drain('slow')
  await sleep(1300) // past the first lease; the slow drain is on its fifth step
  t.equal(await other.drain('other'), 'idle', 'the dossier is still held')
  await first
  t.strictSame(slow.steps, ['s1', 's2', 's3', 's4', 's5'])
  t.strictSame(other.calls, [], 'nothing sent twice')
  t.strictSame(other.steps, [])
  t.match(await state(code), { state: 'delivered', delivered_version: 1, lease_owner: null })
})

t.test('a holder whose lease lapsed cannot reopen what its successor settled', async (t) => {
  const code = newCode('lapsed')
  await put(code, 1)
  await step(code, 'only')
  const stale = await store.claimBatch(TARGET, 'stale-holder', 1, 10) // a 1 ms lease: gone at once
  await sleep(20)
  const fresh = await store.claimBatch(TARGET, 'next-holder', 60_000, 10)
  t.strictSame(fresh.map((c) => c.code), [code])
  const [snap, progress] = fresh[0]!.items
  await store.settleBatch(TARGET, 'next-holder', [{ code, seenUpTo: progress!.id, delivered: [{ id: snap!.id, version: 1 }, { id: progress!.id, version: null }], superseded: [], dead: [] }])
  // The lapsed holder now reports its own (older) view: the step refused and the snapshot to retry.
  await store.settleBatch(TARGET, 'stale-holder', [{
    code, seenUpTo: stale[0]!.items.at(-1)!.id, delivered: [], superseded: [],
    dead: [{ id: progress!.id, attempts: 1, error: 'rejected — late' }],
    retry: { id: snap!.id, attempts: 1, error: 'timeout — late', nextAttemptAt: new Date(Date.now() + 60_000) },
  }])
  t.strictSame((await rows(code)).map((r) => r.state), ['delivered', 'delivered'], 'neither row reopened nor dead-lettered')
  t.match(await state(code), { state: 'delivered', delivered_version: 1, next_attempt_at: null })
})

t.test('a claim sees work behind dossiers it cannot take, however many rows they hold', async (t) => {
  await clean()
  const waiting = newCode('waiting')
  const held = newCode('held')
  await put(waiting, 1)
  await put(held, 1)
  for (let i = 0; i < 25; i++) {
    await step(waiting, `w${i}`)
    await step(held, `h${i}`)
  }
  // `waiting` waits for a retry its rows missed (an accept racing the settle that set it); another drain holds `held`.
  await db.query(`UPDATE sync_state SET state = 'retrying', next_attempt_at = now() + interval '1 hour' WHERE dossier_code = $1`, [waiting])
  await db.query(`UPDATE sync_state SET lease_owner = 'other-drain', lease_until = now() + interval '1 hour' WHERE dossier_code = $1`, [held])
  const ready = newCode('ready')
  await put(ready, 1)
  // With one dossier per batch the window is 20 rows: 52 rows of dossiers that cannot be taken come first.
  t.strictSame((await store.claimBatch(TARGET, 'drain', 60_000, 1)).map((c) => c.code), [ready])
})

t.test('a dossier put back to wait gives its retry time to every open row, older retrying ones included', async (t) => {
  await clean()
  const code = newCode('wait')
  await put(code, 1)
  await step(code, 'p1')
  const first = harness({ sendStep: async () => { throw new UpstreamError('unavailable', 'busy') } })
  await first.drain('one') // v1 delivered, p1 waits for a (short) retry
  t.match(await rows(code), [{ state: 'delivered' }, { step_id: 'p1', state: 'retrying', attempts: 1 }])
  await put(code, 2)
  await sleep(20)
  const second = harness({ retry: { baseDelayMs: 60_000, maxDelayMs: 60_000 }, answer: () => { throw new UpstreamError('timeout', 'no answer') } })
  await second.drain('two') // v2's call fails: the dossier waits a minute, p1 with it
  const open = (await rows(code)).filter((r) => r.state === 'pending' || r.state === 'retrying')
  const waitsUntil = (await state(code)).next_attempt_at!.getTime()
  t.ok(waitsUntil > Date.now(), 'the dossier waits')
  t.strictSame(open.map((r) => [r.step_id ?? `v${r.version}`, r.next_attempt_at?.getTime()]), [['p1', waitsUntil], ['v2', waitsUntil]])
})

t.test('a closing worker makes no further call: what it did not send stays open, untouched, and is handed over', async (t) => {
  await clean()
  const code = newCode('closing')
  await put(code, 1)
  for (const id of ['c1', 'c2', 'c3']) await step(code, id)
  const h = harness({ sendStep: async (item) => { if (item.stepId === 'c1') h.stopping = true } })
  t.equal(await h.drain('closing'), 'stopping')
  t.strictSame(h.steps, ['c1'], 'the step in flight finished; no other was started')
  t.match(await rows(code), [{ state: 'delivered' }, { state: 'delivered' }, { state: 'pending', attempts: 0 }, { state: 'pending', attempts: 0 }])
  t.match(await state(code), { state: 'pending', delivered_version: 1, lease_owner: null })
  t.equal(h.wakeNow, 1, 'another replica (or the next start) is woken for the rest')
})

t.test('a dead letter replayed for a dossier waiting for a retry waits with it', async (t) => {
  await clean()
  const code = newCode('replay')
  await put(code, 1)
  await step(code, 'refused-once')
  await db.query(`UPDATE outbox SET state = 'dead', done_at = now(), attempts = 1 WHERE dossier_code = $1 AND kind = 'progress'`, [code])
  await db.query(`UPDATE sync_state SET state = 'retrying', next_attempt_at = now() + interval '1 hour' WHERE dossier_code = $1`, [code])
  const since = new Date(Date.now() - 60_000)
  t.equal((await replaySince(db, TARGET, since)).filter((r) => r.dossierCode === code).length, 1)
  const waitsUntil = (await state(code)).next_attempt_at!.getTime()
  t.match((await rows(code))[1], { step_id: 'refused-once', state: 'pending', attempts: 0, next_attempt_at: new Date(waitsUntil) })
})

t.test('after a round, a change accepted for one of its dossiers meanwhile is delivered by the same drain; other dossiers\' work is left to their own wake-ups', async (t) => {
  await clean()
  const held = newCode('held')
  const other = newCode('other')
  await put(held, 1)
  let once = false
  // The harness's wake-ups do nothing: only the drain itself can deliver v2 of the held dossier.
  const h = harness({ answer: async (codes) => {
    if (once || !codes.includes(held)) return
    once = true
    await put(held, 2)
    await put(other, 1)
  } })
  t.equal(await h.drain('job-1'), 'drained')
  t.strictSame(h.calls, [[held], [held, other]], 'v1; then the check after the settle found v2 open, and the next claim took what was open')
  t.strictSame((await rows(held)).map((r) => `v${r.version} ${r.state}`), ['v1 delivered', 'v2 delivered'])

  const lone = newCode('lone')
  await put(lone, 1)
  let late = false
  const h2 = harness({ answer: async (codes) => {
    if (late || !codes.includes(lone)) return
    late = true
    await put(newCode('elsewhere'), 1)
  } })
  t.equal(await h2.drain('job-2'), 'drained')
  t.strictSame(h2.calls, [[lone]], 'no claim after the round: the other dossier\'s accept enqueued its own wake-up')
})

t.test('a backlog larger than a batch is drained by one job: after a full round the drain claims again', async (t) => {
  await clean()
  const codes = Array.from({ length: 7 }, () => newCode('backlog'))
  for (const code of codes) await put(code, 1)
  const h = harness({ batchSize: 3 })
  t.equal(await h.drain('job-backlog'), 'drained')
  t.strictSame(h.calls.map((c) => c.length), [3, 3, 1], 'two full rounds, then the rest; no wake-up needed')
  t.strictSame(h.calls.flat().sort(), [...codes].sort())
})
