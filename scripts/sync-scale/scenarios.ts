/**
 * The scenarios of scripts/sync-scale-check.ts: the real code of the sync paths (claim, settle,
 * per-dossier claim and settle, accepts, the reconciler's sweep, retention, the read model) run
 * against the loaded ledger.
 */
import type pg from 'pg'
import pino from 'pino'
import type { Db } from '../../src/db/types.js'
import { createBatchStore, type DossierSettle } from '../../src/sync/batch-store.js'
import { createDeliveryStore } from '../../src/sync/delivery-store.js'
import { acceptSnapshots } from '../../src/sync/accept-batch.js'
import { acceptProgress } from '../../src/sync/ledger.js'
import { sweepOutbox } from '../../src/sync/reconciler.js'
import { pruneFinished } from '../../src/sync/retention.js'
import { getDossier, listDossiers } from '../../src/sync/read-model.js'
import type { SyncQueues } from '../../src/sync/queues.js'
import type { DossierSnapshot } from '../../schemas/dossier.js'
import { explainingDb, type Explained } from './explain.js'
import { TARGET } from './ledger.js'

const DAY = 86_400_000

const silent = pino({ level: 'silent' })
const queues = {
  prefix: 'scale', names: () => [TARGET, 'lgsp-edoc'], queueName: (t: string) => `sync-${t}`, drains: (t: string) => t === TARGET,
  kick: async () => true, kickAt: async () => true, counts: async () => { throw new Error('unused') }, close: async () => {},
} as unknown as SyncQueues

const snapshotOf = (code: string, version: number, agency: string): DossierSnapshot => ({
  version, procedureCode: '1.001234', agencyCode: agency, channel: 'online', status: 'processing', receivedAt: '2024-05-01T08:00:00Z',
  applicant: { type: 'citizen', id: '001234567890', name: `Le Van ${code}` },
})

/**
 * `setup`: statements run first, as they are (not EXPLAINed), in the scenario's transaction;
 * `skip`: leading statements of `run` that only set the scene (not reported).
 */
export type Scenario = { name: string; setup?: string[]; skip?: number; run: (db: Db) => Promise<unknown> }

