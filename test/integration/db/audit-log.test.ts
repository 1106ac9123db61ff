/**
 * The audit log on BOTH back ends: every case runs on PGlite (in memory) and on PostgreSQL
 * (in a random schema dropped in teardown).
 */
import { randomBytes } from 'node:crypto'
import t, { type Test } from 'tap'
import { createAuditLog, type AuditLogOptions, type FlushInfo } from '../../../src/audit/audit-log.js'
import { GENESIS_HASH, chainKeyFrom, recordHash } from '../../../src/audit/chain.js'
import { searchAudit } from '../../../src/audit/search.js'
import { subjectHash } from '../../../src/audit/subject.js'
import type { AuditEntry, AuditLog } from '../../../src/audit/types.js'
import { verifyAuditChain } from '../../../src/audit/verify.js'
import { createDb, type DbOptions } from '../../../src/db/create-db.js'
import { ADVISORY_XACT_LOCK_SQL, LockPurpose } from '../../../src/db/locks.js'
import { migrate } from '../../../src/db/migrate.js'
import type { Db } from '../../../src/db/types.js'
import { pgliteTemplate } from '../../helpers/pglite-template.js'
import { GatewayError } from '../../../src/errors.js'

const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const KEY = 'test-audit-key-0123456789'
const CHAIN = chainKeyFrom({ hashKey: KEY })
type Kind = 'pglite' | 'postgres'

interface Fixture {
  db: Db
  /** Another handle on the same database: a second pool ("replica") on PostgreSQL; PGlite has one. */
  replica(): Promise<Db>
  /** An audit log on `db` (default) that is closed in teardown, recording its flushes. */
  auditLog(options?: Partial<AuditLogOptions>): { log: AuditLog; flushes: FlushInfo[] }
}

async function openFixture(t: Test, kind: Kind): Promise<Fixture> {
  // PGlite: loaded from a cluster migrated in `public` (initdb in WASM costs seconds); migrate() below is then a no-op.
  const schema = kind === 'postgres' ? `t_${randomBytes(5).toString('hex')}` : 'public'
  const options: DbOptions = kind === 'postgres' ? { url: PG_URL, schema, poolSize: 4 } : { pgliteDir: 'memory://', pgliteDump: await pgliteTemplate('migrated'), schema }
  const db = await createDb(options)
  await migrate(db)
  const replicas: Db[] = []
  const logs: AuditLog[] = []
  t.teardown(async () => {
    for (const log of logs) await log.close()
    for (const replica of replicas) await replica.close()
    if (kind === 'postgres') await db.query(`DROP SCHEMA ${schema} CASCADE`)
    await db.close()
  })
  return {
    db,
    async replica() {
      if (kind === 'pglite') return db
      const replica = await createDb(options)
      replicas.push(replica)
      return replica
    },
    auditLog(extra = {}) {
      const flushes: FlushInfo[] = []
      const log = createAuditLog({ db, hashKey: KEY, onFlush: (info) => flushes.push(info), ...extra })
      logs.push(log)
      return { log, flushes }
    },
  }
}

function both(name: string, fn: (t: Test, kind: Kind) => Promise<void>): void {
  for (const kind of ['pglite', 'postgres'] as const) t.test(`${name} [${kind}]`, (t) => fn(t, kind))
}

const personalId = (n: number) => `0${62_000_000_000 + n}`

function entry(n: number, overrides: Partial<AuditEntry> = {}): AuditEntry {
  return {
    at: new Date(Date.UTC(2025, 0, 1) + n * 1000),
    requestId: `req-${n}`,
    client: 'one-stop',
    officerId: 'CB001',
    purpose: 'H01.01-250101-0001',
    connector: 'population',
    operation: 'lookup',
    subject: personalId(n),
    outcome: 'ok',
    latencyMs: 12.4,
    ...overrides,
  }
}

async function appendMany(log: AuditLog, from: number, count: number, overrides: Partial<AuditEntry> = {}) {
  return Promise.all(Array.from({ length: count }, (_, i) => log.append(entry(from + i, overrides))))
}

const seqs = async (db: Db) => (await db.query<{ seq: number }>('SELECT seq FROM audit_log ORDER BY seq')).rows.map((r) => r.seq)
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)

