/**
 * The hub on Redis Cluster (three masters): BullMQ's scripts touch several keys of a queue at
 * once, which a cluster refuses (CROSSSLOT) unless they share a slot; the hub's BullMQ prefix is
 * then a hash tag. Dossier PUTs (rate limiter, queues, workers, reconciler) and an enterprise
 * lookup (circuit breaker, cache) run through the cluster, and every change is delivered.
 */
import t from 'tap'
import { startTestHub } from '../helpers/hub.js'
import { startRedisCluster } from '../helpers/redis-cluster.js'
import { newCode, putDossier, receivedVersions, snapshot, waitFor } from '../helpers/dossier.js'
import { SANDBOX_PROCEDURES, SANDBOX_PROVINCE_CODE } from '../../connectors/national-portal/simulator.js'
import { Cluster } from 'ioredis'

t.test('queues, limiter, breaker and cache on a three-master Redis Cluster', async (t) => {
  const cluster = await startRedisCluster()
  t.teardown(() => cluster.stop())
  const hub = await startTestHub('postgres', { redis: { url: undefined, cluster: { nodes: cluster.nodes } }, log: { level: 'warn' } })
  t.teardown(() => hub.close())
  // Readiness has a 1 s budget per check: on a loaded machine the first may miss it.
  await waitFor('ready on the cluster', async () => (await hub.call('/readyz')).status === 200, 15_000, 200)

  const base = { procedureCode: SANDBOX_PROCEDURES.birthRegistration, agencyCode: SANDBOX_PROVINCE_CODE }
  const codes = Array.from({ length: 5 }, () => newCode('cluster'))
  for (const code of codes) for (const v of [1, 2]) t.equal((await putDossier(hub, code, snapshot(v, base))).status, 202)
  await waitFor('every dossier delivered at version 2', async () => {
    for (const code of codes) if ((await receivedVersions(hub, code)).at(-1) !== 2) return false
    return true
  }, 30_000, 200)
  t.equal((await hub.call('/v1/enterprises/0312345673')).status, 200, 'an enterprise lookup through the breaker and the cache')
  t.notMatch(hub.logs.join(''), /CROSSSLOT/, 'no cross-slot refusal was logged')

  const probe = new Cluster(cluster.nodes.map((n) => ({ host: '127.0.0.1', port: Number(n.split(':')[1]) })))
  t.teardown(() => probe.disconnect())
  await new Promise((ready) => probe.once('ready', ready))
  const bullKeys = (await Promise.all(probe.nodes('master').map((n) => n.keys(`{${hub.prefix}bull}:*`)))).flat()
  t.ok(bullKeys.length > 0, `BullMQ keys live under the hash tag {${hub.prefix}bull} (${bullKeys.length} keys)`)
})
