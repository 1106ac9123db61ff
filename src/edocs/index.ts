/**
 * The document axis, wired together (DESIGN §5): sending (`send` builds the edXML package through
 * the connector, stores it and queues it in ONE transaction, so a 202 is never lost), statuses we
 * report on documents we received, the read views with the client's agency restrictions, and the
 * schedule of the poller that receives (poller.ts). Sending rides the outbox as a message target
 * (message-handler.ts): the same retry, dead-letter and replay machinery as dossier sync
 * (src/sync). The files of a new document are read in files.ts.
 */
import { randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import { Counter, type Registry } from 'prom-client'
import type { Db } from '../db/types.js'
import type { RedisConnector } from '../redis.js'
import type { HubConfig } from '../../schemas/config.js'
import type { ReportStatus, SendEdoc } from '../../schemas/api/edocs.js'
import type { ConnectorRegistry } from '../upstream/registry.js'
import type { SyncService } from '../sync/index.js'
import type { InboxService } from '../inbox/index.js'
import { startSchedule, type Schedule } from '../jobs/schedule.js'
import { GatewayError, forbidden, notFound, validationFailed } from '../errors.js'
import { isUpstreamError } from '../upstream/errors.js'
import { upstreamToGateway } from '../upstream-errors.js'
import { agencyMatcher } from '../agencies.js'
import { bodyHash } from '../sync/canonical-json.js'
import { createEdocStore, outboxKey, SEND_MESSAGE_ID, statusMessageId, type EdocStore } from './store.js'
import { readFiles } from './files.js'
import { edocMessageHandler } from './message-handler.js'
import { createPoller, type PollResult } from './poller.js'
import { createReceiveFailures, type ReceiveFailure } from './receive-failures.js'
import { documentIdOf, type Edoc, type Organ, type StatusPacket } from '../axis/model.js'
import { PackEdoc, PackStatus, ReadPackage } from '../axis/contracts.js'

export interface EdocService {
  send(body: SendEdoc, client: string, mayActFor: (agency: string) => boolean): Promise<{ id: string; documentId: string; outcome: 'accepted' | 'unchanged' }>
  reportStatus(id: string, body: ReportStatus, client: string, mayActFor: (agency: string) => boolean): Promise<{ statusId: number; outcome: 'accepted' | 'unchanged' }>
  view(id: string, mayActFor: (agency: string) => boolean): ReturnType<EdocStore['view']>
  attachment(id: string, contentId: string, mayActFor: (agency: string) => boolean): ReturnType<EdocStore['attachment']>
  pollNow(): Promise<PollResult>
  /** Packages the poller could not take in: retrying (still in the mailbox) or quarantined (kept, acknowledged). */
  receiveFailures(q: { state?: 'retrying' | 'quarantined'; limit: number; after?: string }): Promise<ReceiveFailure[]>
  /** Quarantined: read again under today's limits and taken in if readable. Retrying: fetched on the next pass. */
  retryReceiveFailure(docId: string): Promise<{ outcome: 'stored' | 'scheduled' | 'not_found' } | { outcome: 'unreadable'; reason: string }>
  /** Forgets a failure (a quarantined package's bytes included); a package still in the mailbox is tried afresh. */
  discardReceiveFailure(docId: string): Promise<boolean>
  close(): Promise<void>
}

export interface EdocDeps {
  config: HubConfig
  db: Db
  store: EdocStore
  registry: ConnectorRegistry
  sync: SyncService
  inbox: InboxService
  redis: RedisConnector
  runWorkers: boolean
  log: Logger
  /** Where `lgsp_edocs_polled_total` is registered (the hub's metrics registry). */
  metricsRegistry?: Registry
}

export { createEdocStore, edocMessageHandler }

/**
 * What makes two reports the same: a report equal to the document's last one (same reporter, code,
 * description and staff) is a client's retry after a lost answer, not news for the sender.
 */
const reportKey = (p: StatusPacket) => bodyHash({ from: p.from.organId, statusCode: p.statusCode, description: p.description, staff: p.staff })

const ctx = (log: Logger, connector: string) => ({ connector, signal: new AbortController().signal, requestId: `edocs-${randomUUID().slice(0, 8)}`, log })

export function createEdocService(deps: EdocDeps): EdocService {
  const { config, db, store, registry, sync } = deps
  const connector = config.edocs.connector
  const log = deps.log.child({ component: 'edocs' })
  const provinceOrgan = () => {
    const section = config.connectors[connector] as { organId?: string } | undefined
    return section?.organId
  }
  /** Agencies of the province: its level-1 group (`*.H34`), the connector's rule for who is ours. */
  const province = provinceOrgan()
  const inProvince = province === undefined ? () => false : agencyMatcher({ agencies: [`*${province.slice(province.lastIndexOf('.'))}`] })

  /** A refusal of our own package (edXML the connector will not build, a sender outside the province) is the caller's 400. */
  const packRefused = (err: unknown): never => {
    if (isUpstreamError(err) && err.kind === 'rejected') throw validationFailed([{ path: '/body', message: err.upstreamReason ?? err.message }])
    throw upstreamToGateway(err)
  }

  async function send(body: SendEdoc, client: string, mayActFor: (agency: string) => boolean) {
    const fromId = body.from?.organId ?? provinceOrgan()
    if (fromId === undefined) throw new GatewayError('SERVICE_UNAVAILABLE', 'The document axis connector is not configured.')
    if (!mayActFor(fromId)) {
      throw forbidden(`The client "${client}" may not send for agency ${fromId}${body.from ? '' : ' (the province, the default sender); give `from`, an agency the client acts for'}.`)
    }
    const documentId = documentIdOf(fromId, body.promulgation.date, body.code.number, body.code.notation)
    const hash = bodyHash(body)
    const prior = await store.findOutgoing(db, documentId)
    if (prior) {
      if (prior.bodyHash === hash) return { id: prior.id, documentId, outcome: 'unchanged' as const }
      throw new GatewayError('IDEMPOTENCY_CONFLICT', `Document ${documentId} was already sent with a different body; a new document needs a new number or date.`)
    }
    const attachments = await readFiles(body.attachments, { fetch: config.edocs.fetch, totalBytes: config.edocs.bodyLimitBytes })
    const edoc = {
      header: {
        ...(body.from && { from: body.from as Organ }),
        to: body.to as Organ[], documentId, code: body.code, promulgation: body.promulgation, documentType: body.documentType, subject: body.subject,
        ...(body.content !== undefined && { content: body.content }), signer: body.signer,
        ...(body.dueDate !== undefined && { dueDate: body.dueDate }),
        other: {
          ...(body.priority !== undefined && { priority: body.priority }), ...(body.sphereOfPromulgation !== undefined && { sphereOfPromulgation: body.sphereOfPromulgation }),
          ...(body.typerNotation !== undefined && { typerNotation: body.typerNotation }), ...(body.promulgationAmount !== undefined && { promulgationAmount: body.promulgationAmount }),
          ...(body.pageAmount !== undefined && { pageAmount: body.pageAmount }), ...(body.direction !== undefined && { direction: body.direction }),
          ...(body.appendixes !== undefined && { appendixes: body.appendixes }),
        },
        ...(body.responseFor && { responseFor: [body.responseFor] }),
        ...(body.steeringType !== undefined && { steeringType: body.steeringType }), ...(body.toPlaces && { toPlaces: body.toPlaces }),
        trace: [],
        business: {
          docType: body.business?.docType ?? 'new', ...(body.business?.reason !== undefined && { docReason: body.business.reason }),
          ...(body.business?.documentId !== undefined && { documentId: body.business.documentId }), ...(body.business?.paper !== undefined && { paper: body.business.paper ? '1' : '0' }),
          ...(body.business?.staff !== undefined && { staff: [body.business.staff] }),
        },
      },
      attachments,
    }
    const packed = await registry.call(PackEdoc, { edoc }, ctx(log, connector)).catch(packRefused)
    const id = randomUUID()
    const header = { ...edoc.header, from: packed.from } as unknown as Record<string, unknown>
    const row = await db.transaction(async (tx) => {
      // Two concurrent first sends of one document: the lock makes the second wait for the first's
      // commit, then it sees the winner's row here (no unique index can, see store.lock).
      await store.lock(tx, `send ${documentId}`)
      const again = await store.findOutgoing(tx, documentId)
      if (again) return { existing: again }
      await store.insertEdoc(tx, {
        id, direction: 'outgoing', documentId, from: packed.from.organId, to: body.to.map((t) => t.organId), subject: body.subject,
        header, files: attachments, pkg: packed.package, bodyHash: hash, client,
      })
      return { outbox: await sync.acceptMessage(tx, { target: connector, key: outboxKey(id), messageId: SEND_MESSAGE_ID, payload: { type: 'edoc', edocId: id } }) }
    })
    if ('existing' in row) {
      if (row.existing!.bodyHash === hash) return { id: row.existing!.id, documentId, outcome: 'unchanged' as const }
      throw new GatewayError('IDEMPOTENCY_CONFLICT', `Document ${documentId} was already sent with a different body.`)
    }
    if (row.outbox) await sync.wakeMessages([{ ...row.outbox, key: outboxKey(id) }])
    return { id, documentId, outcome: 'accepted' as const }
  }

  const visible = (h: { from: string; to: string[] }, mayActFor: (agency: string) => boolean) => mayActFor(h.from) || h.to.some(mayActFor)

  async function reportStatus(id: string, body: ReportStatus, client: string, mayActFor: (agency: string) => boolean) {
    const doc = await store.header(id)
    if (!doc || !visible(doc, mayActFor)) throw notFound(`No document ${id}.`)
    if (doc.direction !== 'incoming') throw validationFailed([{ path: '/params/id', message: 'statuses are reported on documents the province received; this one it sent' }])
    const h = doc.header as unknown as Edoc['header']
    // Only a recipient in the province reports through this hub; by default the first one the client acts for.
    const ours = h.to.filter((t) => inProvince(t.organId))
    const reporter = body.from !== undefined ? ours.find((t) => t.organId === body.from) : (ours.find((t) => mayActFor(t.organId)) ?? ours[0])
    if (!reporter) throw validationFailed([{ path: '/body/from', message: 'must be one of the document\'s recipients in the province' }])
    if (!mayActFor(reporter.organId)) throw forbidden(`The client "${client}" may not report for agency ${reporter.organId}.`)
    const result = await db.transaction(async (tx) => {
      // One report at a time per document, stamped and packed under the lock: the retry check holds
      // across replicas, and timestamps, status ids and the order on the wire all agree.
      await store.lock(tx, `statuses ${id}`)
      const packet: StatusPacket = {
        responseFor: { organId: h.from.organId, code: `${h.code.number}/${h.code.notation}`, promulgationDate: h.promulgation.date, documentId: h.documentId },
        from: reporter, statusCode: body.statusCode, ...(body.description !== undefined && { description: body.description }),
        timestamp: new Date().toISOString(), ...(body.staff && { staff: body.staff }),
      }
      const last = await store.lastOutgoingStatus(tx, id)
      if (last && reportKey(last.packet as unknown as StatusPacket) === reportKey(packet)) return { statusId: last.id, outcome: 'unchanged' as const }
      const packed = await registry.call(PackStatus, { status: packet }, ctx(log, connector)).catch(packRefused)
      const s = await store.insertStatus(tx, {
        edocId: id, direction: 'outgoing', documentId: h.documentId, from: reporter.organId, statusCode: body.statusCode,
        ...(body.description !== undefined && { description: body.description }), at: packet.timestamp, packet: packet as unknown as Record<string, unknown>, pkg: packed.package, client,
      })
      const outbox = await sync.acceptMessage(tx, { target: connector, key: outboxKey(id), messageId: statusMessageId(s.id), payload: { type: 'status', statusId: s.id } })
      return { statusId: s.id, outcome: 'accepted' as const, outbox }
    })
    if ('outbox' in result && result.outbox) await sync.wakeMessages([{ ...result.outbox, key: outboxKey(id) }])
    return { statusId: result.statusId, outcome: result.outcome }
  }

  const failures = createReceiveFailures(db, config.edocs.pollEveryMs)
  const poller = createPoller({
    connector, db, store, registry, inbox: deps.inbox, provinceOrgan, batch: config.edocs.pollBatch, failures, log,
  })
  const polled = new Counter({
    name: 'lgsp_edocs_polled_total',
    help: 'Packages seen in the document axis mailbox by outcome: stored, resent (of the stored: a copy the sender sent again, matched to the first), quarantined (unreadable, kept with its bytes), acknowledged, failed (left for the next pass), skipped (on a backoff or held behind a failed status)',
    labelNames: ['outcome'],
    registers: deps.metricsRegistry ? [deps.metricsRegistry] : [],
  })
  const pollOnce = async () => {
    const r = await poller.pollOnce()
    for (const outcome of ['stored', 'resent', 'quarantined', 'acknowledged', 'failed', 'skipped'] as const) if (r[outcome] > 0) polled.inc({ outcome }, r[outcome])
    return r
  }
  let schedule: Schedule | undefined
  if (deps.runWorkers) {
    schedule = startSchedule({
      name: 'edocs-poll', redis: deps.redis, prefix: deps.redis.bullPrefix(config.redis.keyPrefix), everyMs: config.edocs.pollEveryMs, log,
      run: async () => (await pollOnce()).stored,
    })
  }

  return {
    send,
    reportStatus,
    async view(id, mayActFor) {
      const v = await store.view(id)
      return v && visible(v, mayActFor) ? v : undefined
    },
    async attachment(id, contentId, mayActFor) {
      const doc = await store.header(id)
      if (!doc || !visible(doc, mayActFor)) return undefined
      return store.attachment(id, contentId)
    },
    pollNow: pollOnce,
    receiveFailures: (q) => failures.list(q),
    async retryReceiveFailure(docId) {
      const row = await failures.get(docId)
      if (!row) return { outcome: 'not_found' }
      if (row.state === 'retrying') {
        // Still in the mailbox: the next pass fetches it instead of waiting out its backoff.
        await failures.retrySoon(docId)
        return { outcome: 'scheduled' }
      }
      if (row.package === null) return { outcome: 'not_found' } // a quarantined row always keeps its bytes
      const message = await registry.call(
        ReadPackage, { docId, messageType: row.messageType, package: row.package }, ctx(log, connector),
      )
      if (message.kind === 'unreadable') {
        await failures.stillUnreadable(docId, message.reason)
        return { outcome: 'unreadable', reason: message.reason }
      }
      await poller.take(message)
      await failures.clear(docId)
      log.info({ docId, messageType: row.messageType }, 'a quarantined package was read again and taken in')
      return { outcome: 'stored' }
    },
    async discardReceiveFailure(docId) {
      const row = await failures.clear(docId)
      if (!row) return false
      log.warn({ docId, messageType: row.messageType, state: row.state, from: row.from }, 'an operator discarded a package the hub could not take in')
      return true
    },
    async close() {
      await schedule?.close()
    },
  }
}
