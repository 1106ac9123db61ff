/** The audit trail of personal-data accesses (DESIGN §6). */
export type { AppendResult, AuditEntry, AuditLog, AuditRecord } from './types.js'
export { createAuditLog, type AuditLogOptions, type FlushInfo } from './audit-log.js'
export { GENESIS_HASH, canonicalRecord, chainRecords, recordHash } from './chain.js'
export { maskId, subjectHash } from './subject.js'
export { verifyAuditChain, type VerifyOptions, type VerifyResult } from './verify.js'
export { searchAudit, type AuditPage, type AuditQuery } from './search.js'
