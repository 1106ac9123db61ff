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
 * A package that fails (a fetch error, over our limits, unreadable) stays in the mailbox, where the
 * axis keeps listing it first; its failures are counted in the ledger (receive-failures.ts). After
 * `HOLD_FAILURES` failures in a row it is retried on a backoff and the list is asked for that many
 * more entries, so such packages never starve the ones behind them — except a package fetched
 * whole that the parser still refuses: that one is kept in quarantine with its bytes and
 * acknowledged. Until then, a status packet that failed holds back the later packets of the same
 * sender to the same agency for that pass, so a passing fetch error does not let 03 overtake 01.
 */
import { createHash, randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import type { Db } from '../db/types.js'
import type { ConnectorRegistry } from '../upstream/registry.js'
import type { InboxService } from '../inbox/index.js'
import { isUpstreamError } from '../upstream/errors.js'
import type { EdocStore } from './store.js'
import { fileExtras, statusName } from './store.js'
import { edocContentKey, statusContentKey } from './content-key.js'
import type { ReceivedItem, ReceivedMessage } from '../axis/model.js'
import { Acknowledge, GetMessage, ListReceived } from '../axis/contracts.js'
import { typeField } from './file-type.js'
import { HOLD_FAILURES, type FailureState, type ReceiveFailures } from './receive-failures.js'

/** Recipient codes an `edoc.received` event lists at most (`toCount` says how many there are; GET /v1/edocs/{id} has them all). */
export const EVENT_MAX_TO = 50

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
  /** Packages that failed, and those kept in quarantine (receive-failures.ts). */
  failures: ReceiveFailures
  log: Logger
}

export interface PollResult {
  listed: number
  stored: number
  /** Of the stored: copies a sender sent again, matched to the first one (content-key.ts). */
  resent: number
  /** Unreadable after HOLD_FAILURES reads: kept with their bytes and acknowledged (receive-failures.ts). */
  quarantined: number
  acknowledged: number
  failed: number
  /** Left for a later pass: packages on their backoff, status packets held behind a failed one. */
  skipped: number
}

/** Most entries asked of the received list in one call (the simulator's own cap, simulator-axis.ts). */
const MAX_LIST = 1000

/** A package read but refused by the parser, not yet given up on (it goes to quarantine at HOLD_FAILURES). */
class UnreadableError extends Error {
  constructor(readonly reason: string) {
    super(`not acceptable edXML: ${reason}`)
  }
}

/** What is kept of a failure: kinds, codes and reasons, never a package or its text. */
const errorText = (err: unknown) => isUpstreamError(err)
  ? [err.kind, err.upstreamCode, err.message, err.upstreamReason].filter((x) => x !== undefined).join(': ')
  : (err as Error).message

