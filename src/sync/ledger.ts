/**
 * The accepting side of outbound sync (DESIGN §3): a dossier change and its outbox rows are
 * committed in ONE transaction before the API answers 202, so a crash right after the commit
 * loses nothing — the reconciler finds the rows even if the queue never heard of them.
 * Snapshots are group-committed (accept-batch.ts); progress steps and messages are here.
 */
import type { Db, Queryable } from '../db/types.js'
import type { DossierSnapshot, ProgressStep } from '../../schemas/dossier.js'
import { GatewayError, forbidden, notFound } from '../errors.js'
import { bodyHash } from './canonical-json.js'

export interface AcceptedRow {
  id: number
  target: string
}

export interface AcceptResult {
  /** `accepted`: committed and queued for delivery; `unchanged`: the same version and body were already accepted. */
  outcome: 'accepted' | 'unchanged'
  version: number
  outbox: AcceptedRow[]
}

export interface AcceptOptions {
  client: string
  targets: readonly string[]
  /** Whether the caller may act for a dossier of this agency (client agency restrictions). */
  mayActFor(agencyCode: string): boolean
  /** Queues messages a new step implies (inside its transaction); their rows are woken with the step's. */
  onStep?: AcceptHooks['step']
}

/**
 * Work other modules attach to an accepted change, in the change's own transaction (so it commits,
 * or is lost, with it). Each returns the message rows it queued (`acceptMessage`), woken after commit.
 */
export interface AcceptHooks {
  /** Once per accept batch, with the last accepted snapshot of each dossier; rows per dossier code. */
  snapshots?(tx: Queryable, accepted: Array<{ code: string; snapshot: DossierSnapshot }>): Promise<Map<string, AcceptedRow[]>>
  /** For each new progress step. */
  step?(tx: Queryable, code: string, step: ProgressStep): Promise<AcceptedRow[]>
}

export const staleVersion = (current: number, given: number) =>
  new GatewayError('STALE_VERSION', `Version ${given} is older than the stored version ${current}; send a version above ${current}.`)
export const conflict = (what: string) =>
  new GatewayError('IDEMPOTENCY_CONFLICT', `${what} was already accepted with a different body; send a new ${what.startsWith('Version') ? 'version' : 'step id'} for a change.`)

/** A new row of a dossier waiting for a retry waits with it (see migration 006); $1 target, $2 code. */
const WAITING = '(SELECT next_attempt_at FROM sync_state WHERE target = $1 AND dossier_code = $2 AND next_attempt_at > now())'

export async function openSyncState(tx: Queryable, code: string, targets: readonly string[]): Promise<void> {
  for (const target of targets) {
    // A dossier already retrying stays so: its retry owner will deliver the newest version.
    await tx.query(
      `INSERT INTO sync_state (target, dossier_code, state) VALUES ($1, $2, 'pending')
       ON CONFLICT (target, dossier_code) DO UPDATE
         SET state = CASE WHEN sync_state.state = 'retrying' THEN 'retrying' ELSE 'pending' END, updated_at = now()`,
      [target, code],
    )
  }
}

export interface ProgressResult {
  outcome: 'accepted' | 'unchanged'
  outbox: AcceptedRow[]
}

export async function acceptProgress(db: Db, code: string, step: ProgressStep, options: AcceptOptions): Promise<ProgressResult> {
  const payload = { dossierCode: code, ...step }
  const hash = bodyHash(payload)
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ agency_code: string }>('SELECT agency_code FROM dossiers WHERE code = $1 FOR SHARE', [code])
    const dossier = rows[0]
    if (!dossier) throw notFound(`No dossier ${code} has been accepted; PUT /v1/dossiers/${code} first.`)
    if (!options.mayActFor(dossier.agency_code)) throw forbidden(`The client "${options.client}" may not act for agency ${dossier.agency_code}.`)
    const outbox: AcceptedRow[] = []
    let repeated = 0
    for (const target of options.targets) {
      const inserted = await tx.query<{ id: number }>(
        `INSERT INTO outbox (target, dossier_code, kind, step_id, payload, next_attempt_at) VALUES ($1, $2, 'progress', $3, $4, ${WAITING})
         ON CONFLICT (target, dossier_code, step_id) WHERE kind = 'progress' DO NOTHING RETURNING id`,
        [target, code, step.id, JSON.stringify(payload)],
      )
      if (inserted.rowCount > 0) {
        outbox.push({ id: inserted.rows[0]!.id, target })
        continue
      }
      const existing = await tx.query<{ payload: unknown }>(
        `SELECT payload FROM outbox WHERE target = $1 AND dossier_code = $2 AND kind = 'progress' AND step_id = $3`,
        [target, code, step.id],
      )
      if (bodyHash(existing.rows[0]!.payload) !== hash) throw conflict(`Step ${step.id}`)
      repeated++
    }
    if (outbox.length > 0) {
      await openSyncState(tx, code, outbox.map((o) => o.target))
      if (options.onStep) outbox.push(...(await options.onStep(tx, code, step)))
    }
    return { outcome: repeated > 0 && outbox.length === 0 ? ('unchanged' as const) : ('accepted' as const), outbox }
  })
}

export interface MessageInput {
  target: string
  /** Messages of one key are delivered one at a time, in the order they were accepted. */
  key: string
  /** Deduplicates: a second message with the same id for the same key is not queued again. */
  messageId: string
  /** What the target's `prepare` hook turns into a connector call (keep it small: ids, not documents). */
  payload: Record<string, unknown>
}

/**
 * Queues one message inside the caller's transaction (the change it belongs to and its outbox
 * row commit together). Returns the outbox row to wake up, or null when the id was already queued.
 */
export async function acceptMessage(tx: Queryable, input: MessageInput): Promise<AcceptedRow | null> {
  const { rows } = await tx.query<{ id: number }>(
    `INSERT INTO outbox (target, dossier_code, kind, step_id, payload, next_attempt_at) VALUES ($1, $2, 'message', $3, $4, ${WAITING})
     ON CONFLICT (target, dossier_code, step_id) WHERE kind = 'message' DO NOTHING RETURNING id`,
    [input.target, input.key, input.messageId, JSON.stringify(input.payload)],
  )
  if (rows.length === 0) return null
  await openSyncState(tx, input.key, [input.target])
  return { id: rows[0]!.id, target: input.target }
}
