/**
 * The delivery ledger's worker side: a lease per (subscriber, ordering key) so one worker at a
 * time delivers one dossier's events, strictly in `seq` order; the head event blocks the ones
 * behind it while it is retrying. Subscribers answered 410 are disabled here until re-enabled.
 */
import type { Db } from '../db/types.js'

export interface HeadEvent {
  seq: number
  state: 'pending' | 'retrying'
  attempts: number
  nextAttemptAt: Date | null
  eventId: string
  type: string
  body: unknown
  receivedAt: Date
  createdAt: Date
}

export function createDeliveryLedger(db: Db) {
  return {
    async claim(subscriber: string, key: string, owner: string, leaseMs: number): Promise<boolean> {
      const { rowCount } = await db.query(
        `INSERT INTO delivery_leases (subscriber, ordering_key, lease_owner, lease_until)
         VALUES ($1, $2, $3, now() + make_interval(secs => $4::double precision / 1000))
         ON CONFLICT (subscriber, ordering_key) DO UPDATE SET lease_owner = excluded.lease_owner, lease_until = excluded.lease_until
         WHERE delivery_leases.lease_until IS NULL OR delivery_leases.lease_until < now()
         RETURNING 1`,
        [subscriber, key, owner, leaseMs],
      )
      return rowCount > 0
    },

    /** Extends a lease this owner still holds; false when it lapsed and was taken. */
    async renew(subscriber: string, key: string, owner: string, leaseMs: number): Promise<boolean> {
      const { rowCount } = await db.query(
        `UPDATE delivery_leases SET lease_until = now() + make_interval(secs => $4::double precision / 1000)
         WHERE subscriber = $1 AND ordering_key = $2 AND lease_owner = $3`,
        [subscriber, key, owner, leaseMs],
      )
      return rowCount > 0
    },

    async disabled(subscriber: string): Promise<boolean> {
      const { rows } = await db.query<{ disabled_at: Date | null }>('SELECT disabled_at FROM subscriber_state WHERE subscriber = $1', [subscriber])
      return rows[0]?.disabled_at != null
    },

    async head(subscriber: string, key: string): Promise<HeadEvent | null> {
      const { rows } = await db.query<{ seq: number; state: HeadEvent['state']; attempts: number; next_attempt_at: Date | null; event_id: string; type: string; body: unknown; received_at: Date; created_at: Date }>(
        `SELECT d.seq, d.state, d.attempts, d.next_attempt_at, d.created_at, i.event_id, i.type, i.body, i.received_at
         FROM deliveries d JOIN inbox i ON i.seq = d.seq
         WHERE d.subscriber = $1 AND d.ordering_key = $2 AND d.state IN ('pending', 'retrying') ORDER BY d.seq LIMIT 1`,
        [subscriber, key],
      )
      const r = rows[0]
      return r ? { seq: r.seq, state: r.state, attempts: r.attempts, nextAttemptAt: r.next_attempt_at, eventId: r.event_id, type: r.type, body: r.body, receivedAt: r.received_at, createdAt: r.created_at } : null
    },

    async settle(subscriber: string, seq: number, state: 'pending' | 'delivered' | 'dead' | 'retrying', info: { attempts: number; status?: number; error?: string; nextAttemptAt?: Date }) {
      await db.query(
        `UPDATE deliveries SET state = $3, attempts = $4, last_status = $5, last_error = $6, next_attempt_at = $7,
           done_at = CASE WHEN $3 IN ('retrying', 'pending') THEN NULL ELSE now() END
         WHERE subscriber = $1 AND seq = $2`,
        [subscriber, seq, state, info.attempts, info.status ?? null, info.error ?? null, info.nextAttemptAt ?? null],
      )
    },

    async disable(subscriber: string, reason: string) {
      await db.query(
        `INSERT INTO subscriber_state (subscriber, disabled_at, disabled_reason) VALUES ($1, now(), $2)
         ON CONFLICT (subscriber) DO UPDATE SET disabled_at = now(), disabled_reason = $2`,
        [subscriber, reason],
      )
    },

    /** Releases the lease unless open events arrived meanwhile (`force` releases anyway). */
    async release(subscriber: string, key: string, owner: string, force = false): Promise<boolean> {
      const { rowCount } = await db.query(
        `UPDATE delivery_leases SET lease_owner = NULL, lease_until = NULL
         WHERE subscriber = $1 AND ordering_key = $2 AND lease_owner = $3
           AND ($4::boolean OR NOT EXISTS (SELECT 1 FROM deliveries WHERE subscriber = $1 AND ordering_key = $2 AND state IN ('pending', 'retrying')))`,
        [subscriber, key, owner, force],
      )
      return rowCount > 0
    },
  }
}

export type DeliveryLedger = ReturnType<typeof createDeliveryLedger>
