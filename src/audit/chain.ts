/**
 * The audit hash chain. A record's hash covers a canonical serialization of every stored field
 * plus the previous record's hash, so changing, removing or reordering a row breaks every link
 * after it. Pure functions: the writer and the verifier share exactly this code.
 */
import { createHash } from 'node:crypto'
import type { AuditRecord } from './types.js'

export const GENESIS_HASH = '0'.repeat(64)

/** Bumped if the serialization ever changes, so old and new records stay verifiable. */
const FORMAT = 'lgsp-audit/1'

export type AuditRecordFields = Omit<AuditRecord, 'hash'>

/**
 * A JSON array in a fixed field order: JSON gives unambiguous string escaping (no delimiter
 * tricks) and explicit nulls; timestamps are ISO 8601 UTC with milliseconds, the precision a
 * JS Date carries and PostgreSQL timestamptz round-trips exactly.
 */
export function canonicalRecord(fields: AuditRecordFields): string {
  return JSON.stringify([
    FORMAT,
    fields.seq,
    fields.at.toISOString(),
    fields.requestId,
    fields.client,
    fields.officerId,
    fields.purpose,
    fields.connector,
    fields.operation,
    fields.subjectHash,
    fields.subjectMasked,
    fields.outcome,
    fields.latencyMs,
    fields.prevHash,
  ])
}

export function recordHash(fields: AuditRecordFields): string {
  return createHash('sha256').update(canonicalRecord(fields), 'utf8').digest('hex')
}

/**
 * Links a batch onto the chain head (`prevSeq`, `prevHash`): assigns consecutive seqs and
 * computes each hash in order.
 */
export function chainRecords(
  head: { seq: number; hash: string },
  entries: readonly Omit<AuditRecordFields, 'seq' | 'prevHash'>[],
): AuditRecord[] {
  let seq = head.seq
  let prevHash = head.hash
  return entries.map((entry) => {
    seq += 1
    const fields: AuditRecordFields = { ...entry, seq, prevHash }
    const hash = recordHash(fields)
    prevHash = hash
    return { ...fields, hash }
  })
}
