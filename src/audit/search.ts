/** Audit search for the admin API: filters plus keyset pagination on seq (stable under appends). */
import type { Queryable } from '../db/types.js'
import { AUDIT_SELECT_LIST, rowToRecord, type AuditRow } from './record-row.js'
import type { AuditRecord } from './types.js'

export interface AuditQuery {
  /** From `subjectHash(hashKey, id)`: the plain ID is never a search key. */
  subjectHash?: string
  officerId?: string
  client?: string
  /** Inclusive. */
  from?: Date
  /** Exclusive. */
  to?: Date
  /** 1–1000. */
  limit: number
  /** Returns records with a greater seq: pass the previous page's `nextAfterSeq`. */
  afterSeq?: number
}

export interface AuditPage {
  records: AuditRecord[]
  /** Set when the page is full, so more records may follow. */
  nextAfterSeq: number | null
}

export const MAX_SEARCH_LIMIT = 1000

export async function searchAudit(db: Queryable, query: AuditQuery): Promise<AuditPage> {
  const limit = Math.trunc(query.limit)
  if (!(limit >= 1 && limit <= MAX_SEARCH_LIMIT)) throw new RangeError(`limit must be 1 to ${MAX_SEARCH_LIMIT}`)
  const where: string[] = []
  const params: unknown[] = []
  const add = (condition: string, value: unknown) => {
    params.push(value)
    where.push(condition.replace('?', `$${params.length}`))
  }
  if (query.subjectHash !== undefined) add('subject_hash = ?', query.subjectHash)
  if (query.officerId !== undefined) add('officer_id = ?', query.officerId)
  if (query.client !== undefined) add('client = ?', query.client)
  if (query.from !== undefined) add('at >= ?::timestamptz', query.from.toISOString())
  if (query.to !== undefined) add('at < ?::timestamptz', query.to.toISOString())
  if (query.afterSeq !== undefined) add('seq > ?', query.afterSeq)
  params.push(limit)
  const sql = `SELECT ${AUDIT_SELECT_LIST} FROM audit_log${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY seq LIMIT $${params.length}`
  const rows = (await db.query<AuditRow>(sql, params)).rows
  const records = rows.map(rowToRecord)
  return { records, nextAfterSeq: records.length === limit ? records.at(-1)!.seq : null }
}
