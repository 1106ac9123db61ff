/**
 * The worker's side of the ledger. One worker at a time holds the lease on a (target, dossier)
 * pair and delivers what is open for it: the newest snapshot (older ones are superseded, and
 * nothing at or below the delivered version is ever sent again), then progress steps in the
 * order they were accepted. Jobs in the queue are only wake-ups; this ledger decides.
 */
import type { Db } from '../db/types.js'

export interface Claim {
  deliveredVersion: number | null
  state: 'pending' | 'retrying' | 'delivered' | 'dead'
  nextAttemptAt: Date | null
  retryJob: string | null
}

export interface OpenItem {
  id: number
  kind: 'snapshot' | 'progress'
  version: number | null
  stepId: string | null
  payload: Record<string, unknown>
  attempts: number
  createdAt: Date
}

export interface DeliveryStore {
  /** Takes the lease when it is free or expired; null when another worker holds it. */
  claim(target: string, code: string, owner: string, leaseMs: number): Promise<Claim | null>
  openItems(target: string, code: string): Promise<OpenItem[]>
  /** Records what was delivered or superseded; keeps the lease (and says so) when newer work arrived meanwhile. */
  settle(input: SettleInput): Promise<{ released: boolean }>
  /** A transient failure: the item waits for `nextAttemptAt`, owned by `retryJob`, and the lease is released. */
  retryLater(input: RetryInput): Promise<void>
  release(target: string, code: string, owner: string): Promise<void>
}

export interface SettleInput {
  target: string
  code: string
  owner: string
  delivered: Array<{ id: number; version: number | null }>
  superseded: number[]
  dead: Array<{ id: number; error: string; upstreamCode?: string; attempts: number }>
  /** Largest outbox id looked at: anything newer keeps the lease for another round. */
  seenUpTo: number
}

export interface RetryInput {
  target: string
  code: string
  owner: string
  itemId: number
  attempts: number
  error: string
  upstreamCode?: string
  nextAttemptAt: Date
  retryJob: string
  /** What was delivered before the failure in this round (settled in the same transaction). */
  delivered: Array<{ id: number; version: number | null }>
  superseded: number[]
}

