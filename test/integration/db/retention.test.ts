/**
 * Outbox retention (src/sync/retention.ts) on both back ends: only finished snapshot and progress
 * rows past their age go; dead, open, recent and `message` rows stay; batches are bounded.
 */
import t from 'tap'
import { pruneFinished } from '../../../src/sync/retention.js'
import { openTestDb } from '../../helpers/db.js'

const DAY = 86_400_000

for (const kind of ['pglite', 'postgres'] as const) {
  t.test(`retention on ${kind}`, async (t) => {
    const { db } = await openTestDb(t, kind)
    const row = async (label: string, kindOf: string, state: string, ageDays: number) => {
      const version = kindOf === 'snapshot' ? 1 : null
      const step = kindOf === 'snapshot' ? null : label
      await db.query(
        `INSERT INTO outbox (target, dossier_code, kind, version, step_id, payload, state, done_at, created_at)
         VALUES ('national-portal', $1, $2, $3, $4, '{}', $5, CASE WHEN $5 IN ('pending', 'retrying') THEN NULL ELSE now() - make_interval(days => $6) END, now() - make_interval(days => $6))`,
        [label, kindOf, version, step, state, ageDays],
      )
    }
    await row('old-delivered', 'snapshot', 'delivered', 40)
    await row('old-superseded', 'snapshot', 'superseded', 40)
    await row('old-step', 'progress', 'delivered', 40)
    await row('old-dead', 'snapshot', 'dead', 40)
    await row('old-open', 'snapshot', 'retrying', 40)
    await row('old-message', 'message', 'delivered', 40)
    await row('recent-delivered', 'snapshot', 'delivered', 5)
    const left = async () => (await db.query<{ dossier_code: string }>('SELECT dossier_code FROM outbox ORDER BY id')).rows.map((r) => r.dossier_code)

    t.equal(await pruneFinished(db, 0), 0, 'keepMs 0 keeps everything')
    t.equal(await pruneFinished(db, 30 * DAY, 2), 2, 'a batch is bounded')
    t.equal(await pruneFinished(db, 30 * DAY), 1)
    t.equal(await pruneFinished(db, 30 * DAY), 0, 'nothing more is due')
    t.strictSame(await left(), ['old-dead', 'old-open', 'old-message', 'recent-delivered'])
  })
}
