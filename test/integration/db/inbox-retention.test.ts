/**
 * Inbox retention (src/inbox/retention.ts) on both back ends: only routed events past their age
 * whose every delivery is delivered go, with their delivery rows; open, dead, unrouted and recent
 * events stay; windows are bounded and resume; a pruned newest seq is never reused; only idle
 * delivery leases without open deliveries go.
 */
import t from 'tap'
import type { Db } from '../../../src/db/types.js'
import { prunedThrough, pruneDeliveredEvents, pruneIdleLeases } from '../../../src/inbox/retention.js'
import { createInboxStore } from '../../../src/inbox/store.js'
import { openTestDb } from '../../helpers/db.js'

const DAY = 86_400_000
const KEEP = 30 * DAY

type State = 'pending' | 'retrying' | 'delivered' | 'dead'

/** One inbox row, `ageDays` old, with a delivery row per entry of `deliveries` (subscriber → state). */
async function event(db: Db, seq: number, ageDays: number, deliveries: Record<string, State>, routed = Object.keys(deliveries).length > 0) {
  await db.query(
    `INSERT INTO inbox (seq, event_id, source, type, agency_code, dossier_code, body, routed, received_at)
     VALUES ($1, $2, 'national-portal', 'dossier.status_changed', '000.00.00.H34', $3, '{"data":{"applicant":"personal"}}', $4, now() - make_interval(days => $5))`,
    [seq, `msg_${seq}`, `HS-${seq}`, routed, ageDays],
  )
  for (const [subscriber, state] of Object.entries(deliveries)) {
    await db.query(`INSERT INTO deliveries (subscriber, seq, ordering_key, state) VALUES ($1, $2, $3, $4)`, [subscriber, seq, `dossier:HS-${seq}`, state])
  }
}

const inboxSeqs = async (db: Db) => (await db.query<{ seq: number }>('SELECT seq FROM inbox ORDER BY seq')).rows.map((r) => r.seq)
const deliveryRows = async (db: Db) => (await db.query<{ d: string }>(`SELECT subscriber || ':' || seq AS d FROM deliveries ORDER BY seq, subscriber`)).rows.map((r) => r.d)

