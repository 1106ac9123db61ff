/**
 * Finding 9: the inbox deliverer never renewed its lease, so a slow subscriber made a round
 * outlast it and a second replica sent the same events again. Two inbox services (two replicas)
 * share one ledger and one queue; the subscriber takes 400 ms per delivery, the lease is 1 s,
 * one dossier has 6 events (a 2.4 s round). Each event must be sent exactly once, in order.
 */
import t from 'tap'
import { createServer } from 'node:http'
import { randomBytes } from 'node:crypto'
import { Registry } from 'prom-client'
import { pino } from 'pino'
import { createInboxService } from '../../../src/inbox/index.js'
import { openTestDb } from '../../helpers/db.js'
import { TEST_REDIS_URL, deleteRedisPrefix } from '../../helpers/hub.js'
import { createRedisConnector } from '../../../src/redis.js'
import { waitFor } from '../../helpers/dossier.js'

t.test('a slow subscriber: each event sent once and in order by two replicas', async (t) => {
  const { db } = await openTestDb(t, 'postgres', 6)
  const sent: string[] = []
  const receiver = createServer((req, res) => {
    sent.push(String(req.headers['webhook-id']))
    req.resume()
    setTimeout(() => res.writeHead(204).end(), 400)
  })
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r))
  t.teardown(() => new Promise((r) => receiver.close(r)))
  const url = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/`
  const keyPrefix = `test:${randomBytes(4).toString('hex')}:`
  t.teardown(() => deleteRedisPrefix(keyPrefix))
  const config = {
    subscribers: [{ name: 'slow', url, secrets: ['whsec_' + Buffer.from('lease-test-secret-not-real').toString('base64')] }],
    scheduleMs: [0, 200, 200], timeoutMs: 5000, leaseMs: 1000, concurrency: 4, reconcileEveryMs: 200, staleAfterMs: 300, keepDeliveredMs: 0,
  }
  const replicas = [0, 1].map(() => createInboxService({ db, redis: createRedisConnector({ url: TEST_REDIS_URL }), keyPrefix, config, registry: new Registry(), log: pino({ level: 'silent' }), runWorkers: true }))
  t.teardown(() => Promise.all(replicas.map((r) => r.close())))
  const ids = Array.from({ length: 6 }, (_, i) => `msg_lease_${i}`)
  for (const [i, id] of ids.entries()) {
    await replicas[i % 2]!.ingest({ eventId: id, source: 'test', type: 'dossier.status_changed', agencyCode: '000.01.20.H34', dossierCode: 'HS-LEASE-1', body: { type: 'dossier.status_changed', data: { step: i } } })
  }
  await waitFor('every event sent', async () => ids.every((id) => sent.includes(id)), 20_000, 100)
  await new Promise((r) => setTimeout(r, 1500))
  t.strictSame(sent, ids, 'each once, in order')
})
