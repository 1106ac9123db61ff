/**
 * Retention of the inbound event ledger. An inbox row holds the event as received, personal data
 * included, and once every subscriber has it nothing needs it but pull clients that read late:
 * such events received more than `keepMs` ago are deleted, with their delivery rows, in bounded
 * batches by the inbox reconciler's pass. An event with an open (pending, retrying) or dead
 * delivery stays until it is delivered; an unrouted event stays (operators list it under
 * /admin/events/unrouted). A routed event without any delivery row left may go.
 *
 * The pass walks the primary key in windows of `batch` rows, resuming where the last one stopped
 * and starting over from the oldest once it reaches events too young to go. A window is bounded
 * whatever it meets, so the events that pile up at the old end and stay (unrouted ones for good,
 * dead ones until replayed) are stepped over once per round instead of on every pass, and no
 * index on `received_at` is needed. Every pruned seq raises `inbox_retention.pruned_through` in the same
 * transaction: ingest numbers above it (no seq is reused) and the event feed reports it.
 */
import type { Db } from '../db/types.js'

export interface PruneEventsResult {
  /** Events deleted (their delivery rows went with them). */
  pruned: number
  /** Where the next pass resumes: pass it back as `after` (0 = from the oldest event). */
  next: number
}

export async function pruneDeliveredEvents(db: Db, keepMs: number, options: { after?: number; batch?: number } = {}): Promise<PruneEventsResult> {
  if (keepMs <= 0) return { pruned: 0, next: 0 }
  const batch = options.batch ?? 5000
  return db.transaction(async (tx) => {
    // Not delivered = open or dead, spelled so that the partial indexes of those states can serve
    // the sub-select (`<> 'delivered'` made PostgreSQL scan the whole delivery table for it).
    const { rows } = await tx.query<{ seq: number; due: boolean; young: boolean }>(
      `SELECT i.seq, i.received_at >= cutoff.at AS young,
         i.routed AND i.received_at < cutoff.at
           AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.seq = i.seq AND (d.state IN ('pending', 'retrying') OR d.state = 'dead')) AS due
       FROM inbox i, (SELECT now() - make_interval(secs => $1::double precision / 1000) AS at) cutoff
       WHERE i.seq > $2 ORDER BY i.seq LIMIT $3`,
      [keepMs, options.after ?? 0, batch],
    )
    const due = rows.filter((r) => r.due).map((r) => r.seq)
    if (due.length > 0) {
      // `delivered` is final (a replay only reopens dead rows) and an event gets its delivery rows
      // when it is committed, so what the window saw still holds: no re-check is needed here.
      await tx.query('DELETE FROM deliveries WHERE seq = ANY($1::bigint[])', [due])
      await tx.query('DELETE FROM inbox WHERE seq = ANY($1::bigint[])', [due])
      await tx.query('UPDATE inbox_retention SET pruned_through = greatest(pruned_through, $1::bigint)', [due.at(-1)])
    }
    // Past the old end (young events reached, or the ledger ended): the next round starts over.
    const next = rows.length < batch || rows.some((r) => r.young) ? 0 : rows.at(-1)!.seq
    return { pruned: due.length, next }
  })
}

/**
 * Lease rows are made per (subscriber, ordering key), i.e. per dossier, and released rather than
 * deleted, so they pile up. One that holds no lease (released, or expired after a crash) and has
 * no open delivery behind it is deleted: a later event's worker inserts it again. The lease test
 * is repeated on the row being deleted, so a worker that claims it meanwhile keeps it.
 */
export async function pruneIdleLeases(db: Db, batch = 5000): Promise<number> {
  const { rowCount } = await db.query(
    `DELETE FROM delivery_leases l
     WHERE (l.lease_owner IS NULL OR l.lease_until < now())
       AND (l.subscriber, l.ordering_key) IN (
         SELECT c.subscriber, c.ordering_key FROM delivery_leases c
         WHERE (c.lease_owner IS NULL OR c.lease_until < now())
           AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.subscriber = c.subscriber AND d.ordering_key = c.ordering_key AND d.state IN ('pending', 'retrying'))
         ORDER BY c.subscriber, c.ordering_key LIMIT $1)`,
    [batch],
  )
  return rowCount
}

/** The highest seq ever pruned (0 = none): events at or below it may be gone from the feed. */
export async function prunedThrough(db: Db): Promise<number> {
  const { rows } = await db.query<{ seq: number }>('SELECT coalesce(max(pruned_through), 0)::bigint AS seq FROM inbox_retention')
  return rows[0]!.seq
}