export const SCENARIOS: Scenario[] = [
  { name: `batch claim (${TARGET}, 50, window 1000)`, run: (db) => createBatchStore(db).claimBatch(TARGET, 'scale-check', 60_000, 50) },
  {
    name: 'batch settle (50 dossiers: 1 retry, 1 dead)',
    skip: 1,
    run: async (db) => {
      const store = createBatchStore(db)
      const claims = await store.claimBatch(TARGET, 'scale-check', 60_000, 50)
      const settles: DossierSettle[] = claims.map((c, i) => {
        const snaps = c.items.filter((x) => x.kind === 'snapshot')
        const newest = snaps.at(-1)
        const base: DossierSettle = { code: c.code, seenUpTo: Math.max(0, ...c.items.map((x) => x.id)), delivered: [], superseded: snaps.slice(0, -1).map((x) => x.id), dead: [] }
        const rest = c.items.filter((x) => x.kind !== 'snapshot')
        if (i === 0 && newest) return { ...base, retry: { id: newest.id, attempts: 1, error: 'timeout', nextAttemptAt: new Date(Date.now() + 60_000) } }
        if (i === 1 && newest) return { ...base, dead: [{ id: newest.id, error: 'rejected', upstreamCode: 'E01', attempts: 1 }] }
        return { ...base, delivered: [...(newest ? [{ id: newest.id, version: newest.version }] : []), ...rest.map((x) => ({ id: x.id, version: null }))] }
      })
      await store.settleBatch(TARGET, 'scale-check', settles)
    },
  },
  {
    name: 'per-dossier claim + settle',
    run: async (db) => {
      const store = createDeliveryStore(db)
      const claim = await store.claim(TARGET, 'G22.38-0000398', 'scale-check', 60_000)
      const items = claim?.items ?? []
      await store.settle({ target: TARGET, code: 'G22.38-0000398', owner: 'scale-check', delivered: items.map((x) => ({ id: x.id, version: x.version })), superseded: [], dead: [], seenUpTo: Math.max(0, ...items.map((x) => x.id)) })
    },
  },
  {
    name: 'accept 50 PUTs (40 known dossiers, 10 new)',
    run: async (db) => assertAccepted(await acceptSnapshots(db, Array.from({ length: 50 }, (_, i) => {
      const n = i < 40 ? 500_000 + i * 7 : 2_000_000 + i
      const agency = `G22.${String(n % 40).padStart(2, '0')}`
      const code = `${agency}-${String(n).padStart(7, '0')}`
      return { code, snapshot: snapshotOf(code, i < 40 ? 5 : 1, agency), client: 'one-stop', mayActFor: () => true }
    }), { targets: [TARGET] })),
  },
  {
    name: 'accept a progress step',
    run: (db) => acceptProgress(db, 'G22.00-0500000', { id: 'scale-step-1', officer: 'Pham Thi B', unit: 'Mot cua', at: '2024-05-02T08:00:00Z', content: 'Thu ly' }, { client: 'one-stop', targets: [TARGET], mayActFor: () => true }),
  },
  { name: 'reconciler sweep (staleAfterMs 60 s)', run: (db) => sweepOutbox({ db, queues, staleAfterMs: 60_000, log: silent })() },
  { name: 'retention, backlog (keep 30 days: 750,000 due)', run: (db) => pruneFinished(db, 30 * DAY) },
  { name: 'retention, caught up (keep 41 days: none due)', run: (db) => pruneFinished(db, 41 * DAY) },
  { name: 'GET /v1/dossiers?syncState=pending', run: (db) => listDossiers(db, { syncState: 'pending', limit: 50 }) },
  { name: 'GET /v1/dossiers?syncState=retrying&target=…', run: (db) => listDossiers(db, { syncState: 'retrying', target: TARGET, limit: 50 }) },
  { name: 'GET /v1/dossiers?syncState=dead (one agency)', run: (db) => listDossiers(db, { syncState: 'dead', agencies: ['%.07'], limit: 50 }) },
  { name: 'GET /v1/dossiers?syncState=pending (one agency)', run: (db) => listDossiers(db, { syncState: 'pending', agencies: ['%.07'], limit: 50 }) },
  { name: 'GET /v1/dossiers?syncState=pending (a province: none pending)', run: (db) => listDossiers(db, { syncState: 'pending', agencies: ['%.H44'], limit: 50 }) },
  { name: 'GET /v1/dossiers?syncState=delivered', run: (db) => listDossiers(db, { syncState: 'delivered', limit: 50 }) },
  { name: 'GET /v1/dossiers?syncState=delivered (one agency)', run: (db) => listDossiers(db, { syncState: 'delivered', agencies: ['%.07'], limit: 50 }) },
  { name: 'GET /v1/dossiers?syncState=delivered (the last agency)', run: (db) => listDossiers(db, { syncState: 'delivered', agencies: ['%.39'], limit: 50 }) },
  { name: 'GET /v1/dossiers?syncState=delivered (a department: 50 agencies)', run: (db) => listDossiers(db, { syncState: 'delivered', agencies: ['%.24.H44'], limit: 50 }) },
  { name: 'GET /v1/dossiers (one agency, the client\'s restriction)', run: (db) => listDossiers(db, { agencies: ['%.07'], limit: 50 }) },
  { name: 'GET /v1/dossiers (the last agency)', run: (db) => listDossiers(db, { agencies: ['%.39'], limit: 50 }) },
  { name: 'GET /v1/dossiers (one agency, a page in the middle)', run: (db) => listDossiers(db, { agencies: ['%.07'], after: 'G22.07-0500007', limit: 50 }) },
  { name: 'GET /v1/dossiers (a department: 50 agencies)', run: (db) => listDossiers(db, { agencies: ['%.24.H44'], limit: 50 }) },
  { name: 'GET /v1/dossiers (a province: 2,000 agencies, limit 500, mid-way)', run: (db) => listDossiers(db, { agencies: ['%.H44'], after: '000.25.17.H44-016500', limit: 500 }) },
  { name: 'GET /v1/dossiers (the province and the last agency, past the province)', run: (db) => listDossiers(db, { agencies: ['%.H44', '%.39'], after: '000.49.40.H44-039999', limit: 50 }) },
  { name: 'GET /v1/dossiers (no agency matches)', run: (db) => listDossiers(db, { agencies: ['%.H99'], limit: 50 }) },
  { name: 'GET /v1/dossiers/{code}', run: (db) => getDossier(db, 'G22.00-0500000') },
  // Near the end: its rows, though rolled back, stay in sync_state as dead tuples until a vacuum.
  {
    name: 'GET /v1/dossiers?syncState=delivered&target=… (one agency; a target that delivered 2%)',
    setup: [
      `INSERT INTO sync_state (target, dossier_code, state, delivered_version)
       SELECT 'portal-2', dcode(i), 'delivered', 3 FROM generate_series(7, 1000000, 49) i`,
      'ANALYZE sync_state',
    ],
    run: (db) => listDossiers(db, { syncState: 'delivered', target: 'portal-2', agencies: ['%.07'], limit: 50 }),
  },
  // Last: its rows, though rolled back, stay in the tables as dead tuples until a vacuum.
  {
    name: 'batch claim after a burst: +100,000 pending dossiers',
    setup: [
      `INSERT INTO outbox (target, dossier_code, kind, version, payload, state, created_at)
       SELECT '${TARGET}', dcode(k * 7 + 3), 'snapshot', 4, jsonb_build_object('code', dcode(k * 7 + 3), 'version', 4), 'pending', now() - interval '5 minutes'
       FROM generate_series(1, 100000) k`,
      `UPDATE sync_state s SET state = 'pending' FROM generate_series(1, 100000) k
       WHERE s.target = '${TARGET}' AND s.dossier_code = dcode(k * 7 + 3) AND s.state = 'delivered'`,
      'ANALYZE outbox',
      'ANALYZE sync_state',
    ],
    run: (db) => createBatchStore(db).claimBatch(TARGET, 'scale-check', 60_000, 50),
  },
]

function assertAccepted(outcomes: Array<{ ok: boolean; error?: Error }>) {
  const failed = outcomes.find((o) => !o.ok)
  if (failed) throw failed.error
}

/** Runs one scenario in a transaction that is rolled back, so every scenario sees the same ledger. */
export async function runScenario(client: pg.Client, s: Scenario): Promise<Explained[]> {
  const sink: Explained[] = []
  await client.query('BEGIN')
  try {
    for (const sql of s.setup ?? []) await client.query(sql)
    await s.run(explainingDb(client, sink))
  } finally {
    await client.query('ROLLBACK')
  }
  return sink.slice(s.skip ?? 0)
}
