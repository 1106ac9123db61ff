/**
 * Group-committed accept (src/sync/accept-batch.ts) on both back ends: several PUTs in one batch,
 * of the same and of different dossiers, get the answers they would get one after the other.
 */
import t from 'tap'
import type { Db } from '../../../src/db/types.js'
import { GatewayError } from '../../../src/errors.js'
import { acceptSnapshots, type SnapshotOutcome, type SnapshotRequest } from '../../../src/sync/accept-batch.js'
import { snapshot } from '../../helpers/dossier.js'
import { openTestDb } from '../../helpers/db.js'
import { TEST_DATABASE_URL } from '../../helpers/hub.js'
import { createDb } from '../../../src/db/create-db.js'

const base = { procedureCode: '1.000001', agencyCode: '000.00.00.H34' }
const TARGETS = ['portal-a', 'portal-b']

/** What a client sees: the outcome and version, or the error code. */
const seen = (o: SnapshotOutcome) => (o.ok ? `${o.result.outcome} v${o.result.version} (${o.result.outbox.length} rows)` : o.error instanceof GatewayError ? `${o.error.status} ${o.error.code}` : `crash: ${o.error.message}`)

for (const kind of ['pglite', 'postgres'] as const) {
  t.test(`accept batch on ${kind}`, async (t) => {
    const { db } = await openTestDb(t, kind)
    const put = (code: string, version: number, extra: Partial<SnapshotRequest> & { summary?: string; agencyCode?: string } = {}): SnapshotRequest => ({
      code, client: 'one-stop', mayActFor: extra.mayActFor ?? (() => true),
      snapshot: snapshot(version, { ...base, ...(extra.agencyCode && { agencyCode: extra.agencyCode }), ...(extra.summary && { summary: extra.summary }) }),
    })

    const first = await acceptSnapshots(db, [
      put('HS-1', 1), put('HS-1', 1), put('HS-1', 1, { summary: 'other body' }), put('HS-1', 3), put('HS-1', 2), put('HS-1', 3),
      put('HS-2', 5, { agencyCode: '000.00.00.H99', mayActFor: (a) => a !== '000.00.00.H99' }), put('HS-2', 4),
    ], { targets: TARGETS })
    t.strictSame(first.map(seen), [
      'accepted v1 (2 rows)', 'unchanged v1 (0 rows)', '409 IDEMPOTENCY_CONFLICT', 'accepted v3 (2 rows)', '409 STALE_VERSION', 'unchanged v3 (0 rows)',
      '403 FORBIDDEN', 'accepted v4 (2 rows)',
    ], 'the same answers as one PUT after the other')

    const second = await acceptSnapshots(db, [
      put('HS-1', 2), put('HS-1', 4), put('HS-2', 4), put('HS-3', 1, { agencyCode: '000.00.00.H99', mayActFor: (a) => a !== '000.00.00.H99' }), put('HS-3', 1),
    ], { targets: TARGETS })
    t.strictSame(second.map(seen), ['409 STALE_VERSION', 'accepted v4 (2 rows)', 'unchanged v4 (0 rows)', '403 FORBIDDEN', 'accepted v1 (2 rows)'])

    const { rows: dossiers } = await db.query<{ code: string; version: number; summary: string }>(
      `SELECT code, version::int AS version, snapshot->>'summary' AS summary FROM dossiers ORDER BY code`)
    t.strictSame(dossiers, [
      { code: 'HS-1', version: 4, summary: 'version 4' }, { code: 'HS-2', version: 4, summary: 'version 4' }, { code: 'HS-3', version: 1, summary: 'version 1' },
    ])
    const { rows: outbox } = await db.query<{ target: string; dossier_code: string; version: number }>(
      `SELECT target, dossier_code, version::int AS version FROM outbox ORDER BY id`)
    t.strictSame(outbox.map((r) => `${r.target} ${r.dossier_code} v${r.version}`), [
      'portal-a HS-1 v1', 'portal-b HS-1 v1', 'portal-a HS-1 v3', 'portal-b HS-1 v3', 'portal-a HS-2 v4', 'portal-b HS-2 v4',
      'portal-a HS-1 v4', 'portal-b HS-1 v4', 'portal-a HS-3 v1', 'portal-b HS-3 v1',
    ], 'one outbox row per accepted version and target, in acceptance order')
    const { rows: states } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM sync_state WHERE state = 'pending'`)
    t.equal(states[0]!.n, 6, 'sync state opened for each dossier and target')

    await t.test('a PUT the ledger cannot store fails alone; the others of its batch are accepted', async (t) => {
      // U+0000 passes the API schema but neither jsonb nor text can hold it: the batch's statement fails.
      const batch = [put('HS-4', 1), put('HS-5', 1, { summary: 'nul \u0000 inside' }), put('HS-4', 2), put('HS-6', 1)]
      const outcomes = await acceptSnapshots(db, batch, { targets: TARGETS })
      t.strictSame(outcomes.map(seen), ['accepted v1 (2 rows)', '400 VALIDATION_FAILED', 'accepted v2 (2 rows)', 'accepted v1 (2 rows)'])
      const { rows } = await db.query<{ code: string; version: number }>(`SELECT code, version::int AS version FROM dossiers WHERE code IN ('HS-4', 'HS-5', 'HS-6') ORDER BY code`)
      t.strictSame(rows, [{ code: 'HS-4', version: 2 }, { code: 'HS-6', version: 1 }], 'nothing of the bad PUT was kept')
    })

    await t.test('the database away: every PUT of the batch gets 503, never an acceptance', async (t) => {
      const down = Object.assign(Object.create(db) as Db, {
        transaction: () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })),
      })
      const err = await acceptSnapshots(down, [put('HS-7', 1), put('HS-8', 1)], { targets: TARGETS }).catch((e: unknown) => e)
      t.ok(err instanceof GatewayError, 'a gateway error, not the driver\'s')
      t.match(err, { status: 503, code: 'SERVICE_UNAVAILABLE', headers: { 'retry-after': '1' } })
    })

    await t.test('a deadlock is retried; one that keeps happening is a 503', async (t) => {
      let failures = 1
      const flaky = Object.assign(Object.create(db) as Db, {
        transaction: <T>(fn: (tx: never) => Promise<T>) => (failures-- > 0 ? Promise.reject(Object.assign(new Error('deadlock detected'), { code: '40P01' })) : db.transaction(fn as never)),
      })
      t.strictSame((await acceptSnapshots(flaky, [put('HS-9', 1)], { targets: TARGETS })).map(seen), ['accepted v1 (2 rows)'])
      failures = 10
      t.match(await acceptSnapshots(flaky, [put('HS-9', 2)], { targets: TARGETS }).catch((e: unknown) => e), { status: 503, code: 'SERVICE_UNAVAILABLE' })
      t.equal(failures, 7, 'three attempts')
    })

    await t.test('the stored snapshot and the outbox payload: the snapshot with the code, the current agency, the code as sent and the hub\'s facts', async (t) => {
      const facts = { connectedDatabases: ['population' as const], reusedDocuments: ['att-1'] }
      const withPapers = (version: number, agencyCode: string) => snapshot(version, {
        ...base, agencyCode, fees: [{ name: 'Lệ phí "khai sinh" \\ 8.000đ', amount: 8000 }],
        documents: [{ id: 'att-1', name: 'CCCD.pdf', documentCode: '062090001234.CCCD', sha256: 'c'.repeat(64) }],
      })
      const a1 = withPapers(1, '000.01.20.H34')
      const a2 = withPapers(2, '000.01.20.H34')
      const b1 = withPapers(1, '000.00.00.H34')
      const outcomes = await acceptSnapshots(db, [
        { code: 'HS-10', snapshot: a1, client: 'one-stop', mayActFor: () => true },
        { code: 'HS-11', snapshot: b1, client: 'one-stop', mayActFor: () => true },
        { code: 'HS-10', snapshot: a2, client: 'one-stop', mayActFor: () => true },
      ], {
        targets: ['portal-a'],
        currentAgency: (code) => (code === '000.01.20.H34' ? '000.00.00.H51' : code),
        facts: async (_tx, dossiers) => new Map(dossiers.filter((d) => d.code === 'HS-10').map((d) => [d.code, facts])),
      })
      t.strictSame(outcomes.map(seen), ['accepted v1 (1 rows)', 'accepted v1 (1 rows)', 'accepted v2 (1 rows)'])
      const { rows } = await db.query<{ dossier_code: string; version: number; payload: unknown }>(
        `SELECT dossier_code, version::int AS version, payload FROM outbox WHERE dossier_code IN ('HS-10', 'HS-11') ORDER BY id`)
      t.strictSame(rows, [
        { dossier_code: 'HS-10', version: 1, payload: { code: 'HS-10', ...a1, agencyCode: '000.00.00.H51', originalAgencyCode: '000.01.20.H34', facts } },
        { dossier_code: 'HS-11', version: 1, payload: { code: 'HS-11', ...b1, agencyCode: '000.00.00.H34' } },
        { dossier_code: 'HS-10', version: 2, payload: { code: 'HS-10', ...a2, agencyCode: '000.00.00.H51', originalAgencyCode: '000.01.20.H34', facts } },
      ], 'one payload per accepted version, whole')
      const { rows: stored } = await db.query<{ code: string; snapshot: unknown; agency_code: string; original_agency_code: string | null }>(
        `SELECT code, snapshot, agency_code, original_agency_code FROM dossiers WHERE code IN ('HS-10', 'HS-11') ORDER BY code`)
      t.strictSame(stored, [
        { code: 'HS-10', snapshot: a2, agency_code: '000.00.00.H51', original_agency_code: '000.01.20.H34' },
        { code: 'HS-11', snapshot: b1, agency_code: '000.00.00.H34', original_agency_code: null },
      ], 'the dossier rows hold the snapshots as sent')
    })
  })
}

t.test('postgres: the accept statements are prepared once per connection, unless database.preparedStatements is false', async (t) => {
  const { schema } = await openTestDb(t, 'postgres')
  const names = async (preparedStatements: boolean) => {
    // One connection, so pg_prepared_statements (per session) shows what the accepts left.
    const one = await createDb({ url: TEST_DATABASE_URL, schema, poolSize: 1, preparedStatements })
    t.teardown(() => one.close())
    for (const v of [1, 2]) {
      await acceptSnapshots(one, [{ code: `HS-P-${preparedStatements}`, client: 'one-stop', mayActFor: () => true, snapshot: snapshot(v, base) }], { targets: TARGETS })
    }
    const { rows } = await one.query<{ name: string }>('SELECT name FROM pg_prepared_statements ORDER BY name')
    return rows.map((r) => r.name.replace(/-[0-9a-f]{16}$/, ''))
  }
  t.strictSame(await names(true), ['accept-insert', 'accept-lock', 'accept-write'])
  t.strictSame(await names(false), [])
})
