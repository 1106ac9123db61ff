/**
 * Redis killed (SIGKILL, no persistence: it comes back empty) in the middle of a burst of dossier
 * PUTs and signed webhooks, down for a second and a half, then flushed once more after it is
 * back. Queues, delayed retries and the reconcilers' schedules vanish; the ledger keeps the work.
 * No crash, nothing answered 500, and everything answered 202 is delivered.
 */
import t from 'tap'
import { Redis } from 'ioredis'
import { startFaultHub, sleep } from '../helpers/fault-hub.js'
import { startRedisProcess } from '../helpers/redis-process.js'
import { startLoad, portalVersions } from '../helpers/load.js'
import { waitFor } from '../helpers/dossier.js'

const ONE_STOP = `whsec_${Buffer.from('fault-redis-one-stop-not-real').toString('base64')}`

t.test('Redis killed and flushed under load', async (t) => {
  const redis = await startRedisProcess()
  t.teardown(() => redis.stop())
  const { hub, receiver, crashes } = await startFaultHub(t, { secret: ONE_STOP, overrides: { redis: { url: redis.url } } })

  const load = startLoad(hub, { dossiers: 30, tag: 'redis' })
  await load.more(202, 40) // mid-burst: work accepted and in flight
  await redis.kill()
  await sleep(1500) // the outage
  await redis.start()
  await load.more(202, 40) // accepting again on the empty Redis
  const admin = new Redis(redis.url)
  await admin.flushall()
  admin.disconnect()
  await load.more(202, 40)
  const result = await load.stop()
  t.strictSame(result.failures, [], 'no 5xx other than 503')
  t.strictSame(crashes, [], 'the process never crashed')
  t.ok(result.accepted.size > 0 && result.events.length > 0, `work was accepted (${JSON.stringify([...result.statuses])})`)
  await waitFor('every accepted version delivered', async () => {
    for (const [code, version] of result.accepted) if ((await portalVersions(hub, code)).at(-1) !== version) return false
    return true
  }, 60_000, 300)
  const got = new Set((await receiver.waitForIds(result.events, 60_000)).map((d) => d.id))
  t.strictSame(result.events.filter((id) => !got.has(id)), [], 'every webhook answered 202 reached the subscriber')
})
