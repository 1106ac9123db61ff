/**
 * Turns a caller's AuditEntry into the fields that are stored and hashed. This is where the plain
 * subject is replaced by its keyed hash and mask, and where values are made storable exactly, so
 * one odd entry can never make PostgreSQL reject a whole group-commit batch and the hash computed
 * here equals the hash recomputed from the stored row.
 */
import type { AuditRecordFields } from './chain.js'
import { maskId, subjectHash } from './subject.js'
import type { AuditEntry } from './types.js'

export type StoredEntry = Omit<AuditRecordFields, 'seq' | 'prevHash' | 'chainFormat'>

// NUL is refused by PostgreSQL text; lone surrogates would be stored as U+FFFD by the UTF-8
// encoder and then no longer hash the same. Both become U+FFFD before hashing.
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g

function text(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new TypeError(`Audit entry field ${field} must be a string`)
  return value.replace(UNSTORABLE, '\ufffd')
}

export function toStoredEntry(entry: AuditEntry, hashKey: string): StoredEntry {
  // Years outside 1..9999 serialize as ±YYYYYY, which PostgreSQL would not read back identically.
  const year = entry.at instanceof Date ? entry.at.getUTCFullYear() : Number.NaN
  if (!(year >= 1 && year <= 9999)) throw new TypeError('Audit entry field at must be a valid Date')
  if (typeof entry.latencyMs !== 'number' || !Number.isFinite(entry.latencyMs)) {
    throw new TypeError('Audit entry field latencyMs must be a finite number')
  }
  const subject = entry.subject == null || entry.subject === '' ? null : text(entry.subject, 'subject')
  return {
    // A copy: the caller may reuse its Date object after append() returns.
    at: new Date(entry.at.getTime()),
    requestId: text(entry.requestId, 'requestId'),
    client: text(entry.client, 'client'),
    officerId: text(entry.officerId, 'officerId'),
    purpose: text(entry.purpose, 'purpose'),
    connector: text(entry.connector, 'connector'),
    operation: text(entry.operation, 'operation'),
    subjectHash: subject === null ? null : subjectHash(hashKey, subject),
    subjectMasked: subject === null ? null : maskId(subject),
    outcome: text(entry.outcome, 'outcome'),
    // Stored as integer ms; clamp to the column's range (a clock step can make it negative).
    latencyMs: Math.min(Math.max(Math.round(entry.latencyMs), 0), 2_147_483_647),
  }
}
