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
  /** `message`: an opaque unit of a message target (e.g. an edXML package), delivered each. */
  kind: 'snapshot' | 'progress' | 'message'
  version: number | null
  stepId: string | null
  payload: Record<string, unknown>
  attempts: number
  createdAt: Date
}

export interface DeliveryStore {
  /** Takes the lease when it is free or expired, with the open items; null when another worker holds it. */
  claim(target: string, code: string, owner: string, leaseMs: number): Promise<(Claim & { items: OpenItem[] }) | null>
  openItems(target: string, code: string): Promise<OpenItem[]>
  /** Records what was delivered or superseded; keeps the lease (and says so) when newer work arrived meanwhile. */
  settle(input: SettleInput): Promise<{ released: boolean }>
  /** A transient failure: the item waits for `nextAttemptAt`, owned by `retryJob`, and the lease is released. */
  retryLater(input: RetryInput): Promise<void>
  release(target: string, code: string, owner: string): Promise<void>
  /** Extends a lease this owner holds; false when it is no longer held (it expired and was taken). */
  renew(target: string, code: string, owner: string, leaseMs: number): Promise<boolean>
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
  /** What was delivered or dead-lettered before the failure in this round (settled in the same statement). */
  delivered: Array<{ id: number; version: number | null }>
  superseded: number[]
  dead: SettleInput['dead']
}

/** The outbox columns of an open item (alias `o`), as read by both claim paths. */
export const OPEN_ITEM_COLUMNS = 'o.id, o.kind, o.version, o.step_id, o.payload, o.attempts, o.created_at'

/** A row selecting OPEN_ITEM_COLUMNS; `id` is null on the claimed side of a LEFT JOIN with no open item. */
export interface ItemRow {
  id: number | null
  kind: OpenItem['kind']
  version: number | null
  step_id: string | null
  payload: Record<string, unknown>
  attempts: number
  created_at: Date
}

export const toItem = (r: ItemRow & { id: number }): OpenItem => ({
  id: r.id, kind: r.kind, version: r.version, stepId: r.step_id, payload: r.payload, attempts: r.attempts, createdAt: r.created_at,
})

const toItems = (rows: ItemRow[]): OpenItem[] => rows.filter((r): r is ItemRow & { id: number } => r.id !== null).map(toItem)

/**
 * Marks what a round delivered, superseded and dead-lettered, in data-modifying CTEs ahead of the
 * final statement (one round trip, atomic). CTEs see the snapshot from before their own updates,
 * which is fine: every row they touch has an id ≤ `seenUpTo`, and only newer rows are looked for.
 * Only rows still open are marked: a holder whose lease lapsed cannot undo its successor's work.
 * $3 delivered ids, $4 superseded ids, and the dead items as four arrays from `$dead`.
 */
const markDoneCtes = (dead: number) => `
  delivered AS (UPDATE outbox SET state = 'delivered', done_at = now(), attempts = attempts + 1, next_attempt_at = NULL WHERE id = ANY($3::bigint[]) AND state IN ('pending', 'retrying') RETURNING id),
  superseded AS (UPDATE outbox SET state = 'superseded', done_at = now(), next_attempt_at = NULL WHERE id = ANY($4::bigint[]) AND state IN ('pending', 'retrying') RETURNING id),
  dead AS (UPDATE outbox SET state = 'dead', done_at = now(), attempts = t.attempts, last_error = t.error, upstream_code = t.code, next_attempt_at = NULL
           FROM unnest($${dead}::bigint[], $${dead + 1}::int[], $${dead + 2}::text[], $${dead + 3}::text[]) AS t(id, attempts, error, code)
           WHERE outbox.id = t.id AND outbox.state IN ('pending', 'retrying') RETURNING outbox.id)`
const deadParams = (dead: SettleInput['dead']) => [dead.map((d) => d.id), dead.map((d) => d.attempts), dead.map((d) => d.error), dead.map((d) => d.upstreamCode ?? null)]

