/**
 * Redis through password-protected Sentinels (docs/high-availability.md, README "Production: high
 * availability"): the data nodes require `redis.password`, the Sentinels `redis.sentinel.password`.
 * The hub's connection factory (src/redis.ts) reaches the master with both, is refused without
 * either, and follows a failover with them. Real redis-server processes on spare ports.
 */
import t from 'tap'
import { createRedisConnector, type RedisConnector, type RedisClient } from '../../src/redis.js'
import { MASTER_NAME, startSentinelSet } from '../helpers/redis-sentinel.js'
import { waitFor } from '../helpers/dossier.js'

const DATA = 'data-node-password-not-a-secret'
const SENTINEL = 'sentinel-password-not-a-secret'
const KEY = 'lgsp-sentinel-auth-test:k'

/** PONG from the master within 3 s with a connection that neither retries nor reconnects. */
async function answers(connector: RedisConnector): Promise<boolean> {
  const probe = connector.connect({ lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1000, retryStrategy: () => null })
  probe.on('error', () => undefined)
  let timer: NodeJS.Timeout | undefined
  try {
    const pong = await Promise.race([
      (async () => {
        await probe.connect()
        return probe.ping()
      })(),
      new Promise<string>((done) => { timer = setTimeout(() => done('no answer'), 3000) }),
    ])
    return pong === 'PONG'
  } catch {
    return false
  } finally {
    clearTimeout(timer)
    probe.disconnect()
  }
}

const serverPort = async (r: RedisClient) => Number(/tcp_port:(\d+)/.exec(await r.info('server'))?.[1])

t.test('Sentinels and data nodes with passwords: connected with both, refused without either, a failover followed', async (t) => {
  const set = await startSentinelSet({ password: DATA, sentinelPassword: SENTINEL })
  t.teardown(() => set.stop())
  const connector = (password: string | undefined, sentinelPassword: string | undefined) => createRedisConnector({
    sentinel: { name: MASTER_NAME, sentinels: set.sentinels, ...(sentinelPassword && { password: sentinelPassword }) },
    ...(password && { password }),
  })

  t.equal(await answers(connector(DATA, SENTINEL)), true, 'both passwords: the master answers')
  t.equal(await answers(connector(DATA, undefined)), false, 'no Sentinel password: the Sentinels refuse to name the master')
  t.equal(await answers(connector(undefined, SENTINEL)), false, 'no data-node password: the master refuses')
  t.equal(await answers(connector('wrong-password', SENTINEL)), false, 'a wrong data-node password: refused')

  const client = connector(DATA, SENTINEL).connect()
  client.on('error', () => undefined)
  t.teardown(() => { client.disconnect() })
  await client.set(KEY, 'before')
  t.equal(await serverPort(client), set.primaryPort, 'the connection is on the primary')

  await set.killPrimary()
  await waitFor('the Sentinels (authenticated to the data nodes) promote the replica', async () => (await set.masterPort()) === set.replicaPort, 30_000, 200)
  await waitFor('a write reaches the promoted replica through the Sentinels', async () => {
    try {
      await client.set(KEY, 'after')
      return (await serverPort(client)) === set.replicaPort
    } catch {
      return false
    }
  }, 30_000, 200)
  t.equal(await client.get(KEY), 'after', 'reads and writes go to the new master')
})
