/**
 * Finding 5: a forger who edits a row and recomputes every following link with plain SHA-256 was
 * told "intact"; deleting the newest rows was "intact"; `audit:verify` against a mistyped schema
 * ran the migrations and printed "intact: 0 records"; it printed no head to anchor.
 * On PostgreSQL in a private schema; the attacker is the test's superuser connection.
 */
import t from 'tap'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openTestDb } from '../../helpers/db.js'
import { TEST_DATABASE_URL } from '../../helpers/hub.js'
import { createAuditLog } from '../../../src/audit/audit-log.js'
import { canonicalRecord, chainKeyFrom, recordHash, GENESIS_HASH } from '../../../src/audit/chain.js'
import { verifyAuditChain } from '../../../src/audit/verify.js'
import { checkCheckpoints, checkpointLine, signCheckpoint } from '../../../src/audit/checkpoint.js'
import { searchAudit } from '../../../src/audit/search.js'
import { runAuditVerify } from '../../../src/audit/verify-command.js'
import { loadConfig } from '../../../src/config/load.js'
import type { Db } from '../../../src/db/types.js'
import { createHash } from 'node:crypto'

const KEY = 'test-audit-key-0123456789'
const CHAIN = chainKeyFrom({ hashKey: KEY })

async function fill(db: Db, n: number): Promise<void> {
  const log = createAuditLog({ db, hashKey: KEY, maxWaitMs: 0 })
  for (let i = 1; i <= n; i++) {
    await log.append({ at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)), requestId: `req-${i}`, client: 'one-stop', officerId: 'CB-1', purpose: 'HS-1', connector: 'population', operation: 'lookup', subject: `06209000${String(i).padStart(4, '0')}`, outcome: 'ok', latencyMs: 3 })
  }
  await log.close()
}

/** What the attack run did: edit row `from`, then re-link every row after it as plain SHA-256. */
async function forgeFrom(db: Db, from: number, edit: string, format: 1 | 2, key?: string): Promise<void> {
  await db.query('ALTER TABLE audit_log DISABLE TRIGGER USER')
  const { records } = await searchAudit(db, { afterSeq: 0, limit: 1000 })
  let prev = records.find((r) => r.seq === from - 1)?.hash ?? GENESIS_HASH
  for (const r of records.filter((x) => x.seq >= from)) {
    const fields = { ...r, purpose: r.seq === from ? edit : r.purpose, prevHash: prev, chainFormat: format }
    const hash = format === 1 ? createHash('sha256').update(canonicalRecord(fields)).digest('hex') : recordHash(fields, key)
    await db.query('UPDATE audit_log SET purpose = $2, prev_hash = $3, hash = $4, chain_format = $5 WHERE seq = $1', [r.seq, fields.purpose, prev, hash, format])
    prev = hash
  }
}

t.test('an edited row re-linked without the chain key is found', async (t) => {
  const { db } = await openTestDb(t, 'postgres')
  await fill(db, 10)
  t.strictSame((await verifyAuditChain(db, { chainKey: CHAIN })).head?.seq, 10)
  await forgeFrom(db, 6, 'edited', 1)
  t.strictSame((await verifyAuditChain(db, { chainKey: CHAIN })).firstBroken, { seq: 6, reason: 'format_downgrade' }, 'plain SHA-256 links after keyed ones')
  await forgeFrom(db, 6, 'edited', 2, 'a-guessed-key-of-the-forger')
  t.strictSame((await verifyAuditChain(db, { chainKey: CHAIN })).firstBroken, { seq: 6, reason: 'hash_mismatch' }, 'links under another key')
})

t.test('a chain of unkeyed records from before the migration stays verifiable and continues keyed', async (t) => {
  const { db } = await openTestDb(t, 'postgres')
  await fill(db, 4)
  await forgeFrom(db, 1, 'HS-1', 1) // the rows as an earlier release wrote them
  await db.query('ALTER TABLE audit_log ENABLE TRIGGER USER')
  await fill(db, 3)
  const result = await verifyAuditChain(db, { chainKey: CHAIN })
  t.match(result, { ok: true, checked: 7, unkeyed: 4, head: { seq: 7 } })
})

t.test('a signed checkpoint outside the database detects truncation and rewriting', async (t) => {
  const { db } = await openTestDb(t, 'postgres')
  await fill(db, 8)
  const head = (await verifyAuditChain(db, { chainKey: CHAIN })).head!
  const file = checkpointLine(signCheckpoint(head, CHAIN))
  t.strictSame(await checkCheckpoints(db, file, CHAIN, head), [], 'holds while untouched')
  await db.query('ALTER TABLE audit_log DISABLE TRIGGER USER')
  await db.query('DELETE FROM audit_log WHERE seq > 5')
  const shorter = await verifyAuditChain(db, { chainKey: CHAIN })
  t.equal(shorter.ok, true, 'the shorter chain alone still verifies')
  t.strictSame(await checkCheckpoints(db, file, CHAIN, shorter.head!), [{ line: 1, seq: 8, reason: 'truncated' }])
  const early = checkpointLine(signCheckpoint({ seq: 3, hash: (await searchAudit(db, { afterSeq: 2, limit: 1 })).records[0]!.hash }, CHAIN))
  await forgeFrom(db, 2, 'rewritten', 2, CHAIN) // even with the key: the anchored hash changed
  t.strictSame(await checkCheckpoints(db, early, CHAIN, { seq: 5 }), [{ line: 1, seq: 3, reason: 'rewritten' }])
  t.strictSame(await checkCheckpoints(db, early.replace(/"mac":"(.)/, (_, c: string) => `"mac":"${c === '0' ? '1' : '0'}`), CHAIN, { seq: 5 }), [{ line: 1, seq: 3, reason: 'bad_signature' }])
})

t.test('audit:verify is read-only, refuses a schema without the table, prints and anchors the head', async (t) => {
  const { db, schema } = await openTestDb(t, 'postgres')
  await fill(db, 3)
  const dir = mkdtempSync(join(tmpdir(), 'lgsp-anchor-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const run = async (schemaName: string, args: string[] = []) => {
    const lines: string[] = []
    const config = loadConfig({ env: {}, overrides: { database: { url: TEST_DATABASE_URL, schema: schemaName }, audit: { hashKey: KEY } } })
    const code = await runAuditVerify(config, args, { write: (s: string) => lines.push(s) })
    return { code, out: lines.join('') }
  }
  const typo = `${schema}_typo`
  t.strictSame(await run(typo), { code: 2, out: `no audit_log table in schema "${typo}": a mistyped schema or a database the hub never started on; nothing was created or changed\n` })
  t.strictSame((await db.query('SELECT 1 FROM information_schema.schemata WHERE schema_name = $1', [typo])).rows, [], 'the mistyped schema was not created')
  const head = (await verifyAuditChain(db, { chainKey: CHAIN })).head!
  const file = join(dir, 'anchors.jsonl')
  t.strictSame(await run(schema, ['--checkpoint', file, '--anchor']), { code: 0, out: `audit chain intact: 3 records checked\nhead: seq=3 hash=${head.hash}\nanchored seq=3 in ${file}\n` })
  t.match(JSON.parse(readFileSync(file, 'utf8')), { seq: 3, hash: head.hash })
  await db.query('ALTER TABLE audit_log DISABLE TRIGGER USER')
  await db.query('DELETE FROM audit_log WHERE seq = 3')
  const after = await run(schema, ['--checkpoint', file])
  t.equal(after.code, 1, 'a truncation after anchoring fails the check')
  t.match(after.out, `checkpoint ${file}:1 (seq=3) FAILS: truncated`)
  writeFileSync(file, '')
})
