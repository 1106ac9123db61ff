/**
 * The document-axis ledger (migration 005): documents sent and received with their packages and
 * files, and the processing statuses reported on them. Writes take the caller's transaction so a
 * document and its outbox message commit together; received packages are unique by the axis's
 * id, so fetching one twice (a crash before the acknowledgement) stores it once.
 */
import { createHash } from 'node:crypto'
import type { Db, Queryable } from '../db/types.js'
import type { EdocView } from '../../schemas/api/edocs.js'
import { typeField } from './file-type.js'

export interface FileInput {
  contentId: string
  name: string
  contentType: string
  description?: string
  /** Received only, when the sender wrote them (model.ts Attachment): kept in the view. */
  manifestContentType?: string
  fieldName?: string
  mimeType?: string
  data: Buffer
}

/** What a file's entry in the `attachments` column says beside its name and type, when the sender wrote it. */
export const fileExtras = (f: Pick<FileInput, 'description' | 'manifestContentType' | 'fieldName' | 'mimeType'>) => ({
  ...(f.description !== undefined && { description: f.description }),
  ...(f.manifestContentType !== undefined && { manifestContentType: f.manifestContentType }),
  ...(f.fieldName !== undefined && { fieldName: f.fieldName }),
  ...(f.mimeType !== undefined && { mimeType: f.mimeType }),
})

export interface EdocRow {
  id: string
  direction: 'outgoing' | 'incoming'
  documentId: string
  axisDocId?: string
  from: string
  to: string[]
  subject: string
  /** The domain header (model.ts EdocHeader), without attachments. */
  header: Record<string, unknown>
  files: FileInput[]
  pkg: Buffer
  bodyHash?: string
  client?: string
  /** Received only: what the sender said (content-key.ts); a resend under another axis id maps to the first row. */
  contentKey?: string
}

/** Where a received package was stored: `axisDocId` is the first copy's (a resend maps to it), the key its events derive from. */
export interface StoredReceived<Id> {
  id: Id
  created: boolean
  axisDocId: string
}

