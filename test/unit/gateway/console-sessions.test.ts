/**
 * The console's session store on real Redis (a prefix of its own): tokens are random and only
 * their hash is a key; a session ends at its hard limit whatever the activity, its idle timer
 * restarts on use, sign-out removes it, and anything not shaped like a token is never looked up.
 */
import t from 'tap'
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { createSessionStore } from '../../../src/console/sessions.js'
import { TEST_REDIS_URL, deleteRedisPrefix } from '../../helpers/hub.js'

t.test('console sessions', async (t) => {
  const prefix = `test:${randomBytes(4).toString('hex')}:`
  const redis = new Redis(TEST_REDIS_URL)
  t.teardown(async () => {
    await deleteRedisPrefix(prefix)
    redis.disconnect()
  })
  let now = 1_000_000
  const store = createSessionStore(redis, prefix, { idleMs: 60_000, maxMs: 600_000 }, () => now)

  const { token, session } = await store.create({ client: 'sandbox-demo', officerId: 'CB-1' })
  t.match(token, /^[A-Za-z0-9_-]{43}$/)
  t.strictSame(session, { client: 'sandbox-demo', officerId: 'CB-1', createdAt: 1_000_000, expiresAt: 1_600_000 })
  const keys = await redis.keys(`${prefix}*`)
  t.equal(keys.length, 1)
  t.notOk(keys[0]!.includes(token), 'the token itself is not the key')
  t.notOk((await redis.get(keys[0]!))!.includes(token), 'nor stored')
  const ttl = await redis.pttl(keys[0]!)
  t.ok(ttl > 0 && ttl <= 60_000, `idle timer set (${ttl} ms)`)

  now += 30_000
  t.strictSame(await store.resolve(token), session, 'live within its idle time')
  now = 1_600_000 - 10_000
  t.strictSame(await store.resolve(token), session, 'still live 10 s before its hard end')
  t.ok((await redis.pttl(keys[0]!)) <= 10_000, 'the idle timer never reaches past the hard end')
  now = 1_600_000
  t.equal(await store.resolve(token), undefined, 'over at its hard end, however active')
  t.equal(await redis.exists(keys[0]!), 0, 'and removed')

  const second = await store.create({ client: 'sandbox-demo', officerId: 'CB-2' })
  t.equal(await store.destroy(second.token), true)
  t.equal(await store.resolve(second.token), undefined, 'signed out')
  t.equal(await store.destroy(second.token), false)
  t.equal(await store.resolve('short'), undefined, 'not a token: not looked up')
  t.equal(await store.resolve(`${'a'.repeat(42)}*`), undefined)
})
