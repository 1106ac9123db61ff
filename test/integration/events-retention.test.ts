/**
 * Inbox retention in a running hub: the inbox reconciler prunes delivered events past
 * `webhooks.keepDeliveredMs` and idle leases, logs the count, and retries after a failed pass; the
 * pull feed then tells a reader whose cursor fell behind the pruned range (`gap`,
 * `prunedThrough`) instead of a silent hole. PostgreSQL, so the test can age rows in the hub's
 * schema; real Redis.
 */
import t from 'tap'
import { createDb } from '../../src/db/create-db.js'
import type { Db } from '../../src/db/types.js'
import { startTestHub, TEST_DATABASE_URL } from '../helpers/hub.js'
import { waitFor } from '../helpers/dossier.js'

const DAY = 86_400_000

t.test('retention of inbound events, and the feed of a reader that fell behind it', async (t) => {
  const hub = await startTestHub('postgres', {
    // No document axis: its poller would add events of its own to the feed.
    connectors: { 'document-axis': { enabled: false } },
    webhooks: { keepDeliveredMs: DAY },
    sync: { reconcileEveryMs: 200 },
  })
  t.teardown(() => hub.close())
  const db: Db = await createDb({ url: TEST_DATABASE_URL, schema: hub.schema, poolSize: 1 })
  t.teardown(() => db.close())
  const logged = (msg: string) => hub.logs.map((l) => JSON.parse(l)).filter((l) => l.msg === msg)
  const page = async (query: string) => {
    const res = await hub.call(`/v1/events?${query}`)
    t.equal(res.status, 200, query)
    return { seqs: res.body.events.map((e: { seq: number }) => e.seq), next: res.body.next, prunedThrough: res.body.prunedThrough, gap: res.body.gap }
  }

  t.strictSame(await page('after=0'), { seqs: [], next: 0, prunedThrough: 0, gap: false }, 'an empty ledger: nothing pruned, no gap')

  // A failing pass (the watermark table away) deletes nothing, warns, and the next pass retries.
  await db.query('ALTER TABLE inbox_retention RENAME TO inbox_retention_away')
  const event = async (seq: number, ageDays: number, state: string) => {
    await db.query(
      `INSERT INTO inbox (seq, event_id, source, type, agency_code, dossier_code, body, routed, received_at)
       VALUES ($1, $2, 'national-portal', 'dossier.status_changed', '000.00.00.H34', $3, '{}', true, now() - make_interval(days => $4))`,
      [seq, `msg_ret_${seq}`, `HS-${seq}`, ageDays],
    )
    await db.query(`INSERT INTO deliveries (subscriber, seq, ordering_key, state) VALUES ('one-stop', $1, $2, $3)`, [seq, `dossier:HS-${seq}`, state])
  }
  for (const seq of [1, 2, 4, 6]) await event(seq, 3, 'delivered')
  for (const seq of [3, 5]) await event(seq, 3, 'dead')
  await event(7, 0, 'delivered')
  await db.query(`INSERT INTO delivery_leases (subscriber, ordering_key) VALUES ('one-stop', 'dossier:HS-1')`)
  await waitFor('a warning for the failed pass', async () => logged('could not prune delivered inbound events; the next pass tries again').length > 0, 10_000)
  t.equal((await db.query('SELECT seq FROM inbox')).rows.length, 7, 'the failed pass deleted nothing')
  await db.query('ALTER TABLE inbox_retention_away RENAME TO inbox_retention')

  // The lease may go in the failed pass (a separate statement) or in the next one: count both.
  const totals = () => logged('pruned delivered inbound events past their retention and idle delivery leases')
    .reduce((sum, l) => ({ pruned: sum.pruned + l.pruned, leases: sum.leases + l.leases }), { pruned: 0, leases: 0 })
  await waitFor('a pass that prunes', async () => totals().pruned > 0, 10_000)
  t.strictSame(totals(), { pruned: 4, leases: 1 }, 'the counts are logged')
  const left = async () => (await db.query<{ seq: number }>('SELECT seq FROM inbox ORDER BY seq')).rows.map((r) => r.seq)
  t.strictSame(await left(), [3, 5, 7], 'the dead and the recent events stay')

  t.strictSame(await page('after=0'), { seqs: [3, 5, 7], next: 7, prunedThrough: 6, gap: true }, 'a reader from the start learns that events were pruned')
  t.strictSame(await page('after=0&limit=1'), { seqs: [3], next: 3, prunedThrough: 6, gap: true }, 'a full page keeps the cursor on its last event: retained events behind it come next')
  t.strictSame(await page('after=3&limit=1'), { seqs: [5], next: 5, prunedThrough: 6, gap: true })
  t.strictSame(await page('after=5'), { seqs: [7], next: 7, prunedThrough: 6, gap: true }, 'the pruned 6 lies past this cursor')
  t.strictSame(await page('after=6'), { seqs: [7], next: 7, prunedThrough: 6, gap: false }, 'a cursor at the end of the pruned range missed nothing')
  t.strictSame(await page('after=7'), { seqs: [], next: 7, prunedThrough: 6, gap: false }, 'a reader that is up to date sees no gap')

  // Delivered late (dead events replayed): they go too. With every event gone, an empty page
  // moves a cursor left behind past the pruned range, so the gap is reported once.
  await db.query(`UPDATE deliveries SET state = 'delivered' WHERE seq IN (3, 5)`)
  await waitFor('the replayed events pruned', async () => (await left()).length === 1, 10_000)
  t.strictSame(await page('after=0&limit=1'), { seqs: [7], next: 7, prunedThrough: 6, gap: true }, 'the mark only rises')
  await db.query(`UPDATE inbox SET received_at = now() - interval '3 days' WHERE seq = 7`)
  await waitFor('the last event pruned', async () => (await left()).length === 0, 10_000)
  t.strictSame(await page('after=2'), { seqs: [], next: 7, prunedThrough: 7, gap: true }, 'an empty page moves the cursor past the pruned range')
  t.strictSame(await page('after=7'), { seqs: [], next: 7, prunedThrough: 7, gap: false }, 'and the gap is not reported again')

  const doc = (await hub.call('/openapi.json')).body
  const schema = doc.paths['/v1/events'].get.responses['200'].content['application/json'].schema
  t.strictSame(Object.keys(schema.properties).sort(), ['events', 'gap', 'next', 'prunedThrough'], 'the OpenAPI document describes the fields')
})
