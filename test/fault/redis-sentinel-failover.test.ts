/**
 * Redis high availability: the hub reaches Redis through three Sentinels; the Redis primary is
 * killed (SIGKILL) during a burst of dossier PUTs and signed webhooks, and the Sentinels promote
 * the replica. Replication is asynchronous, so jobs written just before the kill may be lost with
 * the primary: the ledger's reconciler re-enqueues them. Afterwards every dossier's latest
 * version answered 202 is delivered to the portal simulator, no version is delivered twice or
 * after a newer one, every webhook answered 202 reaches the subscriber, and nothing was answered
 * 500. The time from the kill to the hub being ready again is printed (docs/high-availability.md).
 */
import t from 'tap'
import { startFaultHub, sleep } from '../helpers/fault-hub.js'
import { startLoad, portalVersions } from '../helpers/load.js'
import { waitFor } from '../helpers/dossier.js'
import { MASTER_NAME, startSentinelSet } from '../helpers/redis-sentinel.js'

const ONE_STOP = `whsec_${Buffer.from('fault-sentinel-one-stop-not-real').toString('base64')}`

t.test('Redis primary killed under load: Sentinel promotes the replica, the hub follows, nothing lost or repeated', async (t) => {
  const set = await startSentinelSet()
  t.teardown(() => set.stop())
  const { hub, receiver, crashes } = await startFaultHub(t, {
    secret: ONE_STOP,
    overrides: { redis: { url: undefined, sentinel: { name: MASTER_NAME, sentinels: set.sentinels } } },
  })
  // Readiness has a 1 s budget per check: on a loaded machine the first may miss it.
  await waitFor('ready through the Sentinels', async () => (await hub.call('/readyz')).status === 200, 15_000, 200)

  const load = startLoad(hub, { dossiers: 30, tag: 'sentinel' })
  await sleep(1000)
  const killedAt = Date.now()
  await set.killPrimary()

  // Bounded: the Sentinels need down-after (1 s) plus an election; 30 s is far beyond that.
  let promotedMs = -1
  let readyMs = -1
  for (const deadline = Date.now() + 30_000; Date.now() < deadline && readyMs < 0;) {
    if (promotedMs < 0 && (await set.masterPort()) === set.replicaPort) promotedMs = Date.now() - killedAt
    if (promotedMs >= 0 && (await hub.call('/readyz')).status === 200) readyMs = Date.now() - killedAt
    else await sleep(100)
  }
  t.ok(promotedMs >= 0, `the Sentinels promoted the replica ${promotedMs} ms after the kill`)
  t.ok(readyMs >= 0, `the hub was ready again ${readyMs} ms after the kill`)
  await sleep(1500)
  const result = await load.stop()

  const afterKill = result.timeline.filter((e) => e.sent >= killedAt)
  const firstAccepted = afterKill.filter((e) => e.kind === 'put' && e.status === 202).sort((a, b) => a.at - b.at)[0]
  t.comment(`redis failover: promoted after ${promotedMs} ms, /readyz 200 after ${readyMs} ms, first PUT sent after the kill answered 202 at +${firstAccepted ? firstAccepted.at - killedAt : -1} ms; ` +
    `statuses ${JSON.stringify([...result.statuses])}; 503s ${result.statuses.get(503) ?? 0} of ${result.timeline.length}`)
  t.strictSame(result.failures, [], 'no 5xx other than 503, every 503 with Retry-After')
  t.strictSame(crashes, [], 'the process never crashed')
  t.ok(result.accepted.size > 0 && result.events.length > 0, 'work was accepted')
  t.ok(firstAccepted !== undefined, 'PUTs are accepted after the failover')

  await waitFor('every dossier\'s latest accepted version delivered', async () => {
    for (const [code, version] of result.accepted) if ((await portalVersions(hub, code)).at(-1) !== version) return false
    return true
  }, 60_000, 300)
  const repeated: Record<string, number[]> = {}
  for (const code of result.accepted.keys()) {
    const versions = await portalVersions(hub, code)
    if (versions.some((v, i) => i > 0 && v <= versions[i - 1]!)) repeated[code] = versions
  }
  t.strictSame(repeated, {}, 'no version delivered twice, none after a newer one (latest wins)')
  const deliveries = await receiver.waitForIds(result.events, 60_000)
  const got = new Set(deliveries.map((d) => d.id))
  t.strictSame(result.events.filter((id) => !got.has(id)), [], 'every webhook answered 202 reached the subscriber')
  // The deliveries' leases and outcomes live in the ledger, which a Redis failover does not touch:
  // a wake-up job lost or run again finds the delivery done and sends nothing.
  await sleep(1000)
  const twice = [...new Set(receiver.received.map((d) => d.id).filter((id, i, all) => all.indexOf(id) !== i))]
  t.strictSame(twice, [], 'no webhook delivered twice')
})
