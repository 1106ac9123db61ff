/**
 * Proves the audit chain intact: reads the table in seq order, page by page (memory stays
 * bounded however long the log), and checks for every record that
 *  - its seq is the previous seq + 1 (first record: 1). The writer assigns seq as last + 1 inside
 *    the chain lock, never from a sequence, so a rolled-back batch leaves no hole and a gap can
 *    only mean rows were deleted; the seq reported is the first one after the gap;
 *  - its prev_hash equals the previous record's hash (genesis: 64 zeros);
 *  - its hash equals the hash recomputed from its stored fields (format 2 under the chain key,
 *    which the database does not hold, so an edited row cannot be re-linked);
 *  - it is not format 1 after a format-2 record (a downgrade to the unkeyed form).
 * Limit: removing the newest records leaves a valid, shorter chain. Anchor `head` outside the
 * database (checkpoint.ts) to detect that later.
 */
import type { Queryable } from '../db/types.js'
import { GENESIS_HASH, recordHash } from './chain.js'
import { AUDIT_SELECT_LIST, rowToRecord, type AuditRow } from './record-row.js'

export type BreakReason = 'hash_mismatch' | 'prev_hash_mismatch' | 'seq_gap' | 'format_downgrade'

export interface VerifyResult {
  ok: boolean
  /** Records that verified; when broken, those before the first broken one. */
  checked: number
  firstBroken?: { seq: number; reason: BreakReason }
  /** The last record that verified: anchor it externally to detect later truncation. */
  head?: { seq: number; hash: string }
  /** Verified records of the unkeyed format 1 (written before the chain was keyed). */
  unkeyed?: number
}

export interface VerifyOptions {
  /** Records read per query; default 5000. */
  pageSize?: number
  /** The chain key (chain.ts `chainKeyFrom`); needed for format-2 records. */
  chainKey?: string
}

export async function verifyAuditChain(db: Queryable, options: VerifyOptions = {}): Promise<VerifyResult> {
  const pageSize = options.pageSize ?? 5000
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new Error('pageSize must be a positive integer')
  let lastSeq = 0
  let prevHash = GENESIS_HASH
  let checked = 0
  let unkeyed = 0
  let keyedSeen = false
  const result = (broken?: VerifyResult['firstBroken']): VerifyResult => ({
    ok: broken === undefined,
    checked,
    ...(broken ? { firstBroken: broken } : {}),
    ...(checked > 0 ? { head: { seq: lastSeq, hash: prevHash } } : {}),
    ...(unkeyed > 0 ? { unkeyed } : {}),
  })

  for (;;) {
    const page = await db.query<AuditRow>(
      `SELECT ${AUDIT_SELECT_LIST} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2`,
      [lastSeq, pageSize],
    )
    for (const row of page.rows) {
      const record = rowToRecord(row)
      if (record.seq !== lastSeq + 1) return result({ seq: record.seq, reason: 'seq_gap' })
      if (record.prevHash !== prevHash) return result({ seq: record.seq, reason: 'prev_hash_mismatch' })
      if (record.chainFormat === 1 && keyedSeen) return result({ seq: record.seq, reason: 'format_downgrade' })
      if (record.chainFormat === 2 && !options.chainKey) throw new Error('the audit chain is keyed: verifying it needs the chain key (AUDIT_HASH_KEY or AUDIT_CHAIN_KEY)')
      if (recordHash(record, options.chainKey) !== record.hash) return result({ seq: record.seq, reason: 'hash_mismatch' })
      if (record.chainFormat === 2) keyedSeen = true
      else unkeyed += 1
      checked += 1
      lastSeq = record.seq
      prevHash = record.hash
    }
    if (page.rows.length < pageSize) return result()
  }
}
