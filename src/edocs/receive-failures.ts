/**
 * Packages the poller could not take in (migration 007, `edoc_receive_failures`), in the ledger so
 * every replica and every restart follows one backoff per package:
 *
 * - retrying: a fetch that failed, a package over our size limit, or an unreadable package not yet
 *   given up on. It stays in the axis mailbox. After `HOLD_FAILURES` failures in a row it waits
 *   `retryBaseMs` (doubling, at most an hour) before the next try.
 * - quarantined: a package fetched whole that is still not acceptable edXML after `HOLD_FAILURES`
 *   reads. Its bytes are kept here and it is acknowledged, so it stops holding a place at the head of
 *   the mailbox; an operator reads it again (`retry`) once the cause is fixed (a limit raised, a
 *   parser fixed), or discards it.
 *
 * A package taken in at last has its row deleted.
 */
import type { Db } from '../db/types.js'
import { backoffDelay, type BackoffPolicy } from '../jobs/backoff.js'

/** Failures in a row after which a package stops holding others back: it waits out a backoff, or goes to quarantine. */
export const HOLD_FAILURES = 3
const MAX_BACKOFF_MS = 3_600_000

export interface FailureState {
  failures: number
  retryAt: number | null
  quarantined: boolean
}

export interface ReceiveFailure {
  docId: string
  messageType: 'edoc' | 'status'
  from: string
  to: string
  failures: number
  lastError: string
  state: 'retrying' | 'quarantined'
  retryAt: string | null
  quarantinedAt: string | null
  /** Bytes kept (quarantined only). */
  size: number | null
  firstFailedAt: string
  lastFailedAt: string
}

export interface FailedItem {
  docId: string
  messageType: 'edoc' | 'status'
  from: string
  to: string
}

interface Row {
  axis_doc_id: string; message_type: 'edoc' | 'status'; from_organ: string; to_organs: string; failures: number; last_error: string
  retry_at: Date | null; quarantined_at: Date | null; size: number | null; first_failed_at: Date; last_failed_at: Date
}

const COLUMNS = 'axis_doc_id, message_type, from_organ, to_organs, failures, last_error, retry_at, quarantined_at, octet_length(package) AS size, first_failed_at, last_failed_at'

const toFailure = (r: Row): ReceiveFailure => ({
  docId: r.axis_doc_id, messageType: r.message_type, from: r.from_organ, to: r.to_organs, failures: r.failures, lastError: r.last_error,
  state: r.quarantined_at ? 'quarantined' : 'retrying', retryAt: r.retry_at?.toISOString() ?? null, quarantinedAt: r.quarantined_at?.toISOString() ?? null,
  size: r.size, firstFailedAt: r.first_failed_at.toISOString(), lastFailedAt: r.last_failed_at.toISOString(),
})

/**
 * The backoff of the failures from HOLD_FAILURES on (src/jobs/backoff.ts, no jitter: one row per
 * package, nothing to spread): the base doubling, at most an hour. The steps are computed once and
 * sent as an array, so the count and the delay still change in one statement; every failure past
 * the last step waits the hour.
 */
function backoffSteps(retryBaseMs: number): number[] {
  const policy: BackoffPolicy = { baseDelayMs: retryBaseMs, maxDelayMs: MAX_BACKOFF_MS, jitter: 'none' }
  const steps = [backoffDelay(1, policy)]
  while (steps.length < 64 && steps[steps.length - 1]! < MAX_BACKOFF_MS) steps.push(backoffDelay(steps.length + 1, policy))
  return steps
}

/** `retry_at` for the n-th failure in a row ($n): none before HOLD_FAILURES, then step n - HOLD_FAILURES + 1 of $6. */
const retryAtSql = (n: string) =>
  `CASE WHEN ${n} < ${HOLD_FAILURES} THEN NULL ELSE now() + make_interval(secs => ($6::double precision[])[least(${n} - ${HOLD_FAILURES} + 1, cardinality($6::double precision[]))] / 1000) END`

