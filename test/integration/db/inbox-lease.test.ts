/**
 * The inbox deliverer's lease (src/jobs/lease.ts through src/inbox/deliverer.ts), with real
 * PostgreSQL and Redis and a subscriber that answers slowly.
 *
 * Finding 9: the deliverer never renewed its lease, so a slow subscriber made a round outlast it
 * and a second replica sent the same events again. Two inbox services (two replicas) share one
 * ledger and one queue; the subscriber takes 400 ms per delivery, the lease is 1 s, one dossier
 * has 6 events (a 2.4 s round). Each event must be sent exactly once, in order.
 *
 * Shutdown: a round stops between events, not after up to 1,000 of them. 30 events at 300 ms (a
 * 9 s round); closing the service mid-round returns within a couple of events, what was not sent
 * stays open in the ledger, and a new replica sends it, each event once and in order.
 */
import t from 'tap'
import { createServer } from 'node:http'
import { randomBytes } from 'node:crypto'
import { Registry } from 'prom-client'
import { pino } from 'pino'
import { createInboxService, type InboxConfig } from '../../../src/inbox/index.js'
import { openTestDb } from '../../helpers/db.js'
import { TEST_REDIS_URL, deleteRedisPrefix } from '../../helpers/hub.js'
import { createRedisConnector } from '../../../src/redis.js'
import { waitFor } from '../../helpers/dossier.js'

/** A ledger, a subscriber that takes `delayMs` per event (webhook-ids in `sent`), and inbox replicas to start. */
async function setup(t: { teardown(fn: () => unknown): void }, delayMs: number, leaseMs: number) {
  const { db } = await openTestDb(t, 'postgres', 6)
  const sent: string[] = []
  const receiver = createServer((req, res) => {
    sent.push(String(req.headers['webhook-id']))
    req.resume()
    setTimeout(() => res.writeHead(204).end(), delayMs)
  })
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r))
  t.teardown(() => new Promise((r) => receiver.close(r)))
  const url = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/`
  const keyPrefix = `test:${randomBytes(4).toString('hex')}:`
  t.teardown(() => deleteRedisPrefix(keyPrefix))
  const config: InboxConfig = {
    subscribers: [{ name: 'slow', url, secrets: ['whsec_' + Buffer.from('lease-test-secret-not-real').toString('base64')] }],
    scheduleMs: [0, 200, 200], timeoutMs: 5000, leaseMs, concurrency: 4, reconcileEveryMs: 200, staleAfterMs: 300, keepDeliveredMs: 0,
  }
  const start = (runWorkers = true) => createInboxService({ db, redis: createRedisConnector({ url: TEST_REDIS_URL }), keyPrefix, config, registry: new Registry(), log: pino({ level: 'silent' }), runWorkers })
  const ingest = (service: ReturnType<typeof start>, id: string, step: number, dossierCode: string) =>
    service.ingest({ eventId: id, source: 'test', type: 'dossier.status_changed', agencyCode: '000.01.20.H34', dossierCode, body: { type: 'dossier.status_changed', data: { step } } })
  return { db, sent, start, ingest }
}

t.test('a slow subscriber: each event sent once and in order by two replicas', async (t) => {
  const { sent, start, ingest } = await setup(t, 400, 1000)
  const replicas = [0, 1].map(() => start())
  t.teardown(() => Promise.all(replicas.map((r) => r.close())))
  const ids = Array.from({ length: 6 }, (_, i) => `msg_lease_${i}`)
  for (const [i, id] of ids.entries()) await ingest(replicas[i % 2]!, id, i, 'HS-LEASE-1')
  await waitFor('every event sent', async () => ids.every((id) => sent.includes(id)), 20_000, 100)
  await new Promise((r) => setTimeout(r, 1500))
  t.strictSame(sent, ids, 'each once, in order')
})

t.test('closing mid-round stops between events; the rest is delivered by the next replica', async (t) => {
  const { db, sent, start, ingest } = await setup(t, 300, 5000)
  // Ingested by a service without workers, so the whole backlog is open before a round starts.
  const intake = start(false)
  t.teardown(() => intake.close())
  const ids = Array.from({ length: 30 }, (_, i) => `msg_shutdown_${i}`)
  for (const [i, id] of ids.entries()) await ingest(intake, id, i, 'HS-SHUTDOWN-1')

  const first = start()
  await waitFor('the round under way', async () => sent.length >= 2, 15_000, 20)
  const closing = Date.now()
  await first.close()
  const closeMs = Date.now() - closing
  const sentByFirst = sent.length
  t.ok(closeMs < 2000, `close returned after ${closeMs} ms, between events (the backlog takes ${30 * 300} ms)`)
  t.ok(sentByFirst < 10, `the first replica stopped after ${sentByFirst} of 30 events`)
  const open = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM deliveries WHERE subscriber = 'slow' AND state IN ('pending', 'retrying')`)
  t.equal(open.rows[0]!.n, 30 - sentByFirst, 'what was not sent is still open in the ledger')

  const second = start()
  t.teardown(() => second.close())
  await waitFor('every event sent', async () => ids.every((id) => sent.includes(id)), 30_000, 100)
  await new Promise((r) => setTimeout(r, 500))
  t.strictSame(sent, ids, 'each once, in order, across the two replicas')
})