export function createPoller(deps: PollerDeps) {
  const { registry, store, log } = deps
  const ctx = (signal: AbortSignal) => ({ connector: deps.connector, signal, requestId: `edocs-poll-${randomUUID().slice(0, 8)}`, log })
  const attachmentUrl = (id: string, contentId: string) => `/v1/edocs/${id}/attachments/${encodeURIComponent(contentId)}`

  /** A copy the sender sent again (stored under another axis id): logged; its events are the first copy's. */
  const resent = (kind: string, m: ReceivedMessage, stored: { axisDocId: string }) => {
    if (stored.axisDocId === m.docId) return false
    log.info({ docId: m.docId, firstDocId: stored.axisDocId, messageType: kind }, 'a package the sender sent again: matched to the first copy, nothing new stored or emitted')
    return true
  }

  async function storeEdoc(m: Extract<ReceivedMessage, { kind: 'edoc' }>): Promise<boolean> {
    const h = m.edoc.header
    const files = m.edoc.attachments.map((a) => ({ contentId: a.contentId, name: a.name, contentType: a.contentType, ...fileExtras(a), data: a.data }))
    const stored = await deps.db.transaction((tx) => store.insertEdoc(tx, {
      id: randomUUID(), direction: 'incoming', documentId: h.documentId, axisDocId: m.docId, from: h.from.organId, to: h.to.map((t) => t.organId),
      subject: h.subject, header: { ...h, signature: m.signature } as unknown as Record<string, unknown>, files, pkg: m.package, contentKey: edocContentKey(m.edoc),
    }))
    // A copy sent again: announced by the first copy, whose own mailbox entry stays until it has
    // been. Not ingested again here: the inbox forgets delivered events (webhooks.keepDeliveredMs),
    // so a copy arriving after that would be announced a second time.
    if (resent('edoc', m, stored)) return true
    const { id } = stored
    const recipients = m.ours.length > 0 ? m.ours : [deps.provinceOrgan()].filter((o): o is string => o !== undefined)
    // One event per recipient agency: the shared part is built once, and the recipient list it
    // carries is bounded, so N recipients make N events of bounded size (linear, not N²).
    const allTo = h.to.map((t) => t.organId)
    const answers = (h.responseFor ?? []).map((r) => r.documentId).find((d) => d !== undefined && d !== '')
    const shared = {
      documentId: h.documentId, from: { organId: h.from.organId, ...(h.from.organName !== undefined && { organName: h.from.organName }) },
      to: allTo.slice(0, EVENT_MAX_TO), ...(allTo.length > EVENT_MAX_TO && { toCount: allTo.length }),
      subject: h.subject, documentType: h.documentType, code: `${h.code.number}/${h.code.notation}`, promulgationDate: h.promulgation.date,
      ...(h.dueDate !== undefined && { dueDate: h.dueDate }), ...(answers !== undefined && { responseFor: answers }),
      attachments: m.edoc.attachments.map((a) => ({
        contentId: a.contentId, name: a.name, contentType: a.contentType, ...fileExtras(a),
        size: a.data.length, sha256: createHash('sha256').update(a.data).digest('hex'), ...typeField(a.data), url: attachmentUrl(id, a.contentId),
      })),
      signature: m.signature,
    }
    for (const agencyCode of recipients) {
      const data = { edocId: id, agencyCode, ...shared }
      await deps.inbox.ingest({
        // From the stored copy's axis id: a fetch again or a copy sent again is the same event (the inbox keeps one).
        eventId: eventIdOf('edoc-received', stored.axisDocId, agencyCode), source: 'document-axis', type: 'edoc.received', agencyCode, dossierCode: null,
        orderingKey: `edoc:${id}`, body: { type: 'edoc.received', timestamp: new Date().toISOString(), data },
      })
    }
    return false
  }

  async function storeStatus(m: Extract<ReceivedMessage, { kind: 'status' }>): Promise<boolean> {
    const p = m.status
    const documentId = p.responseFor.documentId ?? ''
    const ours = documentId === '' ? undefined : await store.outgoingByDocumentId(documentId)
    if (!ours) log.warn({ documentId, docId: m.docId }, 'a status packet answers a document this hub did not send; stored without a link')
    const stored = await deps.db.transaction((tx) => store.insertStatus(tx, {
      edocId: ours?.id ?? null, direction: 'incoming', documentId, axisDocId: m.docId, from: p.from.organId,
      statusCode: p.statusCode, ...(p.description !== undefined && { description: p.description }), at: p.timestamp,
      packet: { ...p, signature: m.signature } as unknown as Record<string, unknown>, contentKey: statusContentKey(p),
    }))
    if (resent('status', m, stored)) return true // announced by the first copy, as for a document
    const agencyCode = ours?.from ?? p.responseFor.organId ?? deps.provinceOrgan() ?? p.from.organId
    await deps.inbox.ingest({
      eventId: eventIdOf('edoc-status', stored.axisDocId), source: 'document-axis', type: 'edoc.status_changed', agencyCode, dossierCode: null,
      orderingKey: ours ? `edoc:${ours.id}` : `edoc-doc:${documentId}`,
      body: {
        type: 'edoc.status_changed', timestamp: p.timestamp,
        data: {
          edocId: ours?.id ?? null, agencyCode, documentId, from: { organId: p.from.organId, ...(p.from.organName !== undefined && { organName: p.from.organName }) },
          statusCode: p.statusCode, status: statusName(p.statusCode), ...(p.description !== undefined && { description: p.description }), at: p.timestamp,
        },
      },
    })
    return false
  }

  /** One item: fetched and read; stored and announced, or kept in quarantine; then acknowledged. */
  async function takeIn(item: ReceivedItem, state: FailureState | undefined, result: PollResult, signal: AbortSignal): Promise<void> {
    const message = await registry.call(
      GetMessage, { docId: item.docId, messageType: item.messageType, keepUnreadable: true }, ctx(signal),
    )
    if (message.kind === 'unreadable') {
      if ((state?.failures ?? 0) + 1 < HOLD_FAILURES) throw new UnreadableError(message.reason)
      await deps.failures.quarantine(item, message.reason, message.package)
      result.quarantined++
      log.error(
        { docId: item.docId, messageType: item.messageType, from: item.from, reason: message.reason, size: message.package.length },
        'a received package is still not acceptable edXML: kept in quarantine and acknowledged; see GET /admin/edocs/receive-failures',
      )
    } else {
      if (await take(message)) result.resent++
      result.stored++
    }
    await registry.call(Acknowledge, { docId: item.docId }, ctx(signal))
    result.acknowledged++
    if (state && message.kind !== 'unreadable') await deps.failures.clear(item.docId)
  }

  /** Stores and announces a message read from the axis; answers whether it was a copy the sender sent again. */
  const take = (message: ReceivedMessage) => (message.kind === 'edoc' ? storeEdoc(message) : storeStatus(message))

  /** One pass over the mailbox. A package that fails is left unacknowledged (listed again next pass); the others go on. */
  async function pollOnce(signal: AbortSignal = new AbortController().signal): Promise<PollResult> {
    const result: PollResult = { listed: 0, stored: 0, resent: 0, quarantined: 0, acknowledged: 0, failed: 0, skipped: 0 }
    const now = Date.now()
    const waiting = await deps.failures.waiting(MAX_LIST)
    const { items } = await registry.call(ListReceived, { limit: Math.min(deps.batch + waiting, MAX_LIST) }, ctx(signal))
    result.listed = items.length
    const states = await deps.failures.states(items.map((i) => i.docId))
    /** Sender → agency pairs whose status packet failed this pass: their later packets wait (order). */
    const held = new Set<string>()
    const pair = (item: ReceivedItem) => `${item.from}\n${item.to}`
    let taken = 0
    for (const item of items) {
      if (signal.aborted || taken >= deps.batch) break
      const state = states.get(item.docId)
      if ((state?.retryAt ?? 0) > now || (item.messageType === 'status' && held.has(pair(item)))) {
        result.skipped++
        continue
      }
      taken++
      try {
        if (state?.quarantined) {
          // Kept before a crash or a failed acknowledgement: only the acknowledgement is missing.
          await registry.call(Acknowledge, { docId: item.docId }, ctx(signal))
          result.acknowledged++
        } else {
          await takeIn(item, state, result, signal)
        }
      } catch (err) {
        result.failed++
        // Kinds, codes and the parser's reason (element paths, bounded); never the package or its text.
        const detail = err instanceof UnreadableError
          ? { reason: err.reason }
          : isUpstreamError(err) ? { kind: err.kind, upstreamCode: err.upstreamCode, reason: err.upstreamReason } : { message: (err as Error).message }
        const recorded = await deps.failures.record(item, err instanceof UnreadableError ? err.reason : errorText(err)).catch((e: Error) => {
          log.warn({ docId: item.docId, err: e }, 'could not record a receive failure; the package is tried again next pass')
          return { failures: (state?.failures ?? 0) + 1, retryAt: null }
        })
        if (item.messageType === 'status' && recorded.failures < HOLD_FAILURES) held.add(pair(item))
        log.warn(
          { docId: item.docId, messageType: item.messageType, failures: recorded.failures, ...(recorded.retryAt !== null && { retryAt: new Date(recorded.retryAt).toISOString() }), ...detail },
          'a received package was not taken in; it stays unacknowledged and is tried again later',
        )
      }
    }
    if (result.listed > 0) log.info(result, 'document axis polled')
    return result
  }

  return { pollOnce, take }
}