both('2,000 concurrent appends commit in fewer transactions and form one verified chain', async (t, kind) => {
  const { db, auditLog } = await openFixture(t, kind)
  const { log, flushes } = auditLog()
  const results = await appendMany(log, 1, 2000)

  t.strictSame(results.map((r) => r.seq).sort((a, b) => a - b), range(1, 2000), 'every append got its own seq')
  t.strictSame(await seqs(db), range(1, 2000), 'all committed')
  t.ok(flushes.length < 2000 && flushes.length >= 2000 / 256, `${flushes.length} transactions for 2,000 records`)
  t.ok(flushes.every((f) => f.ok && f.size <= 256), 'every batch committed within maxBatch')
  t.equal(flushes.reduce((sum, f) => sum + f.size, 0), 2000)
  const last = results.find((r) => r.seq === 2000)!
  t.strictSame(await verifyAuditChain(db, { chainKey: CHAIN }), { ok: true, checked: 2000, head: { seq: 2000, hash: last.hash } })
  t.strictSame(await verifyAuditChain(db, { pageSize: 7, chainKey: CHAIN }), { ok: true, checked: 2000, head: { seq: 2000, hash: last.hash } }, 'paged')

  // Each append's result points at its own record, stored as the entry minus its plain subject.
  const third = results[2]!
  const { subject: _plain, latencyMs: _ms, ...rest } = entry(3)
  const prevHash = third.seq === 1 ? GENESIS_HASH : results.find((r) => r.seq === third.seq - 1)!.hash
  t.strictSame((await searchAudit(db, { afterSeq: third.seq - 1, limit: 1 })).records, [{
    seq: third.seq, ...rest, subjectHash: subjectHash(KEY, personalId(3)), subjectMasked: '062*******03',
    latencyMs: 12, prevHash, hash: third.hash, chainFormat: 2,
  }])
})

both('the plain subject is stored nowhere', async (t, kind) => {
  const { db, auditLog } = await openFixture(t, kind)
  const { log } = auditLog()
  await appendMany(log, 1, 300)
  await log.append(entry(301, { subject: '0100109106-001', connector: 'business-registry' }))
  const lines = (await db.query<{ line: string }>('SELECT t::text AS line FROM audit_log t')).rows.map((r) => r.line)
  t.equal(lines.length, 301)
  const subjects = [...range(1, 300).map(personalId), '0100109106-001']
  const leaked = subjects.filter((s) => lines.some((line) => line.includes(s)))
  t.strictSame(leaked, [], 'no row contains a plain ID')
  t.strictSame(
    (await db.query("SELECT subject_hash, subject_masked FROM audit_log WHERE connector = 'business-registry'")).rows,
    [{ subject_hash: subjectHash(KEY, '0100109106-001'), subject_masked: '010*********01' }],
  )
})

both('UPDATE, DELETE and TRUNCATE of audit rows are refused by the database', async (t, kind) => {
  const { db, auditLog } = await openFixture(t, kind)
  await appendMany(auditLog().log, 1, 5)
  const before = (await db.query('SELECT * FROM audit_log ORDER BY seq')).rows
  await t.rejects(db.query("UPDATE audit_log SET outcome = 'ok' WHERE seq = 2"), /append-only: UPDATE refused/)
  await t.rejects(db.query('DELETE FROM audit_log WHERE seq = 5'), /append-only: DELETE refused/)
  await t.rejects(db.query('TRUNCATE audit_log'), /append-only: TRUNCATE refused/)
  t.strictSame((await db.query('SELECT * FROM audit_log ORDER BY seq')).rows, before, 'rows unchanged')
})

both('tampering is found and verify names the first broken seq', async (t, kind) => {
  const { db, auditLog } = await openFixture(t, kind)
  const results = await appendMany(auditLog().log, 1, 20)
  const hashOf = (seq: number) => results.find((r) => r.seq === seq)!.hash
  // What an attacker with superuser rights could do: switch the guard off.
  await db.query('ALTER TABLE audit_log DISABLE TRIGGER USER')

  await db.query("UPDATE audit_log SET purpose = 'edited' WHERE seq = 5")
  t.strictSame(await verifyAuditChain(db, { pageSize: 3, chainKey: CHAIN }), {
    ok: false, checked: 4, firstBroken: { seq: 5, reason: 'hash_mismatch' }, head: { seq: 4, hash: hashOf(4) },
  }, 'an edited field')
  await db.query("UPDATE audit_log SET purpose = 'H01.01-250101-0001' WHERE seq = 5")
  t.equal((await verifyAuditChain(db, { chainKey: CHAIN })).ok, true, 'restoring the field restores the chain')

  // A forger who also recomputes the edited row's own hash breaks the next link instead.
  const [row8] = (await searchAudit(db, { afterSeq: 7, limit: 1 })).records
  const { hash: _old, ...forged } = { ...row8!, outcome: 'not_found' }
  await db.query('UPDATE audit_log SET outcome = $1, hash = $2 WHERE seq = 8', ['not_found', recordHash(forged, CHAIN)])
  t.strictSame((await verifyAuditChain(db, { chainKey: CHAIN })).firstBroken, { seq: 9, reason: 'prev_hash_mismatch' }, 'a re-hashed row')
  await db.query('UPDATE audit_log SET outcome = $1, hash = $2 WHERE seq = 8', ['ok', hashOf(8)])

  await db.query('DELETE FROM audit_log WHERE seq = 12')
  t.strictSame((await verifyAuditChain(db, { chainKey: CHAIN })).firstBroken, { seq: 13, reason: 'seq_gap' }, 'a deleted row')
  await db.query('DELETE FROM audit_log WHERE seq < 3')
  t.strictSame(await verifyAuditChain(db, { chainKey: CHAIN }), { ok: false, checked: 0, firstBroken: { seq: 3, reason: 'seq_gap' } }, 'deleted head')
})

