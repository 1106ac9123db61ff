/**
 * The inbox deliverer stops on shutdown between events, not after up to 1,000 of them: a subscriber
 * that takes 300 ms per event, 30 events of one dossier (a 9 s round). Closing the service while the
 * round runs returns within a couple of events; what was not sent stays open in the ledger and a
 * new replica sends it, each event once and in order. Before the worker layer (src/jobs), a round
 * ignored `close()` until its loop ran out, so close took the whole backlog's time.
 */
import t from 'tap'
import { createServer } from 'node:http'
import { randomBytes } from 'node:crypto'
import { Registry } from 'prom-client'
import { pino } from 'pino'
import { createInboxService } from '../../../src/inbox/index.js'
import { openTestDb } from '../../helpers/db.js'
import { TEST_REDIS_URL, deleteRedisPrefix } from '../../helpers/hub.js'
import { waitFor } from '../../helpers/dossier.js'

t.test('closing mid-round stops between events; the rest is delivered by the next replica', async (t) => {
  const { db } = await openTestDb(t, 'postgres', 6)
  const sent: string[] = []
  const receiver = createServer((req, res) => {
    sent.push(String(req.headers['webhook-id']))
    req.resume()
    setTimeout(() => res.writeHead(204).end(), 300)
  })
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r))
  t.teardown(() => new Promise((r) => receiver.close(r)))
  const url = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/`
  const keyPrefix = `test:${randomBytes(4).toString('hex')}:`
  t.teardown(() => deleteRedisPrefix(keyPrefix))
  const config = {
    subscribers: [{ name: 'slow', url, secrets: ['whsec_' + Buffer.from('shutdown-test-secret-not-real').toString('base64')] }],
    scheduleMs: [0, 200, 200], timeoutMs: 5000, leaseMs: 5000, concurrency: 2, reconcileEveryMs: 200, staleAfterMs: 300, keepDeliveredMs: 0,
  }
  const start = () => createInboxService({ db, redisUrl: TEST_REDIS_URL, keyPrefix, config, registry: new Registry(), log: pino({ level: 'silent' }), runWorkers: true })
  // Events are ingested by a service without workers, so the whole backlog is open before a round starts.
  const intake = createInboxService({ db, redisUrl: TEST_REDIS_URL, keyPrefix, config, registry: new Registry(), log: pino({ level: 'silent' }), runWorkers: false })
  t.teardown(() => intake.close())
  const ids = Array.from({ length: 30 }, (_, i) => `msg_shutdown_${i}`)
  for (const [i, id] of ids.entries()) {
    await intake.ingest({ eventId: id, source: 'test', type: 'dossier.status_changed', agencyCode: '000.01.20.H34', dossierCode: 'HS-SHUTDOWN-1', body: { type: 'dossier.status_changed', data: { step: i } } })
  }

  const first = start()
  await waitFor('the round under way', async () => sent.length >= 2, 15_000, 20)
  const closing = Date.now()
  await first.close()
  const closeMs = Date.now() - closing
  const sentByFirst = sent.length
  t.ok(closeMs < 2000, `close returned after ${closeMs} ms, between events (the backlog would take ${30 * 300} ms)`)
  t.ok(sentByFirst < 10, `the first replica stopped after ${sentByFirst} of 30 events`)
  const open = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM deliveries WHERE subscriber = 'slow' AND state IN ('pending', 'retrying')`)
  t.equal(open.rows[0]!.n, 30 - sentByFirst, 'what was not sent is still open in the ledger')

  const second = start()
  t.teardown(() => second.close())
  await waitFor('every event sent', async () => ids.every((id) => sent.includes(id)), 30_000, 100)
  await new Promise((r) => setTimeout(r, 500))
  t.strictSame(sent, ids, 'each once, in order, across the two replicas')
})
