/**
 * The two ways a failover breaks a write transaction (docs/high-availability.md, "Accepting work
 * across a switch"), made to happen exactly where they must: a proxy in front of the shared
 * PostgreSQL cuts the connection when a chosen statement arrives. Lost before COMMIT: the
 * transaction certainly did not commit and runs again on a new connection. Lost while COMMIT is in
 * flight: the outcome is unknown, so it fails with 08007 (answered 503, never 202) and is not
 * run again.
 */
import t from 'tap'
import { randomBytes } from 'node:crypto'
import { createPostgresDb } from '../../../src/db/postgres.js'
import { retryDuringFailover } from '../../../src/db/errors.js'
import { isLedgerUnavailable } from '../../../src/sync/accept-batch.js'
import { TEST_DATABASE_URL } from '../../helpers/hub.js'
import { cuttingProxy } from '../../helpers/pg-faults.js'

const shared = new URL(TEST_DATABASE_URL)

t.test('a connection lost before COMMIT is retried; one lost during COMMIT is 08007 and not retried', async (t) => {
  // Cuts the connection that sends the next chunk holding `cutAt`, once.
  let cutAt: string | undefined
  let cuts = 0
  const { port, crashes } = await cuttingProxy(t, (chunk) => {
    if (cutAt === undefined || !chunk.includes(cutAt)) return false
    cutAt = undefined
    cuts++
    return true
  })

  const schema = `t_${randomBytes(5).toString('hex')}`
  const auth = `${shared.username}${shared.password ? `:${shared.password}` : ''}`
  const url = `postgres://${auth}@127.0.0.1:${port}${shared.pathname}?target_session_attrs=read-write`
  const db = await createPostgresDb({ url, schema, poolSize: 2 })
  t.teardown(async () => {
    await db.query(`DROP SCHEMA ${schema} CASCADE`)
    await db.close()
  })
  await db.query('CREATE TABLE kept (what text)')
  const count = async (what: string) => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM kept WHERE what = $1', [what])).rows[0]!.n)

  // Lost before COMMIT: the INSERT never arrives; the second attempt, on a new connection, commits.
  let attempts = 0
  cutAt = 'before-commit'
  await retryDuringFailover(() => {
    attempts++
    return db.transaction(async (tx) => { await tx.query(`INSERT INTO kept VALUES ('before-commit')`) })
  }, 3000)
  t.equal(cuts, 1, 'the connection was cut at the INSERT')
  t.equal(attempts, 2, 'the transaction ran again')
  t.equal(await count('before-commit'), 1, 'committed once')

  // Lost while COMMIT is in flight: whether it committed is unknown to the hub; no second attempt.
  attempts = 0
  const err = await retryDuringFailover(() => {
    attempts++
    return db.transaction(async (tx) => {
      await tx.query(`INSERT INTO kept VALUES ('at-commit')`)
      cutAt = 'COMMIT'
    })
  }, 3000).then(() => undefined, (e: unknown) => e)
  t.equal(cuts, 2, 'the connection was cut at COMMIT')
  t.match(err, { name: 'CommitOutcomeUnknownError', code: '08007' }, 'the outcome is unknown: SQLSTATE 08007')
  t.equal(attempts, 1, 'not run again (it may have committed)')
  t.ok(isLedgerUnavailable(err), 'the accept path answers it 503 with Retry-After, never 202')
  t.equal(await count('at-commit'), 0, 'here the COMMIT never reached the server: nothing committed (and nothing was answered 202)')
  t.strictSame(crashes, [], 'no uncaught exception')
})
