/**
 * The PostgreSQL back end: a `pg` Pool whose every connection has `search_path` set to the
 * configured schema (a startup parameter, so it holds from the first statement on and survives
 * ROLLBACK, unlike a SET issued after connecting). A URL with several hosts connects to the one
 * that takes writes (pg-hosts.ts); a COMMIT whose answer was lost fails with 08007, never as if
 * it had not happened, so no caller retries it blindly or reports it either way.
 */
import pg from 'pg'
import type { Logger } from 'pino'
import type { Db, Queryable, QueryOptions, QueryResult } from './types.js'
import { quoteSchema, typeParsers } from './type-parsers.js'
import { failoverClients, parsePostgresUrl } from './pg-hosts.js'
import { CommitOutcomeUnknownError, isConnectionFailure } from './errors.js'

export interface PostgresDbOptions {
  url: string
  /** Schema for every table; created when missing. Default `public`. */
  schema?: string
  log?: Logger
  /** Connections in the pool; default 10. */
  poolSize?: number
  /** How long to wait for a free or new connection before failing, in ms; default 10000. */
  connectTimeoutMs?: number
  /** Create nothing (not even the schema) and run every transaction read-only (audit:verify). */
  readOnly?: boolean
  /** Honour `QueryOptions.prepare` (default true); false behind a pooler that cannot carry named prepared statements. */
  preparedStatements?: boolean
}

/**
 * The `application_name` of every connection: names the hub and its schema in pg_stat_activity,
 * so an operator (or a fault test) can tell this hub's sessions from other clients'.
 */
export const applicationName = (schema: string) => `lgsp-hub ${schema}`.slice(0, 63)

const customTypes = {
  getTypeParser(oid: number, format?: string) {
    const parser = typeParsers[oid]
    if (parser && format !== 'binary') return parser
    return (pg.types.getTypeParser as (oid: number, format?: string) => unknown)(oid, format)
  },
} as pg.CustomTypesConfig

export async function createPostgresDb(options: PostgresDbOptions): Promise<Db> {
  const schema = options.schema ?? 'public'
  const quoted = quoteSchema(schema)
  const target = parsePostgresUrl(options.url)
  const connectTimeoutMs = options.connectTimeoutMs ?? 10_000
  // audit:verify only reads: any host will do (its sessions are read-only by design).
  const attrs = options.readOnly ? 'any' : target.targetSessionAttrs
  // The URL's own options first, the hub's last: a later `-c` of the same name wins.
  const sessionOptions = `${target.options ? `${target.options} ` : ''}-c search_path=${quoted}${options.readOnly ? ' -c default_transaction_read_only=on' : ''}`
  const failover = target.hosts.length > 1 || attrs !== 'any'
    ? failoverClients({ ...target, targetSessionAttrs: attrs }, { config: { connectionString: target.url, application_name: applicationName(schema), options: sessionOptions }, probeTimeoutMs: Math.min(connectTimeoutMs, 5000), log: options.log })
    : undefined
  const pool = new pg.Pool({
    connectionString: target.url,
    ...(failover && { Client: failover.Client }),
    max: options.poolSize ?? 10,
    // Without a bound a dead database makes callers (and the audit log) hang instead of failing.
    connectionTimeoutMillis: connectTimeoutMs,
    options: sessionOptions,
    application_name: applicationName(schema),
    types: customTypes,
  })
  // An idle client losing its connection emits here; unhandled it would crash the process.
  pool.on('error', function onIdleClientError(err) {
    failover?.invalidate()
    options.log?.error({ err }, 'idle PostgreSQL connection failed; the pool will replace it')
  })
  // A checked-out client (inside a transaction, between two statements) emits on itself, where
  // the pool listens no more: without this listener a database restart killed the process. The
  // transaction's next statement fails and its connection is destroyed, not pooled.
  pool.on('connect', function listenForClientErrors(client) {
    client.on('error', function onClientError(err) {
      failover?.invalidate()
      options.log?.warn({ err }, 'PostgreSQL connection lost while in use')
    })
  })

  try {
    if (!options.readOnly) await ensureSchema(pool, quoted)
  } catch (err) {
    await pool.end().catch(() => undefined) // the first error is the one to report
    throw err
  }

  const preparing = options.preparedStatements !== false
  /** A named statement (prepared once per connection) when asked for and allowed, else the text. */
  const statement = (sql: string, params: unknown[] | undefined, q: QueryOptions | undefined) =>
    (preparing && q?.prepare ? { name: q.prepare, text: sql, values: params } : sql)

  async function query<R>(sql: string, params?: unknown[], options?: QueryOptions): Promise<QueryResult<R>> {
    const result = await pool.query(statement(sql, params, options), params)
    return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 }
  }

  async function transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await pool.connect()
    let open = true
    let broken: Error | undefined
    const tx: Queryable = {
      async query<R>(sql: string, params?: unknown[], options?: QueryOptions) {
        if (!open) throw new Error('This transaction has already ended; run the query inside its callback')
        const result = await client.query(statement(sql, params, options), params)
        return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 }
      },
    }
    try {
      await client.query('BEGIN')
      const value = await fn(tx)
      try {
        await client.query('COMMIT')
      } catch (err) {
        // Sent, but no answer: it may have committed. Neither accepted nor refused (08007).
        if (isConnectionFailure(err)) throw new CommitOutcomeUnknownError(err)
        throw err
      }
      return value
    } catch (err) {
      // A write on a host that is now a standby: this connection is useless, find the primary.
      if ((err as { code?: unknown }).code === '25006') {
        broken = err as Error
        failover?.invalidate()
      }
      try {
        await client.query('ROLLBACK')
      } catch (rollbackErr) {
        // The connection is unusable (e.g. the server went away): destroy it, do not pool it.
        broken = rollbackErr as Error
      }
      throw err
    } finally {
      open = false
      client.release(broken)
    }
  }

  return {
    kind: 'postgres',
    query,
    transaction,
    async ping() {
      await pool.query('SELECT 1')
    },
    async close() {
      if (pool.ended || pool.ending) return
      await pool.end()
    },
  }
}

async function ensureSchema(pool: pg.Pool, quoted: string): Promise<void> {
  try {
    await pool.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`)
  } catch (err) {
    // Two replicas creating the schema at the same instant: one loses with a duplicate error.
    const code = (err as { code?: string }).code
    if (code !== '42P06' && code !== '23505') throw err
  }
}