both('a failed batch rejects its appends, writes nothing, and the next batch works', async (t, kind) => {
  const { db, auditLog } = await openFixture(t, kind)
  let failAfterInsert = false
  // Fails after the INSERT ran, so a rollback has to undo real work.
  const flaky: Db = {
    ...db,
    transaction: (fn) => db.transaction(async (tx) => {
      const value = await fn(tx)
      if (failAfterInsert) throw new Error('injected commit failure')
      return value
    }),
  }
  const { log, flushes } = auditLog({ db: flaky })
  await appendMany(log, 1, 10)

  failAfterInsert = true
  const failed = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => log.append(entry(100 + i))))
  t.ok(failed.every((r) => r.status === 'rejected'), 'every append of the failed batches rejected')
  const reason = (failed[0] as PromiseRejectedResult).reason as GatewayError
  t.ok(reason instanceof GatewayError)
  t.strictSame([reason.status, reason.code], [503, 'AUDIT_UNAVAILABLE'])
  t.match(String((reason.cause as Error).message), /injected commit failure/)
  t.ok(flushes.some((f) => !f.ok), 'onFlush reported the failure')
  t.strictSame(await seqs(db), range(1, 10), 'nothing of the failed batches was written')

  failAfterInsert = false
  const later = await appendMany(log, 200, 10)
  t.strictSame(later.map((r) => r.seq).sort((a, b) => a - b), range(11, 20), 'no seq was lost to the rollback')

  // A real failure: the table is gone for a while (e.g. a botched manual operation).
  await db.query('ALTER TABLE audit_log RENAME TO audit_log_away')
  await t.rejects(log.append(entry(300)), { code: 'AUDIT_UNAVAILABLE' })
  await db.query('ALTER TABLE audit_log_away RENAME TO audit_log')
  const recovered = await log.append(entry(301))
  t.equal(recovered.seq, 21)
  t.strictSame(await verifyAuditChain(db, { chainKey: CHAIN }), { ok: true, checked: 21, head: recovered })
})

both('two audit logs ("replicas") on one database keep one intact chain', async (t, kind) => {
  const { db, replica, auditLog } = await openFixture(t, kind)
  const a = auditLog({ maxBatch: 64 })
  const b = auditLog({ db: await replica(), maxBatch: 64 })
  const results = await Promise.all([
    appendMany(a.log, 1, 1000, { client: 'replica-a' }),
    appendMany(b.log, 1001, 1000, { client: 'replica-b' }),
  ])
  t.strictSame(results.flat().map((r) => r.seq).sort((x, y) => x - y), range(1, 2000))
  t.ok(a.flushes.length > 1 && b.flushes.length > 1, 'both wrote several batches')
  const verified = await verifyAuditChain(db, { chainKey: CHAIN })
  t.strictSame([verified.ok, verified.checked, verified.firstBroken], [true, 2000, undefined])
})

