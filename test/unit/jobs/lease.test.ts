/**
 * withLease (src/jobs/lease.ts) against an in-memory lease table with the ledger's rules (one
 * holder; an expired lease can be taken; renew and release only by the holder). The ledger-backed
 * leases are exercised by the sync, inbox and axis integration tests.
 */
import t from 'tap'
import { pino } from 'pino'
import { withLease, type LeaseOptions } from '../../../src/jobs/lease.js'

const log = pino({ level: 'silent' })
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function table() {
  const leases = new Map<string, { owner: string; until: number }>()
  const calls: string[] = []
  const free = (key: string) => (leases.get(key)?.until ?? 0) <= Date.now()
  return {
    calls,
    leases,
    options(key: string, owner: string, leaseMs: number, stopping = () => false): LeaseOptions<true> {
      return {
        leaseMs, log, stopping,
        async claim() {
          calls.push(`claim ${owner}`)
          if (!free(key) && leases.get(key)!.owner !== owner) return false
          leases.set(key, { owner, until: Date.now() + leaseMs })
          return true
        },
        async renew() {
          calls.push(`renew ${owner}`)
          const l = leases.get(key)
          if (l?.owner !== owner) return false
          l.until = Date.now() + leaseMs
          return true
        },
        async release() {
          calls.push(`release ${owner}`)
          if (leases.get(key)?.owner === owner) leases.delete(key)
        },
      }
    },
  }
}

t.test('busy when someone else holds the lease; released after the round', async (t) => {
  const db = table()
  const a = db.options('k', 'a', 10_000)
  const outcome = await withLease(a, async () => {
    t.equal(await withLease(db.options('k', 'b', 10_000), async () => 'ran'), 'busy')
    return 'done'
  })
  t.equal(outcome, 'done')
  t.strictSame(db.calls, ['claim a', 'claim b', 'release a'])
  t.equal(db.leases.size, 0)
})

t.test('renewed before a step once a quarter is gone, and on a timer during a long step', async (t) => {
  const db = table()
  await withLease(db.options('k', 'a', 400), async (_c, lease) => {
    t.equal(await lease.next(), true)
    t.strictSame(db.calls, ['claim a'], 'no renewal while the lease is fresh')
    await sleep(120)
    t.equal(await lease.next(), true)
    t.strictSame(db.calls, ['claim a', 'renew a'], 'renewed once a quarter was gone')
    await sleep(900) // one step more than twice the lease: only the timer keeps it
    t.ok(db.calls.filter((c) => c === 'renew a').length >= 4, `renewed during the step (${db.calls.length - 1} renewals)`)
    t.equal(db.leases.get('k')?.owner, 'a', 'still ours')
    t.equal(await lease.next(), true)
  })
})

t.test('a lease taken by another holder ends the round and is not released', async (t) => {
  const db = table()
  const outcome = await withLease(db.options('k', 'a', 200), async (_c, lease) => {
    db.leases.set('k', { owner: 'b', until: Date.now() + 10_000 }) // it lapsed and b took it
    await sleep(60)
    let steps = 0
    while (await lease.next()) steps++
    t.equal(steps, 0)
    t.equal(lease.lost, true)
    return 'lease-lost'
  })
  t.equal(outcome, 'lease-lost')
  t.notOk(db.calls.includes('release a'), 'b keeps its lease')
  t.equal(db.leases.get('k')?.owner, 'b')
})

t.test('shutdown ends the round between steps; the lease is released', async (t) => {
  const db = table()
  let closing = false
  let steps = 0
  await withLease(db.options('k', 'a', 10_000, () => closing), async (_c, lease) => {
    for (let i = 0; i < 1000 && (await lease.next()); i++) {
      steps++
      if (steps === 3) closing = true
    }
    t.equal(lease.lost, false)
  })
  t.equal(steps, 3)
  t.equal(db.calls.at(-1), 'release a')
  t.equal(db.leases.size, 0)
})

t.test('a round that hands the lease over is not released again; one that throws is', async (t) => {
  const db = table()
  await withLease(db.options('k', 'a', 10_000), async (_c, lease) => {
    db.leases.delete('k') // released in the round's own settle statement
    lease.handedOver()
  })
  t.strictSame(db.calls, ['claim a'])
  await t.rejects(withLease(db.options('k', 'c', 10_000), async () => {
    throw new Error('database gone')
  }), /database gone/)
  t.strictSame(db.calls, ['claim a', 'claim c', 'release c'])
})
