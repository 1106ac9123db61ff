/**
 * Operator views of the document axis ledger: documents sent and received, newest first, each
 * with its sending state (outgoing: the outbox message that carries it) and the last processing
 * status reported on it; and the `edxml:inspect` verdict on a quarantined package, from the
 * connector (the gateway never reads edXML itself).
 */
import type { Logger } from 'pino'
import type { Db } from '../db/types.js'
import type { ConnectorRegistry } from '../upstream/registry.js'
import { InspectPackage, type PackageInspection } from '../axis/contracts.js'
import { createReceiveFailures } from './receive-failures.js'
import { outboxKey, SEND_MESSAGE_ID, statusName } from './store.js'

export interface EdocListItem {
  id: string
  direction: 'outgoing' | 'incoming'
  documentId: string
  from: string
  to: string[]
  subject: string
  createdAt: string
  /** Outgoing: the outbox state of its sending (pending, retrying, delivered, dead…); null for received ones. */
  sending: { state: string; attempts: number; lastError: string | null } | null
  lastStatus: { code: string; status: string; from: string; at: string; direction: 'incoming' | 'outgoing' } | null
  statuses: number
}

/** Page cursor: the last item's `createdAt|id`, items strictly older follow. */
export const cursorOf = (item: Pick<EdocListItem, 'createdAt' | 'id'>) => `${item.createdAt}|${item.id}`

export async function listEdocs(db: Db, target: string, q: { direction?: 'outgoing' | 'incoming'; limit: number; before?: string }): Promise<{ items: EdocListItem[]; next: string | null }> {
  const [beforeAt, beforeId] = q.before?.split('|') ?? []
  const before = beforeAt !== undefined && beforeId !== undefined && !Number.isNaN(Date.parse(beforeAt)) ? [beforeAt, beforeId] : [null, null]
  const { rows } = await db.query<{
    id: string; direction: EdocListItem['direction']; document_id: string; from_organ: string; to_organs: string[]; subject: string; created_at: Date
    o_state: string | null; o_attempts: number | null; o_error: string | null
    s_code: string | null; s_from: string | null; s_at: Date | null; s_direction: 'incoming' | 'outgoing' | null; s_count: number
  }>(
    `SELECT e.id, e.direction, e.document_id, e.from_organ, e.to_organs, e.subject, e.created_at,
            o.state AS o_state, o.attempts AS o_attempts, o.last_error AS o_error,
            s.status_code AS s_code, s.from_organ AS s_from, s.status_at AS s_at, s.direction AS s_direction,
            (SELECT count(*)::int FROM edoc_statuses c WHERE c.edoc_id = e.id) AS s_count
     FROM edocs e
     LEFT JOIN outbox o ON e.direction = 'outgoing' AND o.target = $1 AND o.dossier_code = $7::text || e.id AND o.kind = 'message' AND o.step_id = $2
     LEFT JOIN LATERAL (SELECT status_code, from_organ, status_at, direction FROM edoc_statuses WHERE edoc_id = e.id ORDER BY status_at DESC, id DESC LIMIT 1) s ON true
     WHERE ($3::text IS NULL OR e.direction = $3)
       AND ($4::timestamptz IS NULL OR (e.created_at, e.id) < ($4::timestamptz, $5::text))
     ORDER BY e.created_at DESC, e.id DESC
     LIMIT $6`,
    [target, SEND_MESSAGE_ID, q.direction ?? null, before[0], before[1], q.limit, outboxKey('')],
  )
  const items = rows.map((r): EdocListItem => ({
    id: r.id, direction: r.direction, documentId: r.document_id, from: r.from_organ, to: r.to_organs, subject: r.subject, createdAt: r.created_at.toISOString(),
    sending: r.direction === 'outgoing' && r.o_state !== null ? { state: r.o_state, attempts: r.o_attempts ?? 0, lastError: r.o_error } : null,
    lastStatus: r.s_code !== null ? { code: r.s_code, status: statusName(r.s_code), from: r.s_from ?? '', at: r.s_at!.toISOString(), direction: r.s_direction! } : null,
    statuses: r.s_count,
  }))
  return { items, next: items.length === q.limit ? cursorOf(items.at(-1)!) : null }
}

export type Inspection = PackageInspection

/**
 * What `edxml:inspect` says of a kept package (a quarantined one; a retrying one has no bytes
 * here): undefined when there is no such failure, null when its bytes are not kept.
 */
export async function inspectReceiveFailure(
  db: Db, registry: ConnectorRegistry, connector: string, docId: string, ctx: { requestId: string; log: Logger },
): Promise<Inspection | null | undefined> {
  const row = await createReceiveFailures(db, 0).get(docId)
  if (!row) return undefined
  if (!row.package) return null
  return registry.call(InspectPackage, { package: row.package }, {
    connector, signal: AbortSignal.timeout(30_000), requestId: ctx.requestId, log: ctx.log,
  })
}