both('a batch stuck behind the chain lock fails after lockTimeoutMs instead of hanging', async (t, kind) => {
  const { db, replica, auditLog } = await openFixture(t, kind)
  const { log } = auditLog({ lockTimeoutMs: 100 })
  let release!: () => void
  const released = new Promise<void>((resolve) => (release = resolve))
  let locked!: () => void
  const lockTaken = new Promise<void>((resolve) => (locked = resolve))
  // Another replica's batch holding the lock (on PGlite: the one connection, busy in a transaction).
  const holder = (await replica()).transaction(async (tx) => {
    await tx.query(ADVISORY_XACT_LOCK_SQL, [LockPurpose.auditChain])
    locked()
    await released
  })
  await lockTaken
  const waiting = log.append(entry(1))
  if (kind === 'postgres') {
    const started = Date.now()
    await t.rejects(waiting, { code: 'AUDIT_UNAVAILABLE' })
    t.ok(Date.now() - started < 2000, 'failed quickly')
    release()
    await holder
    t.equal((await log.append(entry(2))).seq, 1, 'works once the lock is free')
  } else {
    setTimeout(release, 300)
    t.equal((await waiting).seq, 1, 'PGlite queues the batch behind the open transaction')
    await holder
  }
  t.equal((await verifyAuditChain(db, { chainKey: CHAIN })).ok, true)
})

both('close() flushes what is pending, then refuses new appends', async (t, kind) => {
  const { db, auditLog } = await openFixture(t, kind)
  const { log } = auditLog({ maxWaitMs: 50 })
  const pending = Array.from({ length: 5 }, (_, i) => log.append(entry(i + 1)))
  await log.close()
  t.strictSame((await Promise.all(pending)).map((r) => r.seq), [1, 2, 3, 4, 5])
  await t.rejects(log.append(entry(6)), { code: 'AUDIT_UNAVAILABLE', message: /audit log is closed/ })
  await log.close()
  t.strictSame(await seqs(db), [1, 2, 3, 4, 5])
})

both('one bad entry is rejected alone; odd text is stored so that it still verifies', async (t, kind) => {
  const { db, auditLog } = await openFixture(t, kind)
  const { log } = auditLog()
  const [good, bad, odd, noSubject] = await Promise.allSettled([
    log.append(entry(1)),
    log.append(entry(2, { at: new Date('nonsense') })),
    log.append(entry(3, { purpose: 'nul\u0000 and lone \ud800 surrogate; tiếng Việt' })),
    log.append(entry(4, { subject: null })),
  ])
  t.strictSame([good.status, bad.status, odd.status, noSubject.status], ['fulfilled', 'rejected', 'fulfilled', 'fulfilled'])
  t.match((bad as PromiseRejectedResult).reason, { name: 'TypeError', message: /at must be a valid Date/ })
  t.strictSame(
    (await db.query('SELECT purpose, subject_hash, subject_masked FROM audit_log WHERE seq > 1 ORDER BY seq')).rows,
    [
      { purpose: 'nul\ufffd and lone \ufffd surrogate; tiếng Việt', subject_hash: subjectHash(KEY, personalId(3)), subject_masked: '062*******03' },
      { purpose: 'H01.01-250101-0001', subject_hash: null, subject_masked: null },
    ],
  )
  t.equal((await verifyAuditChain(db, { chainKey: CHAIN })).ok, true)
})

both('search filters by subject, officer, client and time, and pages by seq', async (t, kind) => {
  const { db, auditLog } = await openFixture(t, kind)
  const { log } = auditLog()
  // Sequential so seq follows n.
  for (let n = 1; n <= 30; n++) {
    await log.append(entry(n, { officerId: `CB00${n % 3}`, client: n % 2 ? 'odd-client' : 'even-client', subject: personalId(n % 5) }))
  }
  const seqsOf = async (query: Parameters<typeof searchAudit>[1]) => (await searchAudit(db, query)).records.map((r) => r.seq)
  t.strictSame(await seqsOf({ subjectHash: subjectHash(KEY, personalId(2)), limit: 100 }), [2, 7, 12, 17, 22, 27])
  t.strictSame(await seqsOf({ officerId: 'CB000', client: 'odd-client', limit: 100 }), [3, 9, 15, 21, 27])
  t.strictSame(await seqsOf({ from: entry(10).at, to: entry(13).at, limit: 100 }), [10, 11, 12], 'from inclusive, to exclusive')
  const first = await searchAudit(db, { client: 'even-client', limit: 10 })
  t.strictSame([first.records.map((r) => r.seq), first.nextAfterSeq], [range(1, 10).map((i) => i * 2), 20])
  const second = await searchAudit(db, { client: 'even-client', limit: 10, afterSeq: first.nextAfterSeq! })
  t.strictSame([second.records.map((r) => r.seq), second.nextAfterSeq], [[22, 24, 26, 28, 30], null])
  await t.rejects(searchAudit(db, { limit: 0 }), RangeError)
})
