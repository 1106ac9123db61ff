/** The audit_log columns and the mapping between a row and an AuditRecord, in one place. */
import type { AuditRecord } from './types.js'

/** Column list; recordToParams and the INSERT in audit-log.ts follow this order. */
export const AUDIT_COLUMNS = [
  'seq', 'at', 'request_id', 'client', 'officer_id', 'purpose', 'connector', 'operation',
  'subject_hash', 'subject_masked', 'outcome', 'latency_ms', 'prev_hash', 'hash', 'chain_format',
] as const

export const AUDIT_SELECT_LIST = AUDIT_COLUMNS.join(', ')

export interface AuditRow {
  seq: number
  at: Date
  request_id: string
  client: string
  officer_id: string
  purpose: string
  connector: string
  operation: string
  subject_hash: string | null
  subject_masked: string | null
  outcome: string
  latency_ms: number
  prev_hash: string
  hash: string
  chain_format: number
}

export function rowToRecord(row: AuditRow): AuditRecord {
  return {
    seq: row.seq,
    at: row.at,
    requestId: row.request_id,
    client: row.client,
    officerId: row.officer_id,
    purpose: row.purpose,
    connector: row.connector,
    operation: row.operation,
    subjectHash: row.subject_hash,
    subjectMasked: row.subject_masked,
    outcome: row.outcome,
    latencyMs: row.latency_ms,
    prevHash: row.prev_hash,
    hash: row.hash,
    chainFormat: row.chain_format === 2 ? 2 : 1,
  }
}

/** Values in AUDIT_COLUMNS order; `at` as ISO text so both drivers send the same instant. */
export function recordToParams(record: AuditRecord): unknown[] {
  return [
    record.seq, record.at.toISOString(), record.requestId, record.client, record.officerId,
    record.purpose, record.connector, record.operation, record.subjectHash, record.subjectMasked,
    record.outcome, record.latencyMs, record.prevHash, record.hash, record.chainFormat,
  ]
}
