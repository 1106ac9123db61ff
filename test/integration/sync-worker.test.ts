/**
 * The per-dossier worker (src/sync/worker.ts) on real BullMQ and PostgreSQL with a scripted
 * connector: what a round that ends in a retry records, and a worker closing mid-round.
 */
import { randomBytes } from 'node:crypto'
import t from 'tap'
import { pino } from 'pino'
import { Registry } from 'prom-client'
import { createDb } from '../../src/db/create-db.js'
import { migrate } from '../../src/db/migrate.js'
import type { Db } from '../../src/db/types.js'
import type { SyncTarget } from '../../schemas/config.js'
import type { ConnectorRegistry } from '../../src/upstream/registry.js'
import { UpstreamError } from '../../src/upstream/errors.js'
import { acceptSnapshots } from '../../src/sync/accept-batch.js'
import { acceptProgress } from '../../src/sync/ledger.js'
import { createDeliveryStore } from '../../src/sync/delivery-store.js'
import { createSyncQueues, jobIdFor } from '../../src/sync/queues.js'
import { startSyncWorker, type SyncWorker } from '../../src/sync/worker.js'
import { createSyncMetrics } from '../../src/sync/metrics.js'
import { snapshot, waitFor } from '../helpers/dossier.js'
import { deleteRedisPrefix, TEST_DATABASE_URL, TEST_REDIS_URL } from '../helpers/hub.js'
import { createRedisConnector } from '../../src/redis.js'

const TARGET = 'portal'
const base = { procedureCode: '1.000001', agencyCode: '000.00.00.H34' }
const log = pino({ level: 'silent' })
const suffix = randomBytes(4).toString('hex')
const prefix = `test:${suffix}:bull`
const schema = `t_${suffix}`
const db: Db = await createDb({ url: TEST_DATABASE_URL, schema, poolSize: 4 })
await migrate(db)
const queues = createSyncQueues({ redis: createRedisConnector({ url: TEST_REDIS_URL }), prefix, targets: [TARGET], enqueueTimeoutMs: 2000, log })
t.teardown(async () => {
  await queues.close()
  await deleteRedisPrefix(`test:${suffix}:`)
  await db.query(`DROP SCHEMA ${schema} CASCADE`)
  await db.close()
})

const config: SyncTarget = {
  snapshotOperation: 'syncDossier', progressOperation: 'updateProgress', progressBatchOperation: 'updateProgressBatch', progressBatchSize: 10, batchOperation: 'syncDossiers', concurrency: 1,
  batchSize: 1, batchConcurrency: 1, retry: { maxAttempts: 5, baseDelayMs: 50, maxDelayMs: 100 },
}
const calls: string[] = []
let answer: (operation: string, input: any) => Promise<void> = async () => undefined
const registry = {
  async invoke(_target: string, operation: string, input: any) {
    calls.push(operation === 'syncDossier' ? `v${input.dossier.version}` : input.id)
    await answer(operation, input)
    return { acceptedAt: new Date().toISOString() }
  },
} as unknown as ConnectorRegistry
const start = (): SyncWorker => startSyncWorker({
  target: TARGET, config, redis: createRedisConnector({ url: TEST_REDIS_URL }), prefix, leaseMs: 60_000, store: createDeliveryStore(db), registry, metrics: createSyncMetrics(new Registry()), log,
})
const step = (code: string, id: string) =>
  acceptProgress(db, code, { id, officer: 'Cán bộ', unit: 'Một cửa', at: '2026-11-21T09:00:00+07:00', content: id }, { client: 'one-stop', targets: [TARGET], mayActFor: () => true })
const rows = async (code: string) => (await db.query<{ label: string; state: string }>(
  `SELECT coalesce(step_id, 'v' || version) AS label, state FROM outbox WHERE dossier_code = $1 ORDER BY id`, [code])).rows.map((r) => `${r.label} ${r.state}`)
const kick = (code: string) => queues.kick(TARGET, code, jobIdFor('o', code, Date.now()))

t.test('a refusal earlier in a round that ends in a retry is recorded with it: the refused change is not sent again', async (t) => {
  const code = `HS-W-${suffix}-1`
  await acceptSnapshots(db, [{ code, client: 'one-stop', mayActFor: () => true, snapshot: snapshot(1, base) }], { targets: [TARGET] })
  await step(code, 'p1')
  let busy = 1
  answer = async (operation) => {
    if (operation === 'syncDossier') throw new UpstreamError('rejected', 'refused', { upstreamCode: '2' })
    if (busy-- > 0) throw new UpstreamError('unavailable', 'busy')
  }
  calls.length = 0
  const worker = start()
  t.teardown(() => worker.close())
  await kick(code)
  await waitFor('the step delivered', async () => (await rows(code)).includes('p1 delivered'))
  t.strictSame(calls, ['v1', 'p1', 'p1'], 'the refused snapshot was sent once')
  t.strictSame(await rows(code), ['v1 dead', 'p1 delivered'])
})

t.test('a worker closing mid-round sends nothing more, keeps the rest open and puts its job back for the next worker', async (t) => {
  const code = `HS-W-${suffix}-2`
  await acceptSnapshots(db, [{ code, client: 'one-stop', mayActFor: () => true, snapshot: snapshot(1, base) }], { targets: [TARGET] })
  for (const id of ['c1', 'c2', 'c3']) await step(code, id)
  let closing: Promise<void> | undefined
  const first = start()
  answer = async (_operation, input) => {
    if (input.id === 'c1') closing = first.close() // shutdown begins while c1 is in flight
  }
  calls.length = 0
  await kick(code)
  await waitFor('the first worker closed', async () => closing !== undefined && (await closing.then(() => true)))
  t.strictSame(calls, ['v1', 'c1'], 'nothing started after the shutdown began')
  t.strictSame(await rows(code), ['v1 delivered', 'c1 delivered', 'c2 pending', 'c3 pending'])
  const next = start()
  t.teardown(() => next.close())
  await waitFor('the rest delivered by the next worker', async () => (await rows(code)).every((r) => r.endsWith('delivered')))
  t.strictSame(calls, ['v1', 'c1', 'c2', 'c3'], 'each once, in order')
})
