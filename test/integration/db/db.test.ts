/**
 * The database layer on BOTH back ends: every case runs on PGlite (in memory) and on PostgreSQL
 * (in a random schema dropped in teardown), each in its own random schema.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import t, { type Test } from 'tap'
import { createDb, type DbOptions } from '../../../src/db/create-db.js'
import { migrate } from '../../../src/db/migrate.js'
import { migrations } from '../../../src/db/migrations/index.js'
import type { Db } from '../../../src/db/types.js'
import { pgliteTemplate } from '../../helpers/pglite-template.js'

const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
type Kind = 'pglite' | 'postgres'

interface Fixture {
  db: Db
  schema: string
  /** Another handle on the same database: a second pool ("replica") on PostgreSQL; PGlite has one. */
  replica(): Promise<Db>
}

async function openFixture(t: Test, kind: Kind, extra: DbOptions = {}): Promise<Fixture> {
  const schema = `t_${randomBytes(5).toString('hex')}`
  // PGlite: loaded from an empty cluster's dump (initdb in WASM costs seconds), in a schema of its own as on PostgreSQL.
  const options: DbOptions = kind === 'postgres' ? { url: PG_URL, schema, poolSize: 4 } : extra.pgliteDir ? { schema } : { pgliteDir: 'memory://', pgliteDump: await pgliteTemplate('empty'), schema }
  const db = await createDb({ ...options, ...extra })
  const replicas: Db[] = []
  t.teardown(async () => {
    for (const replica of replicas) await replica.close()
    if (kind === 'postgres') await db.query(`DROP SCHEMA ${schema} CASCADE`)
    await db.close()
  })
  return {
    db,
    schema,
    async replica() {
      if (kind === 'pglite') return db
      const replica = await createDb({ ...options, ...extra })
      replicas.push(replica)
      return replica
    },
  }
}

function both(name: string, fn: (t: Test, kind: Kind) => Promise<void>): void {
  for (const kind of ['pglite', 'postgres'] as const) t.test(`${name} [${kind}]`, (t) => fn(t, kind))
}

both('migrations apply once, even from two replicas booting together', async (t, kind) => {
  const { db, schema, replica } = await openFixture(t, kind)
  const other = await replica()
  const applied = await Promise.all([migrate(db), migrate(other)])
  t.strictSame(applied.flat(), migrations.map((m) => m.id), 'each migration applied exactly once')
  t.strictSame(await migrate(db), [], 'second run is a no-op')
  t.strictSame(
    (await db.query('SELECT id, name FROM schema_migrations ORDER BY id')).rows,
    migrations.map((m) => ({ id: m.id, name: m.name })),
  )
  t.strictSame(
    (await db.query(`SELECT table_schema, table_name FROM information_schema.tables
      WHERE table_name IN ('audit_log', 'schema_migrations')
        -- tests, benchmarks and scripts/sync-scale-check.ts running in parallel own their t_* / bench_* / scale_*
        -- schemas; anything else would be a leak
        AND (table_schema = $1 OR (table_schema NOT LIKE 't\\_%' AND table_schema NOT LIKE 'bench\\_%' AND table_schema NOT LIKE 'scale\\_%'))
      ORDER BY table_schema, table_name`, [schema])).rows,
    [{ table_schema: schema, table_name: 'audit_log' }, { table_schema: schema, table_name: 'schema_migrations' }],
    'tables live in the configured schema only',
  )
})

both('a failing migration leaves the schema untouched', async (t, kind) => {
  const { db } = await openFixture(t, kind)
  await migrate(db)
  const broken = [...migrations, { id: 999, name: 'broken', statements: ['CREATE TABLE half_done (a int)', 'SELECT no_such_function()'] }]
  await t.rejects(migrate(db, { migrations: broken }), /no_such_function/)
  t.strictSame((await db.query("SELECT to_regclass('half_done') AS t")).rows, [{ t: null }])
  t.strictSame((await db.query('SELECT id FROM schema_migrations ORDER BY id')).rows, migrations.map((m) => ({ id: m.id })))
})