export function createDeliveryStore(db: Db): DeliveryStore {
  async function claim(target: string, code: string, owner: string, leaseMs: number): Promise<(Claim & { items: OpenItem[] }) | null> {
    // Claim and read the open items in one round trip.
    const { rows } = await db.query<ItemRow & { delivered_version: number | null; state: Claim['state']; next_attempt_at: Date | null; retry_job: string | null }>(
      `WITH claimed AS (
         UPDATE sync_state SET lease_owner = $3, lease_until = now() + make_interval(secs => $4::double precision / 1000)
         WHERE target = $1 AND dossier_code = $2 AND (lease_until IS NULL OR lease_until < now() OR lease_owner = $3)
         RETURNING delivered_version, state, next_attempt_at, retry_job)
       SELECT c.delivered_version, c.state, c.next_attempt_at, c.retry_job, ${OPEN_ITEM_COLUMNS}
       FROM claimed c LEFT JOIN outbox o ON o.target = $1 AND o.dossier_code = $2 AND o.state IN ('pending', 'retrying')
       ORDER BY o.id`,
      [target, code, owner, leaseMs],
    )
    const row = rows[0]
    if (!row) return null
    return { deliveredVersion: row.delivered_version, state: row.state, nextAttemptAt: row.next_attempt_at, retryJob: row.retry_job, items: toItems(rows) }
  }

  async function openItems(target: string, code: string): Promise<OpenItem[]> {
    const { rows } = await db.query<ItemRow>(
      `SELECT ${OPEN_ITEM_COLUMNS} FROM outbox o
       WHERE o.target = $1 AND o.dossier_code = $2 AND o.state IN ('pending', 'retrying') ORDER BY o.id`,
      [target, code],
    )
    return toItems(rows)
  }

  const maxVersion = (delivered: SettleInput['delivered']) => {
    const versions = delivered.map((d) => d.version).filter((v): v is number => v !== null)
    return versions.length > 0 ? Math.max(...versions) : null
  }

  async function settle(input: SettleInput): Promise<{ released: boolean }> {
    const last = input.dead.at(-1)
    // Newer work accepted meanwhile keeps the lease: this worker goes round again, so no
    // wake-up for it can be lost between our last look and the release.
    const { rows } = await db.query<{ released: boolean }>(
      `WITH ${markDoneCtes(6)},
         n AS (SELECT EXISTS (SELECT 1 FROM outbox WHERE target = $1 AND dossier_code = $2 AND state IN ('pending', 'retrying') AND id > $5) AS newer)
       UPDATE sync_state SET
         delivered_version = CASE WHEN $10::bigint IS NULL THEN delivered_version ELSE GREATEST(coalesce(delivered_version, 0), $10::bigint) END,
         delivered_at = CASE WHEN $10::bigint IS NULL THEN delivered_at ELSE now() END,
         lease_owner = CASE WHEN n.newer THEN lease_owner ELSE NULL END,
         lease_until = CASE WHEN n.newer THEN lease_until ELSE NULL END,
         state = CASE WHEN n.newer THEN 'pending' WHEN $11::boolean THEN 'dead' ELSE 'delivered' END,
         attempts = CASE WHEN $11::boolean THEN $13::int ELSE 0 END,
         last_error = CASE WHEN $11::boolean THEN $12::text ELSE last_error END,
         next_attempt_at = NULL, retry_job = NULL, updated_at = now()
       FROM n WHERE target = $1 AND dossier_code = $2 AND lease_owner = $14
       RETURNING NOT n.newer AS released`,
      [
        input.target, input.code, input.delivered.map((d) => d.id), input.superseded, input.seenUpTo, ...deadParams(input.dead),
        maxVersion(input.delivered), last !== undefined, last?.error ?? null, last?.attempts ?? 0, input.owner,
      ],
    )
    return { released: rows[0]?.released ?? true }
  }

  async function retryLater(input: RetryInput): Promise<void> {
    await db.query(
      `WITH ${markDoneCtes(13)},
         item AS (UPDATE outbox SET state = 'retrying', attempts = $5, last_error = $6, upstream_code = $7, next_attempt_at = $8 WHERE id = $9 AND state IN ('pending', 'retrying') RETURNING id)
       UPDATE sync_state SET state = 'retrying', attempts = $5, last_error = $6, next_attempt_at = $8, retry_job = $10,
         lease_owner = NULL, lease_until = NULL, updated_at = now(),
         delivered_version = CASE WHEN $11::bigint IS NULL THEN delivered_version ELSE GREATEST(coalesce(delivered_version, 0), $11::bigint) END,
         delivered_at = CASE WHEN $11::bigint IS NULL THEN delivered_at ELSE now() END
       WHERE target = $1 AND dossier_code = $2 AND lease_owner = $12`,
      [
        input.target, input.code, input.delivered.map((d) => d.id), input.superseded, input.attempts, input.error, input.upstreamCode ?? null,
        input.nextAttemptAt, input.itemId, input.retryJob, maxVersion(input.delivered), input.owner, ...deadParams(input.dead),
      ],
    )
  }

  async function release(target: string, code: string, owner: string): Promise<void> {
    await db.query(
      'UPDATE sync_state SET lease_owner = NULL, lease_until = NULL WHERE target = $1 AND dossier_code = $2 AND lease_owner = $3',
      [target, code, owner],
    )
  }

  async function renew(target: string, code: string, owner: string, leaseMs: number): Promise<boolean> {
    const { rowCount } = await db.query(
      `UPDATE sync_state SET lease_until = now() + make_interval(secs => $4::double precision / 1000)
       WHERE target = $1 AND dossier_code = $2 AND lease_owner = $3`,
      [target, code, owner, leaseMs],
    )
    return rowCount > 0
  }

  return { claim, openItems, settle, retryLater, release, renew }
}
