/**
 * Finding 1: a PostgreSQL connection killed while a transaction holds it (between two
 * statements) emitted an unhandled 'error' and killed the process. Only this test's own sessions
 * are terminated (matched by application_name, which names the schema).
 */
import t from 'tap'
import { randomBytes } from 'node:crypto'
import { createPostgresDb } from '../../src/db/postgres.js'
import { TEST_DATABASE_URL } from '../helpers/hub.js'
import { terminateSessions } from '../helpers/pg-faults.js'
import { watchCrashes } from '../helpers/fault-hub.js'

t.test('a connection killed inside a transaction fails that transaction, not the process', async (t) => {
  const schema = `t_${randomBytes(5).toString('hex')}`
  const db = await createPostgresDb({ url: TEST_DATABASE_URL, schema, poolSize: 2 })
  t.teardown(async () => {
    await db.query(`DROP SCHEMA ${schema} CASCADE`)
    await db.close()
  })
  await db.query('CREATE TABLE kept (n int)')
  const crashes = watchCrashes(t)

  const outcome = await db.transaction(async (tx) => {
    await tx.query('INSERT INTO kept VALUES (1)')
    t.equal(await terminateSessions(schema), 1, 'the held session is terminated')
    await new Promise((r) => setTimeout(r, 300))
    await tx.query('INSERT INTO kept VALUES (2)')
  }).then(() => 'committed', (err: Error) => `failed: ${err.message.slice(0, 40)}`)

  t.match(outcome, /^failed: /, 'the transaction fails')
  t.strictSame(crashes, [], 'no unhandled error event')
  t.strictSame((await db.query('SELECT n FROM kept')).rows, [], 'nothing of it was committed; the pool serves new connections')
})
