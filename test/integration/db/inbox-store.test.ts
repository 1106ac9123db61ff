/**
 * The inbox's group commit (src/inbox/store.ts) on both back ends: duplicates (already stored, or
 * twice in one batch) answer the first seq; new events are numbered without holes in arrival order;
 * each is routed to the subscribers whose agencies match, in the same statement as the events.
 * On PostgreSQL: two replicas ingesting at once still number 1..N without holes, and a batch stuck
 * behind the numbering lock fails after its lock timeout instead of hanging.
 */
import t from 'tap'
import pg from 'pg'
import type { Db } from '../../../src/db/types.js'
import { createInboxStore, type IncomingEvent } from '../../../src/inbox/store.js'
import { LockPurpose } from '../../../src/db/locks.js'
import { openTestDb } from '../../helpers/db.js'
import { TEST_DATABASE_URL } from '../../helpers/hub.js'

const SUBSCRIBERS = [{ name: 'province', agencies: ['*.H34'] }, { name: 'district', agencies: ['*.02.32.H34'] }]

const event = (id: string, agencyCode: string | null = '000.02.32.H34'): IncomingEvent => ({
  eventId: id, source: 'national-portal', type: 'dossier.status_changed', agencyCode, dossierCode: `HS-${id}`, body: { id },
})

const seqs = async (db: Db) => (await db.query<{ seq: number; event_id: string }>('SELECT seq, event_id FROM inbox ORDER BY seq')).rows.map((r) => `${r.seq}:${r.event_id}`)
const deliveries = async (db: Db) => (await db.query<{ d: string }>('SELECT subscriber || \':\' || seq || \':\' || ordering_key AS d FROM deliveries ORDER BY seq, subscriber')).rows.map((r) => r.d)

for (const kind of ['pglite', 'postgres'] as const) {
  t.test(`inbox group commit on ${kind}`, async (t) => {
    const { db } = await openTestDb(t, kind)
    const store = createInboxStore({ db, subscribers: SUBSCRIBERS, maxWaitMs: 20 })
    t.teardown(() => store.close())

    const first = await store.ingest(event('a'))
    t.match(first, { seq: 1, duplicate: false, routedTo: [{ subscriber: 'province', orderingKey: 'dossier:HS-a' }, { subscriber: 'district', orderingKey: 'dossier:HS-a' }] })
    // One batch (submitted together within maxWaitMs): a stored id, a new one twice, an unrouted one, one for the province only.
    const batch = await Promise.all([event('a'), event('b'), event('b'), event('c', null), event('d', '000.00.01.H34')].map((e) => store.ingest(e)))
    t.strictSame(batch.map((r) => [r.seq, r.duplicate]), [[1, true], [2, false], [2, true], [3, false], [4, false]], 'duplicates answer the first seq; new ones follow without holes')
    t.strictSame(batch.map((r) => r.routedTo.map((x) => x.subscriber)), [[], ['province', 'district'], [], [], ['province']])
    t.strictSame(await seqs(db), ['1:a', '2:b', '3:c', '4:d'])
    t.strictSame(await deliveries(db), [
      'province:1:dossier:HS-a', 'district:1:dossier:HS-a', 'province:2:dossier:HS-b', 'district:2:dossier:HS-b', 'province:4:dossier:HS-d',
    ].sort((x, y) => Number(x.split(':')[1]) - Number(y.split(':')[1]) || x.localeCompare(y)))
    t.strictSame((await db.query<{ routed: boolean }>('SELECT routed FROM inbox ORDER BY seq')).rows.map((r) => r.routed), [true, true, false, true])

    // A batch with only unrouted events takes the path without delivery rows.
    t.match(await store.ingest(event('e', null)), { seq: 5, duplicate: false, routedTo: [] })
  })
}

t.test('two replicas ingesting at once on PostgreSQL: 1..N without holes, each event once', async (t) => {
  const { db } = await openTestDb(t, 'postgres', 4)
  const replicas = [0, 1].map(() => createInboxStore({ db, subscribers: SUBSCRIBERS, maxBatch: 16, maxWaitMs: 1 }))
  t.teardown(() => Promise.all(replicas.map((r) => r.close())))
  const N = 400
  // Every id is sent to both replicas (the portal retrying against another replica).
  const results = await Promise.all(Array.from({ length: N }, (_, i) => replicas.map((r) => r.ingest(event(`m${i}`)))).flat())
  const rows = await seqs(db)
  t.equal(rows.length, N, 'each event stored once')
  t.strictSame(rows.map((r) => Number(r.split(':')[0])), Array.from({ length: N }, (_, i) => i + 1), 'numbered 1..N without holes')
  t.equal(results.filter((r) => !r.duplicate).length, N, 'one of the two answers per id is new, the other a duplicate')
  t.equal((await deliveries(db)).length, 2 * N, 'routed once each')
})

t.test('a batch stuck behind the numbering lock fails after its lock timeout instead of hanging (PostgreSQL)', async (t) => {
  const { db, schema } = await openTestDb(t, 'postgres')
  const store = createInboxStore({ db, subscribers: SUBSCRIBERS, lockTimeoutMs: 200 })
  t.teardown(() => store.close())
  const holder = new pg.Client({ connectionString: TEST_DATABASE_URL })
  await holder.connect()
  t.teardown(() => holder.end())
  await holder.query(`SET search_path TO ${schema}`)
  await holder.query('BEGIN')
  await holder.query("SELECT pg_advisory_xact_lock($1::int4, hashtext(coalesce(current_schema(), '')))", [LockPurpose.inboxSeq])
  const started = Date.now()
  await t.rejects(store.ingest(event('stuck')), /lock timeout/, 'refused with the lock timeout')
  t.ok(Date.now() - started < 3000, `after ${Date.now() - started} ms`)
  await holder.query('ROLLBACK')
  t.match(await store.ingest(event('after')), { seq: 1, duplicate: false }, 'works again once the lock is free; the failed batch left nothing')
})
