/**
 * Finding 10: with the port taken, the hub started its simulators, migrated, started BullMQ
 * workers (taking jobs from a shared Redis) and died 25 s later without naming the port. It must
 * refuse at once, name PORT, and leave nothing behind in Redis.
 */
import t from 'tap'
import { createServer } from 'node:net'
import { Redis } from 'ioredis'
import { loadConfig } from '../../src/config/load.js'
import { startHub } from '../../src/server.js'
import { ConfigError } from '../../src/config/load.js'
import { TEST_REDIS_URL } from '../helpers/hub.js'

t.test('a port in use is refused before any worker starts, naming PORT', async (t) => {
  const holder = createServer()
  await new Promise<void>((r) => holder.listen({ host: '127.0.0.1', port: 0 }, r))
  t.teardown(() => new Promise((r) => holder.close(r)))
  const port = (holder.address() as { port: number }).port
  const prefix = `test:port-${port}:`
  const config = loadConfig({ env: {}, overrides: {
    server: { host: '127.0.0.1', port }, redis: { url: TEST_REDIS_URL, keyPrefix: prefix },
    database: { pgliteDir: 'memory://' }, audit: { hashKey: 'test-audit-key-not-a-secret' },
  } })
  const started = Date.now()
  const err = await startHub({ config }).then(async (hub) => { await hub.close(); return undefined }, (e: unknown) => e)
  t.type(err, ConfigError)
  t.strictSame((err as ConfigError).problems, [`config /server/port: 127.0.0.1:${port} is already in use; stop what holds it or set PORT (and HOST) to a free one`])
  t.ok(Date.now() - started < 2000, 'refused at once')
  const redis = new Redis(TEST_REDIS_URL)
  t.teardown(() => redis.disconnect())
  t.strictSame(await redis.keys(`${prefix}*`), [], 'no queue, worker or lock key was written')
})