for (const kind of ['pglite', 'postgres'] as const) {
  t.test(`inbox retention on ${kind}`, async (t) => {
    await t.test('delivered events past their age go with their deliveries; the rest stay; windows are bounded and resume', async (t) => {
      const { db } = await openTestDb(t, kind)
      await event(db, 1, 40, { a: 'delivered', b: 'delivered' })
      await event(db, 2, 40, { a: 'delivered', b: 'pending' })
      await event(db, 3, 40, { a: 'retrying' })
      await event(db, 4, 40, { a: 'dead', b: 'delivered' })
      await event(db, 5, 40, {}) // unrouted: no subscriber serves its agency
      await event(db, 6, 40, {}, true) // routed, but its delivery rows are gone
      await event(db, 7, 40, { a: 'delivered' })
      await event(db, 8, 5, { a: 'delivered' })
      await event(db, 9, 1, { a: 'delivered' })

      t.strictSame(await pruneDeliveredEvents(db, 0), { pruned: 0, next: 0 }, 'keepMs 0 keeps everything')
      t.equal((await inboxSeqs(db)).length, 9)
      t.equal(await prunedThrough(db), 0)

      t.strictSame(await pruneDeliveredEvents(db, KEEP, { batch: 3 }), { pruned: 1, next: 3 }, 'window 1–3: only 1 is due; the next pass resumes after 3')
      t.strictSame(await pruneDeliveredEvents(db, KEEP, { batch: 3, after: 3 }), { pruned: 1, next: 6 }, 'window 4–6: only 6 is due')
      t.strictSame(await pruneDeliveredEvents(db, KEEP, { batch: 3, after: 6 }), { pruned: 1, next: 0 }, 'window 7–9 reaches young events: the next round starts over')
      t.strictSame(await pruneDeliveredEvents(db, KEEP), { pruned: 0, next: 0 }, 'nothing more is due')

      t.strictSame(await inboxSeqs(db), [2, 3, 4, 5, 8, 9], 'open, retrying, dead, unrouted and recent events stay')
      t.strictSame(await deliveryRows(db), ['a:2', 'b:2', 'a:3', 'a:4', 'b:4', 'a:8', 'a:9'], 'pruned events took their delivery rows along; kept events keep all of theirs')
      t.equal(await prunedThrough(db), 7, 'the highest pruned seq is recorded')

      await db.query(`UPDATE deliveries SET state = 'delivered' WHERE seq IN (2, 3, 4)`)
      t.strictSame(await pruneDeliveredEvents(db, KEEP), { pruned: 3, next: 0 }, 'once delivered (a replayed dead one included) they go too')
      t.strictSame(await inboxSeqs(db), [5, 8, 9])
      t.equal(await prunedThrough(db), 7, 'never lowered')
    })

    await t.test('one pass deletes at most one batch', async (t) => {
      const { db } = await openTestDb(t, kind)
      for (let seq = 1; seq <= 5; seq++) await event(db, seq, 40, { a: 'delivered' })
      t.strictSame(await pruneDeliveredEvents(db, KEEP, { batch: 2 }), { pruned: 2, next: 2 })
      t.strictSame(await inboxSeqs(db), [3, 4, 5])
      t.strictSame(await pruneDeliveredEvents(db, KEEP, { batch: 2, after: 2 }), { pruned: 2, next: 4 })
      t.strictSame(await pruneDeliveredEvents(db, KEEP, { batch: 2, after: 4 }), { pruned: 1, next: 0 })
      t.strictSame(await inboxSeqs(db), [])
    })

    await t.test('a pruned newest seq is never given to a new event', async (t) => {
      const { db } = await openTestDb(t, kind)
      const store = createInboxStore({ db, subscribers: [{ name: 'a' }] })
      t.teardown(() => store.close())
      const ingest = (id: string) => store.ingest({ eventId: id, source: 'national-portal', type: 'dossier.status_changed', agencyCode: '000.00.00.H34', dossierCode: 'HS-1', body: {} })
      t.strictSame((await ingest('msg_a')).seq, 1)
      t.strictSame((await ingest('msg_b')).seq, 2)
      await db.query(`UPDATE deliveries SET state = 'delivered'`)
      await db.query(`UPDATE inbox SET received_at = now() - interval '40 days'`)
      t.strictSame(await pruneDeliveredEvents(db, KEEP), { pruned: 2, next: 0 })
      t.strictSame(await inboxSeqs(db), [], 'the ledger is empty')
      const next = await ingest('msg_c')
      t.strictSame({ seq: next.seq, duplicate: next.duplicate }, { seq: 3, duplicate: false }, 'numbering continues above the pruned seqs')
      t.strictSame((await store.feed({ after: 2, limit: 10 })).map((e) => e.id), ['msg_c'], 'a reader whose cursor is at the pruned 2 still sees it')
      t.equal((await ingest('msg_a')).seq, 4, 'a pruned id sent again is a new event (documented)')
    })

    await t.test('delivery leases go only when idle and nothing is open behind them', async (t) => {
      const { db } = await openTestDb(t, kind)
      const lease = (key: string, owner: string | null, untilSecs: number | null) =>
        db.query(`INSERT INTO delivery_leases (subscriber, ordering_key, lease_owner, lease_until) VALUES ('a', $1, $2, now() + make_interval(secs => $3))`, [key, owner, untilSecs])
      await lease('released', null, null)
      await lease('expired', 'w1', -60)
      await lease('held', 'w2', 60)
      await lease('released-open', null, null)
      await lease('expired-retrying', 'w3', -60)
      await lease('released-delivered', null, null)
      await event(db, 1, 1, { a: 'pending' })
      await event(db, 2, 1, { a: 'retrying' })
      await event(db, 3, 1, { a: 'delivered' })
      await event(db, 4, 1, { a: 'dead' })
      await db.query(`UPDATE deliveries SET ordering_key = CASE seq WHEN 1 THEN 'released-open' WHEN 2 THEN 'expired-retrying' WHEN 3 THEN 'released-delivered' ELSE 'released' END`)
      const keys = async () => (await db.query<{ k: string }>('SELECT ordering_key AS k FROM delivery_leases ORDER BY ordering_key')).rows.map((r) => r.k)

      t.equal(await pruneIdleLeases(db, 2), 2, 'a batch is bounded')
      t.equal(await pruneIdleLeases(db, 2), 1)
      t.equal(await pruneIdleLeases(db, 2), 0, 'nothing more is idle')
      t.strictSame(await keys(), ['expired-retrying', 'held', 'released-open'], 'a held lease and leases with open deliveries stay; a dead or delivered one does not hold its lease')
    })
  })
}
