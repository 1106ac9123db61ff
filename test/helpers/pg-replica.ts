/**
 * A PostgreSQL primary and a streaming replica on spare loopback ports, for the failover test:
 * initdb for the primary, `pg_basebackup -R` of it into a second temp data directory for the
 * replica, replication made synchronous once the replica streams (so a commit the hub was told
 * about is on the replica too, as a production failover setup requires). The primary can be
 * stopped and the replica promoted (`pg_ctl promote`), as a failover manager would. Both are
 * stopped and their directories removed in teardown. The shared server on 5432 is never touched.
 */
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { pgWorkspace } from './pg-cluster.js'
import { freePort } from './processes.js'

export interface PgPair {
  /** Both hosts, primary first, as libpq writes them, with target_session_attrs=read-write. */
  url: string
  primaryUrl: string
  replicaUrl: string
  stopPrimary(mode: 'fast' | 'immediate'): Promise<void>
  promoteReplica(): Promise<void>
  remove(): Promise<void>
}

const settings = (dir: string, port: number) =>
  `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c shared_buffers=16MB -c max_connections=40 -c wal_level=replica -c max_wal_senders=4 -c hot_standby=on -c wal_sender_timeout=5s`

async function query<R extends pg.QueryResultRow>(url: string, sql: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query<R>(sql)).rows
  } finally {
    await client.end()
  }
}

export async function startPgPair(): Promise<PgPair> {
  const { dir, pg: tool } = await pgWorkspace()
  const primaryDir = join(dir, 'primary')
  const replicaDir = join(dir, 'replica')
  const [primaryPort, replicaPort] = [await freePort(), await freePort()]
  const running = new Set<string>()
  const start = async (data: string, port: number, log: string) => {
    await tool('pg_ctl', ['-D', data, '-o', settings(dir, port), '-l', join(dir, log), '-w', 'start'])
    running.add(data)
  }
  const stop = async (data: string, mode: 'fast' | 'immediate') => {
    if (!running.has(data)) return
    running.delete(data)
    await tool('pg_ctl', ['-D', data, '-m', mode, '-w', 'stop'])
  }
  const remove = async () => {
    for (const data of [...running]) await stop(data, 'immediate').catch(() => undefined)
    rmSync(dir, { recursive: true, force: true })
  }
  const primaryUrl = `postgres://postgres@127.0.0.1:${primaryPort}/postgres`
  const replicaUrl = `postgres://postgres@127.0.0.1:${replicaPort}/postgres`
  try {
    await tool('initdb', ['-D', primaryDir, '-U', 'postgres', '--auth=trust', '-N', '-E', 'UTF8', '--locale=C'])
    await start(primaryDir, primaryPort, 'primary.log')
    await tool('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres', '-D', replicaDir, '-R', '-X', 'stream', '-c', 'fast'])
    await start(replicaDir, replicaPort, 'replica.log')
    const deadline = Date.now() + 20_000
    while ((await query<{ n: number }>(primaryUrl, `SELECT count(*)::int AS n FROM pg_stat_replication WHERE state = 'streaming'`))[0]!.n < 1) {
      if (Date.now() > deadline) throw new Error('the replica did not start streaming within 20 s')
      await new Promise((r) => setTimeout(r, 100))
    }
    // Synchronous from now on: a COMMIT returns once the replica has the WAL.
    await query(primaryUrl, `ALTER SYSTEM SET synchronous_standby_names = '*'`)
    await query(primaryUrl, 'SELECT pg_reload_conf()')
  } catch (err) {
    await remove()
    throw err
  }
  return {
    url: `postgres://postgres@127.0.0.1:${primaryPort},127.0.0.1:${replicaPort}/postgres?target_session_attrs=read-write`,
    primaryUrl,
    replicaUrl,
    stopPrimary: (mode) => stop(primaryDir, mode),
    async promoteReplica() {
      await tool('pg_ctl', ['-D', replicaDir, '-w', 'promote'])
    },
    remove,
  }
}
