/**
 * Finding 5, the operator's half: the hub's own database role owned `audit_log` and could disable
 * its append-only trigger. docs/security.md gives the SQL that hands the table, its trigger
 * function and the schema to a role the hub cannot become; this test runs that block as written
 * there (names swapped for a private schema and private roles) and checks that the hub still
 * boots and appends, and can no longer change, remove or unprotect a record.
 */
import t from 'tap'
import { readFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { TEST_DATABASE_URL } from '../../helpers/hub.js'
import { openDatabase } from '../../../src/db/migrate.js'
import { createAuditLog } from '../../../src/audit/audit-log.js'
import { chainKeyFrom } from '../../../src/audit/chain.js'
import { verifyAuditChain } from '../../../src/audit/verify.js'
import type { Db } from '../../../src/db/types.js'

const KEY = 'test-audit-key-0123456789'

/** The statements of the SQL block under "Database roles" in docs/security.md, comments dropped. */
function documentedStatements(): string[] {
  const doc = readFileSync(new URL('../../../docs/security.md', import.meta.url), 'utf8')
  const section = doc.slice(doc.indexOf('**Database roles'))
  const block = /```sql\n([\s\S]*?)```/.exec(section)![1]!
  return block.split('\n').map((l) => l.replace(/--.*$/, '').trim()).join(' ').split(';').map((s) => s.trim()).filter(Boolean)
}

async function append(db: Db, n: number): Promise<void> {
  const log = createAuditLog({ db, hashKey: KEY, maxWaitMs: 0 })
  await log.append({ at: new Date(), requestId: `req-role-${n}`, client: 'one-stop', officerId: 'CB-1', purpose: 'HS-1', connector: 'population', operation: 'lookup', subject: '062090001234', outcome: 'ok', latencyMs: 3 })
  await log.close()
}

const sqlState = (p: Promise<unknown>) => p.then(() => 'done', (err: { code?: string }) => err.code ?? 'error')

t.test('the documented role split leaves the hub able to append and nothing more', async (t) => {
  const suffix = randomBytes(4).toString('hex')
  const [schema, hubRole, ownerRole, password] = [`t_role_${suffix}`, `lgsp_t_hub_${suffix}`, `lgsp_t_audit_${suffix}`, randomBytes(12).toString('hex')]
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL })
  await admin.connect()
  const dbName = (await admin.query<{ d: string }>('SELECT current_database() AS d')).rows[0]!.d
  const hubUrl = new URL(TEST_DATABASE_URL)
  hubUrl.username = hubRole
  hubUrl.password = password
  const open: Db[] = []
  t.teardown(async () => {
    for (const db of open) await db.close().catch(() => undefined)
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
    for (const role of [hubRole, ownerRole]) {
      if ((await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])).rowCount === 0) continue
      await admin.query(`DROP OWNED BY ${role}`)
      await admin.query(`DROP ROLE ${role}`)
    }
    await admin.end()
  })
  // The hub's login role, as an operator creates it: it may create its schema, nothing else.
  await admin.query(`CREATE ROLE ${hubRole} LOGIN NOSUPERUSER PASSWORD '${password}'`)
  await admin.query(`GRANT CREATE ON DATABASE "${dbName}" TO ${hubRole}`)
  const boot = async () => {
    const db = await openDatabase({ url: hubUrl.href, schema, poolSize: 1 })
    open.push(db)
    return db
  }

  // First boot: the hub migrates and owns everything, so it can switch the trigger off.
  const first = await boot()
  await append(first, 1)
  t.equal(await sqlState(first.query('ALTER TABLE audit_log DISABLE TRIGGER USER')), 'done', 'before the split the hub can disable the trigger')
  await first.query('ALTER TABLE audit_log ENABLE TRIGGER USER')
  await first.close()
  open.length = 0

  const rename = (s: string) => s.replace(/\blgsp_hub\b/g, hubRole).replace(/\baudit_owner\b/g, ownerRole).replace(/\blgsp\./g, `${schema}.`).replace(/\bSCHEMA lgsp\b/g, `SCHEMA ${schema}`)
  const statements = documentedStatements().map(rename)
  t.ok(statements.length >= 5, `${statements.length} statements from docs/security.md`)
  for (const s of statements) await admin.query(s)

  // Later boots under the split: the hub still starts (migrations checked) and appends.
  const db = await boot()
  await append(db, 2)
  const verified = await verifyAuditChain(db, { chainKey: chainKeyFrom({ hashKey: KEY }) })
  t.match(verified, { ok: true, checked: 2, head: { seq: 2 } }, 'the hub appends and reads its chain')

  const attempts: Record<string, string> = {
    update: 'UPDATE audit_log SET purpose = \'forged\' WHERE seq = 1',
    delete: 'DELETE FROM audit_log WHERE seq = 2',
    truncate: 'TRUNCATE audit_log',
    'disable trigger': 'ALTER TABLE audit_log DISABLE TRIGGER USER',
    'drop trigger': 'DROP TRIGGER audit_log_append_only ON audit_log',
    'replace trigger function': 'CREATE OR REPLACE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN OLD; END $$',
    'rename table': 'ALTER TABLE audit_log RENAME TO audit_log_old',
    'drop table': 'DROP TABLE audit_log',
    'take the schema': `ALTER SCHEMA ${schema} OWNER TO ${hubRole}`,
  }
  const outcomes: Record<string, string> = {}
  for (const [what, sql] of Object.entries(attempts)) outcomes[what] = await sqlState(db.query(sql))
  t.strictSame(outcomes, Object.fromEntries(Object.keys(attempts).map((k) => [k, '42501'])), 'every change is refused for lack of privilege')
  t.match(await verifyAuditChain(db, { chainKey: chainKeyFrom({ hashKey: KEY }) }), { ok: true, checked: 2 }, 'the chain is as it was')

  // A release that migrates audit_log: the operator lends the owner role for one start.
  const migration = 'CREATE INDEX audit_log_role_test_idx ON audit_log (client, seq)'
  t.equal(await sqlState(db.query(migration)), '42501', 'a migration of audit_log fails without the owner role')
  await admin.query(`GRANT ${ownerRole} TO ${hubRole}`)
  t.equal(await sqlState(db.query(migration)), 'done', 'and runs while the hub holds it')
  await admin.query(`REVOKE ${ownerRole} FROM ${hubRole}`)
  t.equal(await sqlState(db.query('ALTER TABLE audit_log DISABLE TRIGGER USER')), '42501', 'taken back after')
})