export interface StatusRow {
  edocId: string | null
  direction: 'outgoing' | 'incoming'
  documentId: string
  axisDocId?: string
  from: string
  statusCode: string
  description?: string
  at: string
  packet: Record<string, unknown>
  pkg?: Buffer
  client?: string
  /** Received only, as on EdocRow. */
  contentKey?: string
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex')
const bytes = (value: unknown) => Buffer.from(value as Uint8Array)

/** Outbox key and message ids of the axis target: one key per document keeps its messages in order. */
export const outboxKey = (edocId: string) => `edoc-${edocId}`
export const SEND_MESSAGE_ID = 'send'
export const statusMessageId = (statusId: number) => `status-${statusId}`

const STATUS_NAMES: Record<string, string> = {
  '01': 'arrived', '02': 'refused', '03': 'accepted', '04': 'assigned', '05': 'processing', '06': 'completed',
  '13': 'recall_requested', '15': 'recall_agreed', '16': 'recall_refused',
}
export const statusName = (code: string) => STATUS_NAMES[code] ?? 'unknown'

/** Indicator hooks (src/indicators/record.ts): documents sent, and the first "received" status each gets. */
export interface EdocIndicatorHooks {
  sent(tx: Queryable, edocId: string, fromAgency: string): Promise<void>
  status(tx: Queryable, edocId: string, statusCode: string): Promise<void>
}

export function createEdocStore(db: Db, target: string, indicators?: EdocIndicatorHooks) {
  async function insertEdoc(tx: Queryable, row: EdocRow): Promise<StoredReceived<string>> {
    // No conflict target: a received copy conflicts on its axis id (fetched again) or on its
    // content (sent again); either way the row that is there wins.
    const inserted = await tx.query<{ id: string }>(
      `INSERT INTO edocs (id, direction, document_id, axis_doc_id, from_organ, to_organs, subject, header, attachments, package, body_hash, client, content_key)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
       ON CONFLICT DO NOTHING RETURNING id`,
      [
        row.id, row.direction, row.documentId, row.axisDocId ?? null, row.from, row.to, row.subject, JSON.stringify(row.header),
        JSON.stringify(row.files.map((f) => ({
          contentId: f.contentId, name: f.name, contentType: f.contentType, ...fileExtras(f), size: f.data.length, sha256: sha256(f.data), ...typeField(f.data),
        }))),
        row.pkg, row.bodyHash ?? null, row.client ?? null, row.contentKey ?? null,
      ],
    )
    if (inserted.rows.length === 0) {
      const { rows } = await tx.query<{ id: string; axis_doc_id: string }>(
        `SELECT id, axis_doc_id FROM edocs WHERE direction = 'incoming' AND (axis_doc_id = $1 OR content_key = $2) ORDER BY created_at, id LIMIT 1`,
        [row.axisDocId, row.contentKey ?? null],
      )
      if (!rows[0]) throw new Error(`document ${row.id} was neither stored nor found (only received documents may conflict)`)
      return { id: rows[0].id, created: false, axisDocId: rows[0].axis_doc_id }
    }
    if (row.direction === 'outgoing') await indicators?.sent(tx, row.id, row.from)
    for (const [position, f] of row.files.entries()) {
      await tx.query(
        `INSERT INTO edoc_attachments (edoc_id, content_id, position, name, content_type, size, sha256, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [row.id, f.contentId, position, f.name, f.contentType, f.data.length, sha256(f.data), f.data],
      )
    }
    return { id: row.id, created: true, axisDocId: row.axisDocId ?? '' }
  }

  async function insertStatus(tx: Queryable, row: StatusRow): Promise<StoredReceived<number>> {
    const inserted = await tx.query<{ id: number }>(
      `INSERT INTO edoc_statuses (edoc_id, direction, document_id, axis_doc_id, from_organ, status_code, description, status_at, packet, package, client, content_key)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT DO NOTHING RETURNING id`,
      [row.edocId, row.direction, row.documentId, row.axisDocId ?? null, row.from, row.statusCode, row.description ?? null, row.at, JSON.stringify(row.packet), row.pkg ?? null, row.client ?? null, row.contentKey ?? null],
    )
    if (inserted.rows.length > 0) {
      if (row.direction === 'incoming' && row.edocId !== null) await indicators?.status(tx, row.edocId, row.statusCode)
      return { id: inserted.rows[0]!.id, created: true, axisDocId: row.axisDocId ?? '' }
    }
    const { rows } = await tx.query<{ id: number; axis_doc_id: string }>(
      `SELECT id, axis_doc_id FROM edoc_statuses WHERE direction = 'incoming' AND (axis_doc_id = $1 OR content_key = $2) ORDER BY id LIMIT 1`,
      [row.axisDocId, row.contentKey ?? null],
    )
    if (!rows[0]) throw new Error(`a status of ${row.documentId} was neither stored nor found (only received statuses may conflict)`)
    return { id: rows[0].id, created: false, axisDocId: rows[0].axis_doc_id }
  }

  /**
   * Serialises the transactions that decide on one key (an axis document id, an edoc's statuses)
   * until commit, where no unique index can: outgoing documents are not unique by document id in
   * the ledger. Single-bigint advisory locks do not share a key space with src/db/locks.ts's pairs.
   */
  async function lock(tx: Queryable, key: string): Promise<void> {
    await tx.query("SELECT pg_advisory_xact_lock(hashtextextended(coalesce(current_schema(), '') || ' edoc ' || $1, 0))", [key])
  }

  /** The last status the province reported on a received document (a repeated report is a client retry). */
  async function lastOutgoingStatus(tx: Queryable, edocId: string): Promise<{ id: number; packet: Record<string, unknown> } | undefined> {
    const { rows } = await tx.query<{ id: number; packet: Record<string, unknown> }>(
      `SELECT id, packet FROM edoc_statuses WHERE edoc_id = $1 AND direction = 'outgoing' ORDER BY id DESC LIMIT 1`, [edocId],
    )
    return rows[0]
  }

  /** The outgoing document a client already sent under this axis document id, if any (idempotent POST). */
  async function findOutgoing(tx: Queryable, documentId: string): Promise<{ id: string; bodyHash: string | null } | undefined> {
    const { rows } = await tx.query<{ id: string; body_hash: string | null }>(
      `SELECT id, body_hash FROM edocs WHERE direction = 'outgoing' AND document_id = $1 ORDER BY created_at LIMIT 1`, [documentId],
    )
    return rows[0] && { id: rows[0].id, bodyHash: rows[0].body_hash }
  }

  async function header(id: string): Promise<{ direction: EdocRow['direction']; documentId: string; from: string; to: string[]; header: Record<string, unknown> } | undefined> {
    const { rows } = await db.query<{ direction: EdocRow['direction']; document_id: string; from_organ: string; to_organs: string[]; header: Record<string, unknown> }>(
      'SELECT direction, document_id, from_organ, to_organs, header FROM edocs WHERE id = $1', [id],
    )
    const r = rows[0]
    return r && { direction: r.direction, documentId: r.document_id, from: r.from_organ, to: r.to_organs, header: r.header }
  }

  async function view(id: string): Promise<EdocView | undefined> {
    const { rows } = await db.query<{
      id: string; direction: EdocView['direction']; document_id: string; axis_doc_id: string | null; from_organ: string; to_organs: string[]; subject: string
      header: Record<string, unknown>; attachments: Array<Omit<EdocView['attachments'][number], 'url'>>; created_at: Date
      o_state: string | null; o_attempts: number | null; o_error: string | null
    }>(
      `SELECT e.id, e.direction, e.document_id, e.axis_doc_id, e.from_organ, e.to_organs, e.subject, e.header, e.attachments, e.created_at,
              o.state AS o_state, o.attempts AS o_attempts, o.last_error AS o_error
       FROM edocs e LEFT JOIN outbox o ON o.target = $2 AND o.dossier_code = $3 AND o.kind = 'message' AND o.step_id = $4
       WHERE e.id = $1`,
      [id, target, outboxKey(id), SEND_MESSAGE_ID],
    )
    const e = rows[0]
    if (!e) return undefined
    const statuses = await db.query<{
      id: number; direction: 'incoming' | 'outgoing'; from_organ: string; status_code: string; description: string | null; status_at: Date; created_at: Date
      axis_doc_id: string | null; o_state: string | null; o_attempts: number | null; o_error: string | null
    }>(
      `SELECT s.id, s.direction, s.from_organ, s.status_code, s.description, s.status_at, s.created_at, s.axis_doc_id,
              o.state AS o_state, o.attempts AS o_attempts, o.last_error AS o_error
       FROM edoc_statuses s LEFT JOIN outbox o ON s.direction = 'outgoing' AND o.target = $2 AND o.dossier_code = $3 AND o.kind = 'message' AND o.step_id = 'status-' || s.id
       WHERE s.edoc_id = $1 ORDER BY s.status_at, s.id`,
      [id, target, outboxKey(id)],
    )
    const delivery = (state: string | null, attempts: number | null, error: string | null, axisDocId: string | null) => state === null
      ? undefined
      : { state: state as NonNullable<EdocView['sending']>['state'], attempts: attempts ?? 0, lastError: error, axisDocId }
    const sending = e.direction === 'outgoing' ? delivery(e.o_state, e.o_attempts, e.o_error, e.axis_doc_id) : undefined
    // A received package's signature verdict is kept with its header (poller.ts) and shown beside it.
    const { signature, ...header } = e.header
    return {
      id: e.id, direction: e.direction, documentId: e.document_id, from: e.from_organ, to: e.to_organs, subject: e.subject, header,
      ...(signature !== undefined && { signature: signature as NonNullable<EdocView['signature']> }),
      attachments: e.attachments.map((a) => ({ ...a, url: `/v1/edocs/${e.id}/attachments/${encodeURIComponent(a.contentId)}` })),
      createdAt: e.created_at.toISOString(),
      ...(sending && { sending }),
      statuses: statuses.rows.map((s) => {
        const d = delivery(s.o_state, s.o_attempts, s.o_error, s.axis_doc_id)
        return {
          id: s.id, direction: s.direction, from: s.from_organ, statusCode: s.status_code, status: statusName(s.status_code), description: s.description,
          at: s.status_at.toISOString(), recordedAt: s.created_at.toISOString(), ...(d && { delivery: d }),
        }
      }),
    }
  }

  async function attachment(id: string, contentId: string): Promise<{ name: string; contentType: string; data: Buffer } | undefined> {
    const { rows } = await db.query<{ name: string; content_type: string; data: Uint8Array }>(
      'SELECT name, content_type, data FROM edoc_attachments WHERE edoc_id = $1 AND content_id = $2', [id, contentId],
    )
    const r = rows[0]
    return r && { name: r.name, contentType: r.content_type, data: bytes(r.data) }
  }

  /** The package a message of the axis target sends (the worker's prepare step). */
  async function packageOf(payload: Record<string, unknown>): Promise<{ messageType: 'edoc' | 'status'; pkg: Buffer } | undefined> {
    if (payload.type === 'edoc') {
      const { rows } = await db.query<{ package: Uint8Array }>('SELECT package FROM edocs WHERE id = $1', [payload.edocId])
      return rows[0] && { messageType: 'edoc', pkg: bytes(rows[0].package) }
    }
    if (payload.type === 'status') {
      const { rows } = await db.query<{ package: Uint8Array | null }>('SELECT package FROM edoc_statuses WHERE id = $1', [payload.statusId])
      return rows[0]?.package ? { messageType: 'status', pkg: bytes(rows[0].package) } : undefined
    }
    return undefined
  }

  /** Records the axis's id of what it accepted from us. */
  async function markSent(payload: Record<string, unknown>, axisDocId: string): Promise<void> {
    if (payload.type === 'edoc') await db.query('UPDATE edocs SET axis_doc_id = $2, sent_at = now() WHERE id = $1', [payload.edocId, axisDocId])
    else if (payload.type === 'status') await db.query('UPDATE edoc_statuses SET axis_doc_id = $2 WHERE id = $1', [payload.statusId, axisDocId])
  }

  /** Our outgoing document a status packet answers, matched on the axis document id. */
  async function outgoingByDocumentId(documentId: string): Promise<{ id: string; from: string } | undefined> {
    const { rows } = await db.query<{ id: string; from_organ: string }>(
      `SELECT id, from_organ FROM edocs WHERE direction = 'outgoing' AND document_id = $1 ORDER BY created_at LIMIT 1`, [documentId],
    )
    return rows[0] && { id: rows[0].id, from: rows[0].from_organ }
  }

  return { insertEdoc, insertStatus, lock, lastOutgoingStatus, findOutgoing, header, view, attachment, packageOf, markSent, outgoingByDocumentId }
}

export type EdocStore = ReturnType<typeof createEdocStore>
