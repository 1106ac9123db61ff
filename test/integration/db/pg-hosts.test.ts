/**
 * Several PostgreSQL hosts in one URL (src/db/pg-hosts.ts): the URL is read as libpq reads it,
 * and a connection goes to the first host whose session takes writes — checked against the
 * shared PostgreSQL (a primary) behind a closed port, and against sessions made read-only.
 */
import t from 'tap'
import { randomBytes } from 'node:crypto'
import { createPostgresDb } from '../../../src/db/postgres.js'
import { isConnectionFailure } from '../../../src/db/errors.js'
import { failoverClients, parsePostgresUrl, postgresUrlProblems } from '../../../src/db/pg-hosts.js'
import { freePort } from '../../helpers/processes.js'
import { TEST_DATABASE_URL } from '../../helpers/hub.js'
import { cuttingProxy } from '../../helpers/pg-faults.js'

t.test('URLs with several hosts are read as libpq reads them', async (t) => {
  t.strictSame(parsePostgresUrl('postgres://hub:pw@db1:5433,db2,[::1]:6000/ledger?sslmode=require&target_session_attrs=read-write'), {
    hosts: [{ host: 'db1', port: 5433 }, { host: 'db2', port: 5432 }, { host: '::1', port: 6000 }],
    targetSessionAttrs: 'read-write',
    url: 'postgres://hub:pw@db1:5433/ledger?sslmode=require',
  })
  t.equal(parsePostgresUrl('postgres://a,b/x').targetSessionAttrs, 'read-write', 'several hosts default to read-write (the ledger writes)')
  t.equal(parsePostgresUrl('postgresql://a/x').targetSessionAttrs, 'any', 'one host: as before')
  t.strictSame(postgresUrlProblems('postgres://a,b/x?target_session_attrs=standby'), ['config /database/url: target_session_attrs=standby is not supported: the ledger writes, use read-write (or primary)'])
  t.strictSame(postgresUrlProblems('mysql://a/x'), ['config /database/url: not a postgres:// or postgresql:// URL'])
  t.strictSame(postgresUrlProblems(undefined), [])
})

const shared = new URL(TEST_DATABASE_URL)
const withHosts = (hosts: string, query: string) => `postgres://${shared.username}${shared.password ? `:${shared.password}` : ''}@${hosts}${shared.pathname}?${query}`

t.test("the URL's options are kept, and the hub's schema still applies", async (t) => {
  t.strictSame(parsePostgresUrl('postgres://a/x?options=-c%20statement_timeout%3D1234&sslmode=disable'), {
    hosts: [{ host: 'a', port: 5432 }], targetSessionAttrs: 'any', url: 'postgres://a/x?sslmode=disable', options: '-c statement_timeout=1234',
  })
  // Before, pg let the URL's options replace the pool's: search_path was dropped and the ledger
  // was written into `public`.
  const schema = `t_opts_${randomBytes(4).toString('hex')}`
  const sep = TEST_DATABASE_URL.includes('?') ? '&' : '?'
  const db = await createPostgresDb({ url: `${TEST_DATABASE_URL}${sep}options=-c%20statement_timeout%3D1234%20-c%20search_path%3Dpublic`, schema })
  t.teardown(async () => {
    await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {})
    await db.close()
  })
  await db.query('CREATE TABLE probe (x int)')
  const { rows: [r] } = await db.query<{ search_path: string; timeout: string }>(
    "SELECT (SELECT relnamespace::regnamespace::text FROM pg_class WHERE oid = 'probe'::regclass) AS search_path, current_setting('statement_timeout') AS timeout")
  t.equal(r!.timeout, '1234ms', "the URL's own setting is applied")
  t.equal(r!.search_path, schema, "the hub's schema wins over a search_path in the URL (a table lands there, not in public)")
})

t.test('a connection skips a host that is down and takes the first that accepts writes', async (t) => {
  const closed = await freePort()
  const schema = `t_${randomBytes(5).toString('hex')}`
  const db = await createPostgresDb({ url: withHosts(`127.0.0.1:${closed},${shared.host}`, 'target_session_attrs=read-write'), schema, poolSize: 2 })
  t.teardown(async () => {
    await db.query(`DROP SCHEMA ${schema} CASCADE`)
    await db.close()
  })
  await db.transaction(async (tx) => { await tx.query('CREATE TABLE kept (n int)') })
  await db.query('INSERT INTO kept VALUES (1)')
  t.strictSame((await db.query('SELECT n FROM kept')).rows, [{ n: 1 }], 'reads and writes go to the host that takes them')
})

t.test('no host takes writes: a connection failure (503), never a read-only session', async (t) => {
  const readOnly = 'options=' + encodeURIComponent('-c default_transaction_read_only=on')
  const err = await createPostgresDb({ url: withHosts(shared.host, `${readOnly}&target_session_attrs=read-write`), schema: 'public' }).then(() => undefined, (e: unknown) => e)
  t.match(err, { code: '08001', message: /No PostgreSQL host accepts writes now .*does not accept writes/ }, 'refused with SQLSTATE 08001, naming each host and why')
  t.ok(isConnectionFailure(err), 'classified as the database being unavailable (answered 503)')
  const target = parsePostgresUrl(withHosts(shared.host, `${readOnly}&target_session_attrs=primary`))
  const { Client } = failoverClients(target, { config: { connectionString: target.url, options: target.options }, probeTimeoutMs: 2000 })
  const client = new Client({ connectionString: target.url, options: target.options })
  await client.connect()
  t.teardown(() => client.end())
  t.strictSame((await client.query(`SELECT current_setting('transaction_read_only') AS ro`)).rows, [{ ro: 'on' }], 'target_session_attrs=primary only asks for a server that is not a standby')
})

t.test('the new primary stops between the handshake and the write check: the connection fails, the process lives', async (t) => {
  // A proxy in front of the shared PostgreSQL that lets the first connection (the host probe)
  // through and cuts every later one when its write check arrives: the server "stops" right
  // after the handshake. pg then emits 'error' on a client no one listens to yet (pg-pool adds its
  // listener only once connect() returns); unheard, that was an uncaught exception.
  const { port, connections, crashes } = await cuttingProxy(t, (chunk, n) => n > 1 && chunk.includes('pg_is_in_recovery'))

  const target = parsePostgresUrl(withHosts(`127.0.0.1:${port}`, 'target_session_attrs=read-write'))
  const { Client } = failoverClients(target, { config: { connectionString: target.url, options: target.options }, probeTimeoutMs: 2000 })
  const client = new Client({ connectionString: target.url, options: target.options })
  const err = await client.connect().then(() => undefined, (e: unknown) => e)
  t.match(err, { message: /Connection terminated/ }, 'connect() rejects with the lost connection')
  t.ok(isConnectionFailure(err), 'classified as the database being unavailable (answered 503)')
  await new Promise((r) => setTimeout(r, 50))
  t.strictSame(crashes, [], 'no uncaught exception')
  t.equal(connections(), 2, 'the probe, then the connection that was cut')
})