export function createReceiveFailures(db: Db, retryBaseMs: number) {
  const steps = backoffSteps(retryBaseMs)
  return {
    /** The failure state of the listed packages that have one (one query per pass). */
    async states(docIds: string[]): Promise<Map<string, FailureState>> {
      if (docIds.length === 0) return new Map()
      const { rows } = await db.query<{ axis_doc_id: string; failures: number; retry_at: Date | null; quarantined_at: Date | null }>(
        'SELECT axis_doc_id, failures, retry_at, quarantined_at FROM edoc_receive_failures WHERE axis_doc_id = ANY($1::text[])', [docIds],
      )
      return new Map(rows.map((r) => [r.axis_doc_id, { failures: r.failures, retryAt: r.retry_at?.getTime() ?? null, quarantined: r.quarantined_at !== null }]))
    },

    /** Packages waiting out a backoff (at most `cap`): the list is asked for that many more, so they never hide the rest. */
    async waiting(cap: number): Promise<number> {
      const { rows } = await db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM (SELECT 1 FROM edoc_receive_failures WHERE quarantined_at IS NULL AND retry_at > now() LIMIT $1) w', [cap],
      )
      return rows[0]!.n
    },

    /** One more failure in a row; answers the count and when to try again (null: next pass). A quarantined row is left as it is. */
    async record(item: FailedItem, error: string): Promise<{ failures: number; retryAt: number | null }> {
      const { rows } = await db.query<{ failures: number; retry_at: Date | null }>(
        `INSERT INTO edoc_receive_failures AS f (axis_doc_id, message_type, from_organ, to_organs, failures, last_error, retry_at)
         VALUES ($1, $2, $3, $4, 1, $5, ${retryAtSql('1')})
         ON CONFLICT (axis_doc_id) DO UPDATE SET failures = f.failures + 1, last_error = EXCLUDED.last_error, last_failed_at = now(),
           retry_at = ${retryAtSql('(f.failures + 1)')}
         WHERE f.quarantined_at IS NULL
         RETURNING failures, retry_at`,
        [item.docId, item.messageType, item.from, item.to, error.slice(0, 1000), steps],
      )
      // No row: it is in quarantine (only its acknowledgement failed); its reason and count stay, and the next pass acknowledges it.
      return rows[0] ? { failures: rows[0].failures, retryAt: rows[0].retry_at?.getTime() ?? null } : { failures: HOLD_FAILURES, retryAt: null }
    },

    /** Keeps an unreadable package with its reason; the caller acknowledges it after this commits. */
    async quarantine(item: FailedItem, reason: string, pkg: Buffer): Promise<void> {
      await db.query(
        `INSERT INTO edoc_receive_failures AS f (axis_doc_id, message_type, from_organ, to_organs, failures, last_error, quarantined_at, package)
         VALUES ($1, $2, $3, $4, 1, $5, now(), $6)
         ON CONFLICT (axis_doc_id) DO UPDATE SET failures = f.failures + 1, last_error = EXCLUDED.last_error, last_failed_at = now(),
           retry_at = NULL, quarantined_at = now(), package = EXCLUDED.package`,
        [item.docId, item.messageType, item.from, item.to, reason.slice(0, 1000), pkg],
      )
    },

    /** Deletes a failure; answers what it was (for the log), or undefined when there was none. */
    async clear(docId: string): Promise<Pick<ReceiveFailure, 'messageType' | 'state' | 'from'> | undefined> {
      const { rows } = await db.query<{ message_type: ReceiveFailure['messageType']; quarantined: boolean; from_organ: string }>(
        'DELETE FROM edoc_receive_failures WHERE axis_doc_id = $1 RETURNING message_type, quarantined_at IS NOT NULL AS quarantined, from_organ', [docId],
      )
      const r = rows[0]
      return r && { messageType: r.message_type, state: r.quarantined ? 'quarantined' : 'retrying', from: r.from_organ }
    },

    async list(q: { state?: 'retrying' | 'quarantined'; limit: number; after?: string }): Promise<ReceiveFailure[]> {
      const { rows } = await db.query<Row>(
        `SELECT ${COLUMNS} FROM edoc_receive_failures
         WHERE ($1::text IS NULL OR ($1 = 'quarantined') = (quarantined_at IS NOT NULL)) AND ($2::text IS NULL OR axis_doc_id > $2)
         ORDER BY axis_doc_id LIMIT $3`,
        [q.state ?? null, q.after ?? null, q.limit],
      )
      return rows.map(toFailure)
    },

    async get(docId: string): Promise<(ReceiveFailure & { package: Buffer | null }) | undefined> {
      const { rows } = await db.query<Row & { package: Uint8Array | null }>(`SELECT ${COLUMNS}, package FROM edoc_receive_failures WHERE axis_doc_id = $1`, [docId])
      const r = rows[0]
      return r && { ...toFailure(r), package: r.package ? Buffer.from(r.package) : null }
    },

    /** A package still in the mailbox, tried on the next pass instead of after its backoff. */
    async retrySoon(docId: string): Promise<void> {
      await db.query('UPDATE edoc_receive_failures SET retry_at = NULL WHERE axis_doc_id = $1 AND quarantined_at IS NULL', [docId])
    },

    /** An operator's read of a quarantined package failed again: its reason and count are updated. */
    async stillUnreadable(docId: string, reason: string): Promise<void> {
      await db.query('UPDATE edoc_receive_failures SET failures = failures + 1, last_error = $2, last_failed_at = now() WHERE axis_doc_id = $1', [docId, reason.slice(0, 1000)])
    },
  }
}

export type ReceiveFailures = ReturnType<typeof createReceiveFailures>
