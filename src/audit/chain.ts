/**
 * The audit hash chain. A record's hash covers a canonical serialization of every stored field
 * plus the previous record's hash, so changing, removing or reordering a row breaks every link
 * after it. Pure functions: the writer and the verifier share exactly this code.
 *
 * Format 2 (every record written since migration 12) is an HMAC-SHA256 under the chain key, a
 * secret the database does not hold: whoever can edit rows cannot recompute the links after an
 * edit. Format 1 (plain SHA-256) is what earlier releases wrote; those records stay verifiable
 * as they are, and a format-1 record after a format-2 one is a break (no downgrade).
 */
import { createHash, createHmac } from 'node:crypto'
import type { AuditRecord } from './types.js'

export const GENESIS_HASH = '0'.repeat(64)

export type ChainFormat = 1 | 2
/** What new records are written as. */
export const CURRENT_FORMAT: ChainFormat = 2

/**
 * The chain key: `audit.chainKey` when set, else derived from the subject-hash key (also a
 * secret the database never sees), so an existing configuration needs no new secret.
 */
export function chainKeyFrom(audit: { hashKey?: string | undefined; chainKey?: string | undefined }): string {
  if (audit.chainKey) return audit.chainKey
  if (!audit.hashKey) throw new Error('audit.hashKey (AUDIT_HASH_KEY) is required to derive the chain key')
  return createHmac('sha256', audit.hashKey).update('lgsp-audit-chain-key/1').digest('hex')
}

export type AuditRecordFields = Omit<AuditRecord, 'hash'>

/**
 * A JSON array in a fixed field order: JSON gives unambiguous string escaping (no delimiter
 * tricks) and explicit nulls; timestamps are ISO 8601 UTC with milliseconds, the precision a
 * JS Date carries and PostgreSQL timestamptz round-trips exactly.
 */
export function canonicalRecord(fields: AuditRecordFields): string {
  return JSON.stringify([
    `lgsp-audit/${fields.chainFormat}`,
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

/** Format 1: sha256 of the canonical form; format 2: HMAC-SHA256 of it under `chainKey`. */
export function recordHash(fields: AuditRecordFields, chainKey?: string): string {
  if (fields.chainFormat === 1) return createHash('sha256').update(canonicalRecord(fields), 'utf8').digest('hex')
  if (!chainKey) throw new Error('a format-2 audit record needs the chain key')
  return createHmac('sha256', chainKey).update(canonicalRecord(fields), 'utf8').digest('hex')
}

/**
 * Links a batch onto the chain head (`prevSeq`, `prevHash`): assigns consecutive seqs and
 * computes each hash in order.
 */
export function chainRecords(
  head: { seq: number; hash: string },
  entries: readonly Omit<AuditRecordFields, 'seq' | 'prevHash' | 'chainFormat'>[],
  chainKey: string,
): AuditRecord[] {
  let seq = head.seq
  let prevHash = head.hash
  return entries.map((entry) => {
    seq += 1
    const fields: AuditRecordFields = { ...entry, seq, prevHash, chainFormat: CURRENT_FORMAT }
    const hash = recordHash(fields, chainKey)
    prevHash = hash
    return { ...fields, hash }
  })
}
