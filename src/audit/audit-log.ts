/**
 * The audit log writer, with group commit: records arriving while one batch is being committed
 * gather into the next batch, so throughput follows load (one transaction carries many records)
 * while a lone request waits at most about `maxWaitMs` before its batch starts.
 *
 * Each batch is one transaction: take the chain lock (replicas sharing a database keep one
 * chain; not needed on PGlite, a single in-process connection), read the chain head, link the batch onto it, insert every row in one INSERT, commit.
 * The head is read inside the lock every time rather than cached, so another replica's writes
 * and a failed batch need no special handling: a rolled-back batch simply never happened.
 */
import type { Logger } from 'pino'
import type { Db } from '../db/types.js'
import { ADVISORY_XACT_LOCK_WITH_TIMEOUT_SQL, LockPurpose } from '../db/locks.js'
import { GatewayError } from '../errors.js'
import { GENESIS_HASH, chainKeyFrom, chainRecords } from './chain.js'
import { createGroupCommitter } from '../db/group-commit.js'
import { AUDIT_COLUMNS, recordToParams } from './record-row.js'
import { toStoredEntry, type StoredEntry } from './stored-entry.js'
import type { AppendResult, AuditEntry, AuditLog, AuditRecord } from './types.js'

export interface FlushInfo {
  /** Records in the batch. */
  size: number
  /** Transaction duration, in ms. */
  ms: number
  /** false when the transaction failed and every append of the batch was rejected. */
  ok: boolean
}

export interface AuditLogOptions {
  db: Db
  /** Secret for the keyed subject hash (HMAC-SHA256); at least 16 characters. */
  hashKey: string
  /** Secret the chain links are keyed with (see chain.ts); default derived from hashKey. */
  chainKey?: string
  /** Most records per transaction; default 256. */
  maxBatch?: number
  /** How long an idle writer waits for more records before committing, in ms; default 2. */
  maxWaitMs?: number
  /**
   * How long a batch waits for the chain lock (held by another replica's batch) before failing,
   * in ms; default 5000. Failing beats hanging: the requests get a 503 instead of a timeout.
   */
  lockTimeoutMs?: number
  log?: Logger
  /** Called after every batch, e.g. for the audit write latency and batch size metrics. */
  onFlush?: (info: FlushInfo) => void
}

// 15 parameters per row; PostgreSQL allows 65535 per statement.
const MAX_BATCH_LIMIT = Math.floor(65_535 / AUDIT_COLUMNS.length)

function auditUnavailable(message: string, cause?: unknown): GatewayError {
  const err = new GatewayError('AUDIT_UNAVAILABLE', message)
  if (cause !== undefined) err.cause = cause
  return err
}

function insertSql(rows: number): string {
  const width = AUDIT_COLUMNS.length
  const tuples: string[] = []
  for (let r = 0; r < rows; r++) {
    const base = r * width
    const placeholders = AUDIT_COLUMNS.map((column, c) =>
      column === 'at' ? `$${base + c + 1}::timestamptz` : `$${base + c + 1}`,
    )
    tuples.push(`(${placeholders.join(', ')})`)
  }
  return `INSERT INTO audit_log (${AUDIT_COLUMNS.join(', ')}) VALUES ${tuples.join(', ')}`
}

export function createAuditLog(options: AuditLogOptions): AuditLog {
  const { db, hashKey, log, onFlush } = options
  const chainKey = options.chainKey ?? chainKeyFrom({ hashKey })
  const maxBatch = options.maxBatch ?? 256
  const maxWaitMs = options.maxWaitMs ?? 2
  const lockTimeout = `${Math.max(1, Math.round(options.lockTimeoutMs ?? 5000))}ms`
  if (typeof hashKey !== 'string' || hashKey.length < 16) {
    throw new Error('audit.hashKey (AUDIT_HASH_KEY) must be a secret of at least 16 characters')
  }
  if (!Number.isInteger(maxBatch) || maxBatch < 1 || maxBatch > MAX_BATCH_LIMIT) {
    throw new Error(`audit.maxBatch must be an integer from 1 to ${MAX_BATCH_LIMIT}`)
  }
  if (!(maxWaitMs >= 0)) throw new Error('audit.maxWaitMs must be 0 or more')

  let closed = false

  // PGlite is one connection in this process, its transactions run one after another, and no
  // other process can open its data: the chain lock would always be free, so taking it (about a
  // fifth of an embedded batch's cost) is skipped there.
  const chainLockNeeded = db.kind !== 'pglite'

  async function commit(entries: StoredEntry[]): Promise<AuditRecord[]> {
    return db.transaction(async (tx) => {
      if (chainLockNeeded) await tx.query(ADVISORY_XACT_LOCK_WITH_TIMEOUT_SQL, [lockTimeout, LockPurpose.auditChain])
      const head = await tx.query<{ seq: number; hash: string }>(
        'SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1',
      )
      const records = chainRecords(head.rows[0] ?? { seq: 0, hash: GENESIS_HASH }, entries, chainKey)
      await tx.query(insertSql(records.length), records.flatMap(recordToParams))
      return records
    })
  }

  const writer = createGroupCommitter<StoredEntry, AppendResult>({
    maxBatch,
    maxWaitMs,
    async commit(batch) {
      try {
        return (await commit(batch)).map((r) => ({ seq: r.seq, hash: r.hash }))
      } catch (failure) {
        log?.error({ err: failure, size: batch.length }, 'audit batch could not be committed; its requests fail')
        throw auditUnavailable('The audit record could not be written, so the request was refused; retry shortly.', failure)
      }
    },
    onFlush(info) {
      try {
        onFlush?.(info)
      } catch (err) {
        log?.warn({ err }, 'audit onFlush callback threw')
      }
    },
  })

  return {
    append(entry: AuditEntry): Promise<AppendResult> {
      if (closed) {
        return Promise.reject(auditUnavailable('The audit log is closed because the gateway is shutting down; retry on another instance.'))
      }
      let stored: StoredEntry
      try {
        stored = toStoredEntry(entry, hashKey)
      } catch (err) {
        return Promise.reject(err)
      }
      return writer.submit(stored)
    },

    async close(): Promise<void> {
      closed = true
      await writer.close()
    },
  }
}
