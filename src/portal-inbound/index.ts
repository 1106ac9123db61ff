/**
 * What the national portal hands the province in its own formats (pushes forwarded through the
 * data-exchange adapter, items pulled from its interlinked services) becomes the hub's routed
 * events. The connector maps the wire format; this module checks the result against the event
 * schemas, maps the agency code through the merger mapping, commits the event to the inbox (which
 * routes and delivers it), and keeps every raw body in `portal_inbound` for audit. What cannot be
 * read is quarantined there with its reason, never dropped. No wire names here.
 */
import { Compile } from 'typebox/compile'
import type { Db } from '../db/types.js'
import { EVENT_DATA_SCHEMAS, EVENT_TYPES, type EventType } from '../../schemas/events.js'
import type { InboxService } from '../inbox/index.js'
import type { AgencyMapping } from '../agency-mapping.js'
import { isUpstreamError } from '../upstream/errors.js'
import { maskIdsInText } from '../logger.js'
import type { InboundFile, PortalFiles } from './files.js'
import type { InterlinkedLink } from './status-report.js'

const validators = Object.fromEntries(EVENT_TYPES.map((type) => [type, Compile(EVENT_DATA_SCHEMAS[type])])) as { [K in EventType]: ReturnType<typeof Compile> }

/** What the connector made of an item (see connectors/national-portal/inbound-ops.ts). */
export interface MappedEvent {
  eventId: string
  type: string
  dossierCode: string
  agencyCode: string
  data: Record<string, unknown>
  /** Files carried inline; the event's papers name them by digest. Kept before the event commits. */
  files?: InboundFile[]
  /** An item of the pulled interlinked flow: recorded so the dossier's status is reported back. */
  link?: InterlinkedLink
}

export interface InboundItem {
  channel: 'forward' | 'interlinked'
  /** The forwarded service name, or the interlinked module. */
  name: string
  /** Unique per item at the source: a second arrival of the same key is a duplicate. */
  key: string
  raw: unknown
}

export type TakeResult =
  | { outcome: 'accepted' | 'duplicate'; eventId: string; seq: number | null }
  | { outcome: 'quarantined'; reason: string }

export interface QuarantinedItem {
  id: number
  channel: string
  name: string
  key: string
  reason: string
  dossierCode: string | null
  receivedAt: string
}

export interface PortalInbound {
  /**
   * Maps the item with `read`, commits its event and keeps the raw body; a `rejected` mapping or
   * an event that fails its schema is quarantined. Any other failure is thrown (nothing kept; the
   * sender or the next poll tries again).
   */
  take(item: InboundItem, read: () => Promise<MappedEvent>): Promise<TakeResult>
  quarantined(q: { afterId?: number; limit: number }): Promise<QuarantinedItem[]>
}

/** jsonb cannot hold U+0000: it is kept as the visible text `\\u0000` instead of failing the push. */
const rawJson = (raw: unknown) => JSON.stringify(raw ?? null).replace(/(?<!\\)((?:\\\\)*)\\u0000/g, '$1\\\\u0000')

export interface PortalInboundDeps {
  db: Db
  inbox: InboxService
  agencies: AgencyMapping
  files: PortalFiles
  /** Records an interlinked dossier once its event is committed (queues its first status report). */
  onInterlinked?: (dossierCode: string, link: InterlinkedLink) => Promise<void>
}

export function createPortalInbound(deps: PortalInboundDeps): PortalInbound {
  const { db } = deps

  async function keep(item: InboundItem, state: 'accepted' | 'quarantined', extra: { reason?: string; eventId?: string; dossierCode?: string }) {
    await db.query(
      `INSERT INTO portal_inbound (key, channel, name, state, reason, event_id, dossier_code, raw) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)
       ON CONFLICT (key) DO NOTHING`,
      [item.key, item.channel, item.name, state, extra.reason ?? null, extra.eventId ?? null, extra.dossierCode ?? null, rawJson(item.raw)],
    )
  }

  async function take(item: InboundItem, read: () => Promise<MappedEvent>): Promise<TakeResult> {
    const { rows } = await db.query<{ state: string; reason: string | null; event_id: string | null }>('SELECT state, reason, event_id FROM portal_inbound WHERE key = $1', [item.key])
    const seen = rows[0]
    if (seen?.state === 'accepted') return { outcome: 'duplicate', eventId: seen.event_id!, seq: null }
    if (seen?.state === 'quarantined') return { outcome: 'quarantined', reason: seen.reason ?? 'quarantined before' }

    let event: MappedEvent
    try {
      event = await read()
    } catch (err) {
      if (!isUpstreamError(err) || err.kind !== 'rejected') throw err
      await keep(item, 'quarantined', { reason: err.message })
      return { outcome: 'quarantined', reason: err.message }
    }
    const agencyCode = deps.agencies.current(event.agencyCode)
    const data = { ...event.data, agencyCode, ...(agencyCode !== event.agencyCode && { originalAgencyCode: event.agencyCode }) }
    const validator = validators[event.type as EventType]
    if (validator !== undefined && !validator.Check(data)) {
      const first = validator.Errors(data)[0]
      const reason = `The ${event.type} event made of it does not match its schema: ${first?.instancePath || '/'} ${first?.message ?? 'is invalid'}.`
      await keep(item, 'quarantined', { reason, dossierCode: event.dossierCode })
      return { outcome: 'quarantined', reason }
    }
    if (event.files !== undefined && event.files.length > 0) {
      const problem = await deps.files.keep(event.files, { dossierCode: event.dossierCode, agencyCode })
      if (problem !== undefined) {
        const reason = `A file cannot be kept: ${problem}.`
        await keep(item, 'quarantined', { reason, dossierCode: event.dossierCode })
        return { outcome: 'quarantined', reason }
      }
    }
    const body = {
      type: event.type,
      timestamp: new Date().toISOString(),
      data,
      source: { channel: item.channel, name: item.name },
    }
    // The event first: an item is acknowledged (or answered 2xx) only once its event is committed.
    const result = await deps.inbox.ingest({ eventId: event.eventId, source: 'national-portal', type: event.type, agencyCode, dossierCode: event.dossierCode, body })
    // Idempotent: after a crash before `keep`, the item is taken again and this finds it recorded.
    if (event.link !== undefined) await deps.onInterlinked?.(event.dossierCode, event.link)
    await keep(item, 'accepted', { eventId: event.eventId, dossierCode: event.dossierCode })
    return { outcome: result.duplicate ? 'duplicate' : 'accepted', eventId: event.eventId, seq: result.seq }
  }

  return {
    take,
    // An operator view, not a personal-data route: anything a sender wrote (the path's name
    // included) is shown with 9- and 12-digit runs masked, like a log line.
    async quarantined(q) {
      const { rows } = await db.query<{ id: number; channel: string; name: string; key: string; reason: string; dossier_code: string | null; received_at: Date }>(
        `SELECT id, channel, name, key, reason, dossier_code, received_at FROM portal_inbound
         WHERE state = 'quarantined' AND id > $1 ORDER BY id LIMIT $2`,
        [q.afterId ?? 0, q.limit],
      )
      return rows.map((r) => ({ id: Number(r.id), channel: r.channel, name: maskIdsInText(r.name), key: maskIdsInText(r.key), reason: maskIdsInText(r.reason), dossierCode: r.dossier_code, receivedAt: r.received_at.toISOString() }))
    },
  }
}
