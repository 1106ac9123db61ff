/**
 * The accepting side of outbound sync (DESIGN §3): a dossier change and its outbox rows are
 * committed in ONE transaction before the API answers 202, so a crash right after the commit
 * loses nothing — the reconciler finds the rows even if the queue never heard of them.
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
  /** Runs inside the accept transaction of a new version (e.g. indexing its results as documents). */
  onSnapshot?: (tx: Queryable, code: string, snapshot: DossierSnapshot) => Promise<unknown>
}

const staleVersion = (current: number, given: number) =>
  new GatewayError(409, 'STALE_VERSION', `Version ${given} is older than the stored version ${current}; send a version above ${current}.`)
const conflict = (what: string) =>
  new GatewayError(409, 'IDEMPOTENCY_CONFLICT', `${what} was already accepted with a different body; send a new ${what.startsWith('Version') ? 'version' : 'step id'} for a change.`)

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

export async function acceptSnapshot(db: Db, code: string, snapshot: DossierSnapshot, options: AcceptOptions): Promise<AcceptResult> {
  if (!options.mayActFor(snapshot.agencyCode)) throw forbidden(`The client "${options.client}" may not act for agency ${snapshot.agencyCode}.`)
  const hash = bodyHash(snapshot)
  return db.transaction(async (tx) => {
    const inserted = await tx.query(
      `INSERT INTO dossiers (code, version, agency_code, status, snapshot, body_hash, client)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (code) DO NOTHING RETURNING code`,
      [code, snapshot.version, snapshot.agencyCode, snapshot.status, JSON.stringify(snapshot), hash, options.client],
    )
    if (inserted.rowCount === 0) {
      const { rows } = await tx.query<{ version: number; body_hash: string; agency_code: string }>(
        'SELECT version, body_hash, agency_code FROM dossiers WHERE code = $1 FOR UPDATE',
        [code],
      )
      const current = rows[0]!
      if (!options.mayActFor(current.agency_code)) throw forbidden(`The client "${options.client}" may not act for agency ${current.agency_code}.`)
      if (snapshot.version < current.version) throw staleVersion(current.version, snapshot.version)
      if (snapshot.version === current.version) {
        if (current.body_hash === hash) return { outcome: 'unchanged' as const, version: current.version, outbox: [] }
        throw conflict(`Version ${snapshot.version}`)
      }
      await tx.query(
        `UPDATE dossiers SET version = $2, agency_code = $3, status = $4, snapshot = $5, body_hash = $6, client = $7, accepted_at = now()
         WHERE code = $1`,
        [code, snapshot.version, snapshot.agencyCode, snapshot.status, JSON.stringify(snapshot), hash, options.client],
      )
    }
    const outbox: AcceptedRow[] = []
    const payload = JSON.stringify({ code, ...snapshot })
    for (const target of options.targets) {
      const { rows } = await tx.query<{ id: number }>(
        `INSERT INTO outbox (target, dossier_code, kind, version, payload) VALUES ($1, $2, 'snapshot', $3, $4) RETURNING id`,
        [target, code, snapshot.version, payload],
      )
      outbox.push({ id: rows[0]!.id, target })
    }
    await openSyncState(tx, code, options.targets)
    await options.onSnapshot?.(tx, code, snapshot)
    return { outcome: 'accepted' as const, version: snapshot.version, outbox }
  })
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
        `INSERT INTO outbox (target, dossier_code, kind, step_id, payload) VALUES ($1, $2, 'progress', $3, $4)
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
    if (outbox.length > 0) await openSyncState(tx, code, outbox.map((o) => o.target))
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
    `INSERT INTO outbox (target, dossier_code, kind, step_id, payload) VALUES ($1, $2, 'message', $3, $4)
     ON CONFLICT (target, dossier_code, step_id) WHERE kind = 'message' DO NOTHING RETURNING id`,
    [input.target, input.key, input.messageId, JSON.stringify(input.payload)],
  )
  if (rows.length === 0) return null
  await openSyncState(tx, input.key, [input.target])
  return { id: rows[0]!.id, target: input.target }
}
