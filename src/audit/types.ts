/** One personal-data access, as the caller of the audit log describes it (DESIGN §6). */
export interface AuditEntry {
  at: Date
  requestId: string
  /** API client name. */
  client: string
  officerId: string
  purpose: string
  connector: string
  operation: string
  /**
   * The plain personal ID or enterprise code the call was about. The audit log stores only a
   * keyed hash and a masked form of it; the plain value never reaches the database.
   */
  subject: string | null
  /** `ok`, `not_found`, or an error code such as `UPSTREAM_TIMEOUT`. */
  outcome: string
  latencyMs: number
}

export interface AppendResult {
  seq: number
  hash: string
}

export interface AuditLog {
  /** Resolves once the record is committed (group commit); rejects when it cannot be written. */
  append(entry: AuditEntry): Promise<AppendResult>
  /** Flushes what is pending and stops accepting new records. */
  close(): Promise<void>
}

/** One audit row as stored: the entry with its subject replaced by hash + mask, and its chain links. */
export interface AuditRecord {
  seq: number
  at: Date
  requestId: string
  client: string
  officerId: string
  purpose: string
  connector: string
  operation: string
  /** Keyed HMAC-SHA256 hex of the subject, or null when the call had no subject. */
  subjectHash: string | null
  /** e.g. `062*******34`, or null. */
  subjectMasked: string | null
  outcome: string
  /** Whole milliseconds. */
  latencyMs: number
  /** Hash of the previous record; 64 zeros for the first. */
  prevHash: string
  /** 1: plain SHA-256 (records of earlier releases); 2: HMAC-SHA256 under the chain key. */
  chainFormat: 1 | 2
  /** Hex hash of this record's canonical form (see chain.ts). */
  hash: string
}