both('concurrent transactions do not interleave', async (t, kind) => {
  const { db } = await openFixture(t, kind)
  await db.query('CREATE TABLE scratch (v text NOT NULL)')
  const events: string[] = []

  const failing = db.transaction(async (tx) => {
    events.push('a:begin')
    await tx.query("INSERT INTO scratch VALUES ('a1')")
    await sleep(30)
    await tx.query("INSERT INTO scratch VALUES ('a2')")
    events.push('a:end')
    throw new Error('roll A back')
  })
  await sleep(5)
  const committing = db.transaction(async (tx) => {
    events.push('b:begin')
    await tx.query("INSERT INTO scratch VALUES ('b')")
    events.push('b:end')
    return 'b done'
  })
  // A plain query issued while A is open must not become part of A.
  const plain = db.query("INSERT INTO scratch VALUES ('c')")

  await t.rejects(failing, /roll A back/)
  t.equal(await committing, 'b done', 'transaction returns its callback value')
  t.equal((await plain).rowCount, 1)
  t.strictSame((await db.query('SELECT v FROM scratch ORDER BY v')).rows, [{ v: 'b' }, { v: 'c' }], 'only A rolled back')
  if (kind === 'pglite') {
    // One connection: B must not start before A ended.
    t.strictSame(events, ['a:begin', 'a:end', 'b:begin', 'b:end'])
  }
})

both('a top-level call inside a transaction fails fast on PGlite instead of deadlocking', async (t, kind) => {
  const { db } = await openFixture(t, kind)
  const inner = db.transaction(async () => (await db.query<{ one: number }>('SELECT 1 AS one')).rows)
  if (kind === 'pglite') await t.rejects(inner, /would deadlock; use the tx handle/)
  else t.strictSame(await inner, [{ one: 1 }], 'PostgreSQL uses another pooled connection')
  t.strictSame((await db.query('SELECT 2 AS two')).rows, [{ two: 2 }], 'the database is still usable')
})

both('a transaction handle cannot be used after its transaction ended', async (t, kind) => {
  const { db } = await openFixture(t, kind)
  let leaked: { query(sql: string): Promise<unknown> } | undefined
  await db.transaction(async (tx) => {
    leaked = tx
  })
  await t.rejects(leaked!.query('SELECT 1'), /already ended/)
})

both('int8, int4, numeric, date and timestamptz read back the same on both back ends', async (t, kind) => {
  const { db } = await openFixture(t, kind)
  const { rows } = await db.query(`SELECT 9007199254740991::bigint AS big, (SELECT count(*) FROM (VALUES (1), (2)) v) AS n,
    7::int4 AS i, 1.50::numeric AS num, DATE '2025-01-31' AS d, $1::timestamptz AS at`, ['2025-03-04T05:06:07.089Z'])
  t.strictSame(rows, [{ big: 9007199254740991, n: 2, i: 7, num: '1.50', d: '2025-01-31', at: new Date('2025-03-04T05:06:07.089Z') }])
  await t.rejects(db.query('SELECT 9007199254740993::bigint AS too_big'), /outside the safe integer range/)
  t.strictSame((await db.query('SELECT 1 AS ok')).rows, [{ ok: 1 }], 'the connection survives a parse error')
})

both('rowCount counts affected rows for writes and returned rows for reads', async (t, kind) => {
  const { db } = await openFixture(t, kind)
  await db.query('CREATE TABLE scratch (v int NOT NULL)')
  t.equal((await db.query('INSERT INTO scratch VALUES (1), (2), (3)')).rowCount, 3)
  t.equal((await db.query('UPDATE scratch SET v = v + 10 WHERE v > 1')).rowCount, 2)
  t.equal((await db.query('SELECT v FROM scratch')).rowCount, 3)
  t.equal((await db.query('DELETE FROM scratch WHERE v > 100')).rowCount, 0)
})

both('data survives close and reopen; close is idempotent; ping works', async (t, kind) => {
  const dir = join(mkdtempSync(join(tmpdir(), 'lgsp-db-')), 'nested', 'pglite')
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const extra: DbOptions = kind === 'pglite' ? { pgliteDir: dir } : {}
  const { db, schema } = await openFixture(t, kind, extra)
  await migrate(db)
  await db.query('CREATE TABLE kept (v text)')
  await db.query("INSERT INTO kept VALUES ('still here')")

  const reopenOptions: DbOptions = kind === 'postgres' ? { url: PG_URL, schema } : { pgliteDir: dir, schema }
  if (kind === 'pglite') await db.close() // one process may open a PGlite directory at a time
  const reopened = await createDb(reopenOptions)
  t.teardown(() => reopened.close())
  await reopened.ping()
  t.strictSame(await migrate(reopened), [], 'already migrated')
  t.strictSame((await reopened.query('SELECT v FROM kept')).rows, [{ v: 'still here' }])
  await reopened.close()
  await reopened.close()
  await t.rejects(reopened.ping(), 'a closed database refuses work')
})

t.test('an invalid schema name is refused before it reaches SQL', async (t) => {
  await t.rejects(createDb({ pgliteDir: 'memory://', schema: 'x"; DROP TABLE y; --' }), /Invalid database schema name/)
  await t.rejects(createDb({ url: PG_URL, schema: 'Bad-Name' }), /Invalid database schema name/)
})
