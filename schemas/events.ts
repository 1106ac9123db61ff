/**
 * Events the national portal pushes to the hub (DESIGN §4), and that the hub re-delivers to the
 * province's one-stop systems. The body of every webhook is an envelope `{type, timestamp, data}`
 * (the Standard Webhooks payload shape); `data` follows the schema of its `type`. Every payload
 * carries `agencyCode`, the routing key.
 */
import { Type, type Static, type TSchema } from 'typebox'
import { AgencyCode, Applicant, DossierCode, DossierFee, DOSSIER_STATUSES } from './dossier.js'

export const EVENT_TYPES = ['dossier.submitted', 'dossier.status_changed', 'dossier.payment_updated', 'feedback.submitted'] as const
export type EventType = (typeof EVENT_TYPES)[number]

/** Set by the hub when the agency merger mapping replaced the code the source sent (`agencyCode` is the current one). */
const OriginalAgencyCode = { ...AgencyCode, description: 'The agency code as the source sent it, before the merger mapping' }
const DateTime = Type.String({ format: 'date-time', description: 'RFC 3339 date-time with offset' })
const Text = (maxLength: number, description?: string) => Type.String({ maxLength, ...(description && { description }) })

/** A paper the applicant uploaded to the portal. */
export const SubmittedPaper = Type.Object({
  code: Type.String({ minLength: 1, maxLength: 50, description: 'Required-paper code from the procedure (MaThanhPhanHoSo / MAGIAYTO)' }),
  name: Text(300),
  url: Type.String({ maxLength: 2000, format: 'uri', description: 'Where the one-stop system downloads the file' }),
  sha256: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$', description: 'Lower-case hex digest of the file' })),
}, { additionalProperties: false })
export type SubmittedPaper = Static<typeof SubmittedPaper>

/** `dossier.submitted`: an online dossier filed on the portal, to route to the competent agency. */
export const DossierSubmittedEvent = Type.Object({
  dossierCode: DossierCode,
  procedureCode: Type.String({ minLength: 1, maxLength: 50 }),
  procedureName: Text(500),
  agencyCode: AgencyCode,
  originalAgencyCode: Type.Optional(OriginalAgencyCode),
  applicant: Applicant,
  summary: Type.Optional(Text(2000)),
  submittedAt: DateTime,
  papers: Type.Array(SubmittedPaper, { maxItems: 200 }),
  fees: Type.Optional(Type.Array(DossierFee, { maxItems: 50 })),
}, { additionalProperties: false })
export type DossierSubmittedEvent = Static<typeof DossierSubmittedEvent>

/** `dossier.status_changed`: the portal's record of a dossier moved to another status. */
export const DossierStatusChangedEvent = Type.Object({
  dossierCode: DossierCode,
  agencyCode: AgencyCode,
  originalAgencyCode: Type.Optional(OriginalAgencyCode),
  status: Type.Enum([...DOSSIER_STATUSES]),
  changedAt: DateTime,
  note: Type.Optional(Text(2000)),
}, { additionalProperties: false })
export type DossierStatusChangedEvent = Static<typeof DossierStatusChangedEvent>

export const PAYMENT_STATUSES = ['paid', 'failed', 'refunded'] as const

/** `dossier.payment_updated`: an online payment (the portal's payment platform) changed state. */
export const DossierPaymentUpdatedEvent = Type.Object({
  dossierCode: DossierCode,
  agencyCode: AgencyCode,
  originalAgencyCode: Type.Optional(OriginalAgencyCode),
  amount: Type.Integer({ minimum: 0, description: 'VND' }),
  status: Type.Enum([...PAYMENT_STATUSES]),
  transactionId: Type.String({ minLength: 1, maxLength: 100 }),
  paidAt: { ...DateTime, description: 'When the payment platform recorded this status' },
}, { additionalProperties: false })
export type DossierPaymentUpdatedEvent = Static<typeof DossierPaymentUpdatedEvent>

/** `feedback.submitted`: a citizen's rating of how a dossier (or an agency) was handled. */
export const FeedbackSubmittedEvent = Type.Object({
  dossierCode: Type.Optional({ ...DossierCode, description: 'Absent when the feedback is about the agency in general' }),
  agencyCode: AgencyCode,
  originalAgencyCode: Type.Optional(OriginalAgencyCode),
  rating: Type.Integer({ minimum: 1, maximum: 5 }),
  comment: Type.Optional(Text(2000)),
  submittedAt: DateTime,
}, { additionalProperties: false })
export type FeedbackSubmittedEvent = Static<typeof FeedbackSubmittedEvent>

/** The payload schema of each event type. */
export const EVENT_DATA_SCHEMAS = {
  'dossier.submitted': DossierSubmittedEvent,
  'dossier.status_changed': DossierStatusChangedEvent,
  'dossier.payment_updated': DossierPaymentUpdatedEvent,
  'feedback.submitted': FeedbackSubmittedEvent,
} as const satisfies Record<EventType, TSchema>

export interface EventDataMap {
  'dossier.submitted': DossierSubmittedEvent
  'dossier.status_changed': DossierStatusChangedEvent
  'dossier.payment_updated': DossierPaymentUpdatedEvent
  'feedback.submitted': FeedbackSubmittedEvent
}

/**
 * The webhook body. `type` is any dotted name so an event type the hub does not know yet is
 * still readable (check it against EVENT_TYPES, then `data` against EVENT_DATA_SCHEMAS[type]).
 * Extra top-level properties are allowed: the spec lets senders add metadata there.
 */
export const EventEnvelope = Type.Object({
  type: Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_]+(\\.[A-Za-z0-9_]+)*$', description: 'e.g. `dossier.submitted`' }),
  timestamp: { ...DateTime, description: 'When the event happened (not when it was delivered)' },
  data: Type.Record(Type.String(), Type.Unknown()),
})
export type EventEnvelope = Static<typeof EventEnvelope>

/** A known event with its typed payload. */
export type PortalEvent = { [K in EventType]: { type: K; timestamp: string; data: EventDataMap[K] } }[EventType]
