/**
 * The embedded back end: PGlite (PostgreSQL compiled to WASM) in a directory or in memory.
 * It is one connection, so statements are serialized here; see SerialQueue.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import { existsSync, mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { PGlite, type Results } from '@electric-sql/pglite'
import type { Logger } from 'pino'
import type { Db, Queryable, QueryResult } from './types.js'
import { quoteSchema, typeParsers } from './type-parsers.js'
import { SerialQueue } from './serial-queue.js'
import { initdbInChild, needsInitdb } from './pglite-init.js'

export interface PgliteDbOptions {
  /** Data directory, created when missing, or `memory://` for a throw-away database. */
  dataDir: string
  /** Schema for every table; created when missing. Default `public`. */
  schema?: string
  log?: Logger
  /** Open an existing data directory without creating anything; every transaction read-only. */
  readOnly?: boolean
  /** PostgreSQL `shared_buffers` inside PGlite. Default `32MB` (PGlite's own default: 160 MB). */
  sharedBuffers?: string
}

/**
 * PGlite's default buffer cache is 160 MB of WASM memory, touched as it fills; the hub's embedded
 * ledger is for a single small deployment (production runs PostgreSQL), where 32 MB measured the
 * same speed and about 100 MB less RSS (bench/README.md, "embedded default").
 */
export const DEFAULT_PGLITE_SHARED_BUFFERS = '32MB'

function toResult<R>(result: Results<R>): QueryResult<R> {
  // PGlite reports affectedRows for writes and nothing useful for reads; pg's rowCount is both.
  return { rows: result.rows, rowCount: Math.max(result.affectedRows ?? 0, result.rows.length) }
}

export async function createPgliteDb(options: PgliteDbOptions): Promise<Db> {
  const quoted = quoteSchema(options.schema ?? 'public')
  const inMemory = options.dataDir.startsWith('memory://')
  const dataDir = inMemory ? options.dataDir : resolve(options.dataDir)
  const sharedBuffers = options.sharedBuffers ?? DEFAULT_PGLITE_SHARED_BUFFERS
  if (!/^\d{1,6}(kB|MB|GB)$/.test(sharedBuffers)) throw new Error(`PGlite sharedBuffers must look like 32MB, got ${sharedBuffers}`)
  if (options.readOnly && (inMemory || !existsSync(dataDir) || needsInitdb(dataDir))) throw new Error(`No PGlite database at ${options.dataDir}`)
  if (!inMemory) mkdirSync(dataDir, { recursive: true })
  if (!inMemory && needsInitdb(dataDir)) {
    options.log?.info({ dataDir }, 'creating the embedded PGlite database (first start)')
    await initdbInChild(dataDir)
  }

  const pglite = await PGlite.create(dataDir, {
    parsers: { ...typeParsers },
    startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${sharedBuffers}`],
  })
  try {
    await pglite.exec(options.readOnly
      ? `SET search_path TO ${quoted}; SET default_transaction_read_only = on;`
      : `CREATE SCHEMA IF NOT EXISTS ${quoted}; SET search_path TO ${quoted};`)
  } catch (err) {
    await pglite.close().catch(() => undefined) // the first error is the one to report
    throw err
  }
  options.log?.debug({ dataDir }, 'embedded PGlite database opened')

  const queue = new SerialQueue()
  // Marks code running inside one of our transactions, to turn a would-be deadlock (a top-level
  // call queued behind the transaction that awaits it) into an immediate, explanatory error.
  const insideTx = new AsyncLocalStorage<{ active: boolean }>()
  let closed = false

  function assertNotInsideTx(): void {
    if (insideTx.getStore()?.active) {
      throw new Error('db.query()/db.transaction() called inside a PGlite transaction would deadlock; use the tx handle')
    }
  }

  async function query<R>(sql: string, params?: unknown[]): Promise<QueryResult<R>> {
    assertNotInsideTx()
    return queue.run(async () => toResult(await pglite.query<R>(sql, params)))
  }

  async function transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    assertNotInsideTx()
    return queue.run(() =>
      pglite.transaction(async (inner) => {
        const marker = { active: true }
        const tx: Queryable = {
          async query<R>(sql: string, params?: unknown[]) {
            if (!marker.active) throw new Error('This transaction has already ended; run the query inside its callback')
            return toResult(await inner.query<R>(sql, params))
          },
        }
        try {
          return await insideTx.run(marker, () => fn(tx))
        } finally {
          marker.active = false
        }
      }),
    )
  }

  return {
    kind: 'pglite',
    query,
    transaction,
    async ping() {
      await query('SELECT 1')
    },
    async close() {
      if (closed) return
      closed = true
      // Queued behind in-flight work so nothing is cut off mid-transaction.
      await queue.run(() => pglite.close())
    },
  }
}