export function createDeliveryStore(db: Db): DeliveryStore {
  async function claim(target: string, code: string, owner: string, leaseMs: number): Promise<Claim | null> {
    const { rows } = await db.query<{ delivered_version: number | null; state: Claim['state']; next_attempt_at: Date | null; retry_job: string | null }>(
      `UPDATE sync_state SET lease_owner = $3, lease_until = now() + make_interval(secs => $4::double precision / 1000)
       WHERE target = $1 AND dossier_code = $2 AND (lease_until IS NULL OR lease_until < now() OR lease_owner = $3)
       RETURNING delivered_version, state, next_attempt_at, retry_job`,
      [target, code, owner, leaseMs],
    )
    const row = rows[0]
    if (!row) return null
    return { deliveredVersion: row.delivered_version, state: row.state, nextAttemptAt: row.next_attempt_at, retryJob: row.retry_job }
  }

  async function openItems(target: string, code: string): Promise<OpenItem[]> {
    const { rows } = await db.query<{ id: number; kind: OpenItem['kind']; version: number | null; step_id: string | null; payload: Record<string, unknown>; attempts: number; created_at: Date }>(
      `SELECT id, kind, version, step_id, payload, attempts, created_at FROM outbox
       WHERE target = $1 AND dossier_code = $2 AND state IN ('pending', 'retrying') ORDER BY id`,
      [target, code],
    )
    return rows.map((r) => ({ id: r.id, kind: r.kind, version: r.version, stepId: r.step_id, payload: r.payload, attempts: r.attempts, createdAt: r.created_at }))
  }

  async function markDone(tx: Pick<Db, 'query'>, target: string, code: string, delivered: SettleInput['delivered'], superseded: number[]) {
    if (delivered.length > 0) {
      await tx.query(`UPDATE outbox SET state = 'delivered', done_at = now(), attempts = attempts + 1, next_attempt_at = NULL WHERE id = ANY($1::bigint[])`, [delivered.map((d) => d.id)])
      const versions = delivered.map((d) => d.version).filter((v): v is number => v !== null)
      if (versions.length > 0) {
        await tx.query(
          `UPDATE sync_state SET delivered_version = GREATEST(coalesce(delivered_version, 0), $3), delivered_at = now()
           WHERE target = $1 AND dossier_code = $2`,
          [target, code, Math.max(...versions)],
        )
      }
    }
    if (superseded.length > 0) {
      await tx.query(`UPDATE outbox SET state = 'superseded', done_at = now(), next_attempt_at = NULL WHERE id = ANY($1::bigint[])`, [superseded])
    }
  }

  async function settle(input: SettleInput): Promise<{ released: boolean }> {
    return db.transaction(async (tx) => {
      await markDone(tx, input.target, input.code, input.delivered, input.superseded)
      for (const d of input.dead) {
        await tx.query(
          `UPDATE outbox SET state = 'dead', done_at = now(), attempts = $2, last_error = $3, upstream_code = $4, next_attempt_at = NULL WHERE id = $1`,
          [d.id, d.attempts, d.error, d.upstreamCode ?? null],
        )
      }
      const last = input.dead.at(-1)
      // Newer work accepted meanwhile keeps the lease: this worker goes round again, so no
      // wake-up for it can be lost between our last look and the release.
      const { rows } = await tx.query<{ released: boolean }>(
        `UPDATE sync_state SET
           lease_owner = CASE WHEN n.newer THEN lease_owner ELSE NULL END,
           lease_until = CASE WHEN n.newer THEN lease_until ELSE NULL END,
           state = CASE WHEN n.newer THEN 'pending' WHEN $4::boolean THEN 'dead' ELSE 'delivered' END,
           attempts = CASE WHEN $4::boolean THEN $6 ELSE 0 END,
           last_error = CASE WHEN $4::boolean THEN $5 ELSE last_error END,
           next_attempt_at = NULL, retry_job = NULL, updated_at = now()
         FROM (SELECT EXISTS (SELECT 1 FROM outbox WHERE target = $1 AND dossier_code = $2
                 AND state IN ('pending', 'retrying') AND id > $3) AS newer) n
         WHERE target = $1 AND dossier_code = $2 AND lease_owner = $7
         RETURNING NOT n.newer AS released`,
        [input.target, input.code, input.seenUpTo, last !== undefined, last?.error ?? null, last?.attempts ?? 0, input.owner],
      )
      return { released: rows[0]?.released ?? true }
    })
  }

  async function retryLater(input: RetryInput): Promise<void> {
    await db.transaction(async (tx) => {
      await markDone(tx, input.target, input.code, input.delivered, input.superseded)
      await tx.query(
        `UPDATE outbox SET state = 'retrying', attempts = $2, last_error = $3, upstream_code = $4, next_attempt_at = $5 WHERE id = $1`,
        [input.itemId, input.attempts, input.error, input.upstreamCode ?? null, input.nextAttemptAt],
      )
      await tx.query(
        `UPDATE sync_state SET state = 'retrying', attempts = $3, last_error = $4, next_attempt_at = $5, retry_job = $6,
           lease_owner = NULL, lease_until = NULL, updated_at = now()
         WHERE target = $1 AND dossier_code = $2 AND lease_owner = $7`,
        [input.target, input.code, input.attempts, input.error, input.nextAttemptAt, input.retryJob, input.owner],
      )
    })
  }

  async function release(target: string, code: string, owner: string): Promise<void> {
    await db.query(
      'UPDATE sync_state SET lease_owner = NULL, lease_until = NULL WHERE target = $1 AND dossier_code = $2 AND lease_owner = $3',
      [target, code, owner],
    )
  }

  return { claim, openItems, settle, retryLater, release }
}
