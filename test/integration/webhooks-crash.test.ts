/**
 * SIGKILL of the hub between inbox commit and delivery (DESIGN §4): events are accepted (202 =
 * committed) while the one-stop receiver fails, the hub process is killed, the receiver recovers,
 * the hub restarts — and every event is delivered, once, in order per dossier.
 */
import t from 'tap'
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { TEST_DATABASE_URL } from '../helpers/hub.js'
import { startChildHub } from '../helpers/processes.js'
import { startReceiver } from '../helpers/receiver.js'
import { pushEvents, sampleEvent } from '../../connectors/national-portal/simulator-push.js'

const PORTAL = `whsec_${Buffer.from('crash-portal-secret-not-real').toString('base64')}`
const ONE_STOP = `whsec_${Buffer.from('crash-one-stop-secret-not-real').toString('base64')}`
const DOSSIERS = 20
const STEPS = ['registered', 'received', 'processing', 'processed', 'returned'] as const

t.test('SIGKILL between inbox commit and delivery: delivered after restart, once, in order', async (t) => {
  const suffix = randomBytes(4).toString('hex')
  const receiver = await startReceiver({ secret: ONE_STOP })
  t.teardown(() => receiver.close())
  receiver.mode({ fail: 503 })
  const child = await startChildHub(t, () => ({
    sandbox: { enabled: 'auto' },
    webhooks: { nationalPortal: { secrets: [PORTAL] }, scheduleMs: [0, ...Array(40).fill(500)], leaseMs: 2000 },
    subscribers: [{ name: 'one-stop', url: receiver.url, secrets: [ONE_STOP], agencies: ['*.H34'] }],
    sync: { reconcileEveryMs: 300, staleAfterMs: 1000 },
  }))
  const events = STEPS.flatMap((status, step) => Array.from({ length: DOSSIERS }, (_, d) => ({
    id: `msg_${suffix}_${d}_${step}`, ...sampleEvent('dossier.status_changed', { dossierCode: `H34-CRASH-${d}`, status }),
  })))
  const results = await pushEvents({ url: `${child.url}/v1/webhooks/national-portal`, secret: PORTAL, events })
  t.ok(results.every((r) => r.status === 202), 'every event committed (202)')
  // Deliveries are failing and retrying now (the schedule allows ~20 s of failures before a dead letter).
  await new Promise((r) => setTimeout(r, 300))
  await child.hub.kill('SIGKILL')
  receiver.mode('ok')
  await child.restart()
  await receiver.waitFor(events.length, 60_000).catch(async (err) => {
    const tally: Record<string, number> = {}
    for (const a of receiver.attempts) tally[String(a.outcome) + (a.refused ?? '')] = (tally[String(a.outcome) + (a.refused ?? '')] ?? 0) + 1
    t.comment(JSON.stringify(tally))
    for (const line of child.hub.output().split('\n').filter((l) => /"level":(40|50)/.test(l) && !l.includes('re-enqueued')).slice(-15)) t.comment(line.slice(0, 500))
    const c = new pg.Client({ connectionString: TEST_DATABASE_URL })
    await c.connect()
    t.comment(JSON.stringify((await c.query(`SELECT subscriber, seq, ordering_key, state, attempts, next_attempt_at, last_error FROM ${child.schema}.deliveries WHERE state <> 'delivered' ORDER BY seq`)).rows))
    t.comment(JSON.stringify((await c.query(`SELECT * FROM ${child.schema}.delivery_leases WHERE lease_owner IS NOT NULL`)).rows))
    await c.end()
    throw err
  })
  await new Promise((r) => setTimeout(r, 500))
  t.equal(receiver.received.length, events.length, 'each event delivered exactly once')
  for (let d = 0; d < DOSSIERS; d++) {
    const order = receiver.received.filter((x) => (x.body as any).data.dossierCode === `H34-CRASH-${d}`).map((x) => (x.body as any).data.status)
    if (JSON.stringify(order) !== JSON.stringify(STEPS)) t.fail(`dossier ${d} out of order: ${order.join(',')}`)
  }
  t.pass('every dossier in order')
})
