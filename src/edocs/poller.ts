/**
 * Receiving from the document axis (DESIGN §5): one poll lists the province's mailbox, fetches
 * each package, stores it (idempotent by the axis's id, and by its content: a copy the sender sent
 * again maps to the first, see content-key.ts), turns it into events through the inbox (event ids
 * derived from the stored copy's axis id, so a second pass or a second copy is a duplicate, not a
 * new event) and only then acknowledges it upstream. A crash anywhere before the acknowledgement means the
 * package is listed again and the next pass finds it already stored: no loss, no duplicate event.
 * Two passes at once (two replicas, a pass longer than the interval) store and emit nothing twice
 * for the same reason; they only fetch twice.
 *
 * A package that keeps failing (unreadable, over our limits) stays in the mailbox, where the axis
 * keeps listing it first. After `HOLD_FAILURES` failures in a row it is retried on a backoff and
 * the list is asked for that many more entries, so such packages never starve the ones behind
 * them. Until then, a status packet that failed holds back the later packets of the same sender to
 * the same agency for that pass, so a passing fetch error does not let 03 overtake 01.
 */
import { createHash, randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import type { Db } from '../db/types.js'
import type { ConnectorRegistry } from '../upstream/registry.js'
import type { InboxService } from '../inbox/index.js'
import { isUpstreamError } from '../upstream/errors.js'
import type { EdocStore } from './store.js'
import { statusName } from './store.js'
import { edocContentKey, statusContentKey } from './content-key.js'
import type { ReceivedMessage } from '../../connectors/document-axis/index.js'
import type { ReceivedItem } from '../../connectors/document-axis/wire.js'

/** Event ids derived from the axis's ids (so a second pass is a duplicate), in the webhook-id alphabet. */
export const eventIdOf = (...parts: string[]) => parts.join('-').replace(/[^\x21-\x2d\x2f-\x7e]/g, '_').slice(0, 256)

export interface PollerDeps {
  connector: string
  db: Db
  store: EdocStore
  registry: ConnectorRegistry
  inbox: InboxService
  /** The province's own agency code: the routing key when no recipient in the province is named. */
  provinceOrgan: () => string | undefined
  batch: number
  /** First backoff of a package that keeps failing (then doubling, at most an hour): the poll interval. */
  retryBaseMs: number
  log: Logger
}

export interface PollResult {
  listed: number
  stored: number
  /** Of the stored: copies a sender sent again, matched to the first one (content-key.ts). */
  resent: number
  acknowledged: number
  failed: number
  /** Left for a later pass: packages on their backoff, status packets held behind a failed one. */
  skipped: number
}

/** Failures in a row after which a package stops holding others back and waits out a backoff. */
export const HOLD_FAILURES = 3
const MAX_BACKOFF_MS = 3_600_000
/** Most entries asked of the received list in one call (the simulator's own cap, simulator-axis.ts). */
const MAX_LIST = 1000
/** Failing packages remembered per process; the oldest is forgotten first. */
const MAX_TRACKED = 10_000

export function createPoller(deps: PollerDeps) {
  const { registry, store, log } = deps
  const ctx = (signal: AbortSignal) => ({ signal, requestId: `edocs-poll-${randomUUID().slice(0, 8)}`, log })
  const attachmentUrl = (id: string, contentId: string) => `/v1/edocs/${id}/attachments/${encodeURIComponent(contentId)}`

  /** A copy the sender sent again (stored under another axis id): logged; its events are the first copy's. */
  const resent = (kind: string, m: ReceivedMessage, stored: { axisDocId: string }) => {
    if (stored.axisDocId === m.docId) return false
    log.info({ docId: m.docId, firstDocId: stored.axisDocId, messageType: kind }, 'a package the sender sent again: matched to the first copy, nothing new stored or emitted')
    return true
  }

  async function storeEdoc(m: Extract<ReceivedMessage, { kind: 'edoc' }>): Promise<boolean> {
    const h = m.edoc.header
    const files = m.edoc.attachments.map((a) => ({ contentId: a.contentId, name: a.name, contentType: a.contentType, ...(a.description !== undefined && { description: a.description }), data: a.data }))
    const stored = await deps.db.transaction((tx) => store.insertEdoc(tx, {
      id: randomUUID(), direction: 'incoming', documentId: h.documentId, axisDocId: m.docId, from: h.from.organId, to: h.to.map((t) => t.organId),
      subject: h.subject, header: h as unknown as Record<string, unknown>, files, pkg: m.package, contentKey: edocContentKey(m.edoc),
    }))
    const { id } = stored
    const recipients = m.ours.length > 0 ? m.ours : [deps.provinceOrgan()].filter((o): o is string => o !== undefined)
    for (const agencyCode of recipients) {
      const data = {
        edocId: id, agencyCode, documentId: h.documentId, from: { organId: h.from.organId, organName: h.from.organName }, to: h.to.map((t) => t.organId),
        subject: h.subject, documentType: h.documentType, code: `${h.code.number}/${h.code.notation}`, promulgationDate: h.promulgation.date,
        ...(h.dueDate !== undefined && { dueDate: h.dueDate }), ...(h.responseFor && { responseFor: h.responseFor.documentId }),
        attachments: m.edoc.attachments.map((a) => ({
          contentId: a.contentId, name: a.name, contentType: a.contentType, ...(a.description !== undefined && { description: a.description }),
          size: a.data.length, sha256: createHash('sha256').update(a.data).digest('hex'), url: attachmentUrl(id, a.contentId),
        })),
      }
      await deps.inbox.ingest({
        // From the stored copy's axis id: a fetch again or a copy sent again is the same event (the inbox keeps one).
        eventId: eventIdOf('edoc-received', stored.axisDocId, agencyCode), source: 'document-axis', type: 'edoc.received', agencyCode, dossierCode: null,
        orderingKey: `edoc:${id}`, body: { type: 'edoc.received', timestamp: new Date().toISOString(), data },
      })
    }
    return resent('edoc', m, stored)
  }

  async function storeStatus(m: Extract<ReceivedMessage, { kind: 'status' }>): Promise<boolean> {
    const p = m.status
    const ours = await store.outgoingByDocumentId(p.responseFor.documentId)
    if (!ours) log.warn({ documentId: p.responseFor.documentId, docId: m.docId }, 'a status packet answers a document this hub did not send; stored without a link')
    const stored = await deps.db.transaction((tx) => store.insertStatus(tx, {
      edocId: ours?.id ?? null, direction: 'incoming', documentId: p.responseFor.documentId, axisDocId: m.docId, from: p.from.organId,
      statusCode: p.statusCode, ...(p.description !== undefined && { description: p.description }), at: p.timestamp,
      packet: p as unknown as Record<string, unknown>, contentKey: statusContentKey(p),
    }))
    const agencyCode = ours?.from ?? p.responseFor.organId
    await deps.inbox.ingest({
      eventId: eventIdOf('edoc-status', stored.axisDocId), source: 'document-axis', type: 'edoc.status_changed', agencyCode, dossierCode: null,
      orderingKey: ours ? `edoc:${ours.id}` : `edoc-doc:${p.responseFor.documentId}`,
      body: {
        type: 'edoc.status_changed', timestamp: p.timestamp,
        data: {
          edocId: ours?.id ?? null, agencyCode, documentId: p.responseFor.documentId, from: { organId: p.from.organId, organName: p.from.organName },
          statusCode: p.statusCode, status: statusName(p.statusCode), ...(p.description !== undefined && { description: p.description }), at: p.timestamp,
        },
      },
    })
    return resent('status', m, stored)
  }

  /** Packages that failed, by the axis's id: how many times in a row, and not before when again. */
  const failures = new Map<string, { count: number; retryAt: number }>()

  function failed(item: ReceivedItem, now: number): { count: number; retryAt: number } {
    const count = (failures.get(item.docId)?.count ?? 0) + 1
    const retryAt = count < HOLD_FAILURES ? 0 : now + Math.min(deps.retryBaseMs * 2 ** (count - HOLD_FAILURES), MAX_BACKOFF_MS)
    failures.delete(item.docId) // re-inserted last: the map forgets the oldest first
    failures.set(item.docId, { count, retryAt })
    if (failures.size > MAX_TRACKED) failures.delete(failures.keys().next().value!)
    return { count, retryAt }
  }

  /** One pass over the mailbox. A package that fails is left unacknowledged (listed again next pass); the others go on. */
  async function pollOnce(signal: AbortSignal = new AbortController().signal): Promise<PollResult> {
    const result: PollResult = { listed: 0, stored: 0, resent: 0, acknowledged: 0, failed: 0, skipped: 0 }
    const now = Date.now()
    let waiting = 0
    for (const f of failures.values()) if (f.retryAt > now) waiting++
    const { items } = await registry.invoke<{ items: ReceivedItem[] }>(deps.connector, 'listReceived', { limit: Math.min(deps.batch + waiting, MAX_LIST) }, ctx(signal))
    result.listed = items.length
    /** Sender → agency pairs whose status packet failed this pass: their later packets wait (order). */
    const held = new Set<string>()
    const pair = (item: ReceivedItem) => `${item.from}\n${item.to}`
    let taken = 0
    for (const item of items) {
      if (signal.aborted || taken >= deps.batch) break
      if ((failures.get(item.docId)?.retryAt ?? 0) > now || (item.messageType === 'status' && held.has(pair(item)))) {
        result.skipped++
        continue
      }
      taken++
      try {
        const message = await registry.invoke<ReceivedMessage>(deps.connector, 'getMessage', { docId: item.docId, messageType: item.messageType }, ctx(signal))
        const again = message.kind === 'edoc' ? await storeEdoc(message) : await storeStatus(message)
        result.stored++
        if (again) result.resent++
        await registry.invoke(deps.connector, 'acknowledge', { docId: item.docId }, ctx(signal))
        result.acknowledged++
        failures.delete(item.docId)
      } catch (err) {
        result.failed++
        const { count, retryAt } = failed(item, now)
        if (item.messageType === 'status' && count < HOLD_FAILURES) held.add(pair(item))
        // Kinds, codes and the parser's reason (element paths, bounded); never the package or its text.
        const detail = isUpstreamError(err) ? { kind: err.kind, upstreamCode: err.upstreamCode, reason: err.upstreamReason } : { message: (err as Error).message }
        log.warn(
          { docId: item.docId, messageType: item.messageType, failures: count, ...(retryAt > 0 && { retryAt: new Date(retryAt).toISOString() }), ...detail },
          'a received package was not taken in; it stays unacknowledged and is tried again later',
        )
      }
    }
    if (result.listed > 0) log.info(result, 'document axis polled')
    return result
  }

  return { pollOnce }
}
