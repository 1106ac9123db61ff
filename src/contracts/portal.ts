/**
 * Contracts of the national portal as the core uses it: dossier sync (the sync targets'
 * operations), the procedure catalogue, pushes it forwards, the pulled interlinked flows and its
 * payment platform. Schemas of the sync and catalogue operations are in schemas/portal.ts.
 */
import { Type, type Static } from 'typebox'
import { contract } from '../upstream/contract.js'
import { AgencyCode, DOSSIER_STATUSES } from '../../schemas/dossier.js'
import {
  Accepted, GetDossierInput, GetDossierOutput, GetProcedureInput, GetProcedureOutput, ListAgenciesInput, ListAgenciesOutput, ListProceduresInput,
  ListProceduresOutput, ProgressBatchInput, ProgressBatchOutput, ProgressSyncInput, SyncDossierInput, SyncDossiersInput, SyncDossiersOutput,
} from '../../schemas/portal.js'

export const DossierSync = contract('dossiers.sync', 'syncDossier', SyncDossierInput, Accepted,
  'Creates or replaces the dossier on the national portal (an upsert: safe to repeat).')
export const DossiersSync = contract('dossiers.syncBatch', 'syncDossiers', SyncDossiersInput, SyncDossiersOutput,
  'Creates or replaces several dossiers in one call, with an outcome per dossier; a failure of the whole call is thrown.')
export const ProgressUpdate = contract('dossiers.progress', 'updateProgress', ProgressSyncInput, Accepted,
  'Adds one processing step to the dossier\'s progress on the national portal.')
export const ProgressBatch = contract('dossiers.progressBatch', 'updateProgressBatch', ProgressBatchInput, ProgressBatchOutput,
  'Adds several processing steps, of any dossiers, in one call, with an outcome per step (in input order).')
export const DossierStateGet = contract('dossiers.portalState', 'getDossier', GetDossierInput, GetDossierOutput,
  'The national portal\'s current status and dates of a dossier; null when it holds none with this code.')
export const ProcedureGet = contract('procedures.get', 'getProcedure', GetProcedureInput, GetProcedureOutput,
  'One administrative procedure from the national catalogue; null when it has none with this code.')
export const ProceduresList = contract('procedures.list', 'listProcedures', ListProceduresInput, ListProceduresOutput,
  'Procedures of the national catalogue, optionally of one agency.')
export const PortalAgenciesList = contract('procedures.agencies', 'listAgencies', ListAgenciesInput, ListAgenciesOutput,
  'Agencies of the national catalogue.')

export const ReadForwardedInput = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100, description: 'The forwarded service name (the path\'s last segment)' }),
  body: Type.Unknown({ description: 'The push body as received (parsed JSON)' }),
  receivedAt: Type.String({ format: 'date-time' }),
}, { additionalProperties: false })

export const InboundEvent = Type.Object({
  eventId: Type.String(),
  type: Type.String(),
  dossierCode: Type.String(),
  agencyCode: AgencyCode,
  data: Type.Record(Type.String(), Type.Unknown(), { description: 'The event payload, agencyCode included' }),
  files: Type.Optional(Type.Array(Type.Object({ sha256: Type.String(), name: Type.String(), data: Type.String({ description: 'base64' }) }), {
    description: 'Files that came inline; the papers name them `urn:lgsp-hub:portal-file:<sha256>`',
  })),
}, { additionalProperties: false })

export const ForwardedPushRead = contract('portal.readForwarded', 'readForwardedPush', ReadForwardedInput, InboundEvent,
  'Maps a push the portal forwarded (its own field names) to the hub\'s event; `rejected` with the reason when the record cannot be read. Makes no call.')

/** One item of the interlinked services waiting for the province. */
export const WaitingItem = Type.Object({
  id: Type.String(), dossierCode: Type.String(), procedureCode: Type.String(), module: Type.String(), unitCode: Type.String(),
  receivedAt: Type.Optional(Type.String()), raw: Type.Record(Type.String(), Type.Unknown()),
}, { additionalProperties: false })

/** The event of an interlinked item: files inline (`hoTich`, `fileDinhKem`) and what a status report back names. */
export const InterlinkedEvent = Type.Object({
  eventId: Type.String(),
  type: Type.Literal('dossier.submitted'),
  dossierCode: Type.String(),
  agencyCode: Type.String(),
  data: Type.Record(Type.String(), Type.Unknown()),
  files: Type.Array(Type.Object({ sha256: Type.String(), name: Type.String(), data: Type.String({ description: 'base64' }) })),
  link: Type.Object({ itemId: Type.String(), procedureCode: Type.String(), module: Type.String(), unitCode: Type.String() }),
}, { additionalProperties: false })

export const InterlinkedList = contract('portal.interlinked.list', 'listInterlinked', Type.Object({}), Type.Object({ items: Type.Array(WaitingItem) }),
  'Items of the interlinked services (birth and death registrations) waiting for the province.')
export const InterlinkedRead = contract('portal.interlinked.read', 'readInterlinked',
  Type.Object({ item: WaitingItem, receivedAt: Type.String() }),
  Type.Object({ raw: Type.Unknown(), event: Type.Optional(InterlinkedEvent), refusal: Type.Optional(Type.String()) }),
  'One waiting item\'s detail, raw, and the dossier.submitted event it maps to (or why it cannot), with its inline files and what the status report needs.')
export const InterlinkedAck = contract('portal.interlinked.ack', 'ackInterlinked', Type.Object({ dossierCode: Type.String() }), Type.Object({}),
  'Tells the interlinked service the province has the item; sent once its event is committed.')

const ReportText = Type.Optional(Type.String({ maxLength: 2000 }))
const ReportTime = Type.Optional(Type.String({ format: 'date-time' }))

/**
 * One change of a dossier's status as the interlinked platform is told of it: what the core
 * queues when a pulled dossier moves on (src/portal-inbound/status-report.ts) and the connector
 * maps to the platform's body (connectors/national-portal/interlinked-status.ts).
 */
export const InterlinkedStatusChange = Type.Object({
  status: Type.Enum([...DOSSIER_STATUSES]),
  at: Type.String({ format: 'date-time', description: 'When the status changed' }),
  officer: ReportText, officerTitle: ReportText, unit: ReportText, content: ReportText, note: ReportText, startedAt: ReportTime, dueAt: ReportTime,
  results: Type.Optional(Type.Array(Type.Object({ name: Type.String(), resultCode: Type.Optional(Type.String()), url: Type.Optional(Type.String()) }))),
}, { additionalProperties: false })
export type InterlinkedStatusChange = Static<typeof InterlinkedStatusChange>

/** The status-report message target's payload: the change and the dossier it is of. */
export const InterlinkedStatusInput = Type.Object({
  dossierCode: Type.String({ minLength: 1, maxLength: 64 }),
  procedureCode: Type.String({ description: 'The procedure code as the platform named it in the item' }),
  ...InterlinkedStatusChange.properties,
}, { additionalProperties: false })
export type InterlinkedStatusInput = Static<typeof InterlinkedStatusInput>

export const InterlinkedStatusReport = contract('portal.interlinked.status', 'reportInterlinkedStatus', InterlinkedStatusInput,
  Type.Object({ reported: Type.Boolean(), state: Type.Union([Type.Integer(), Type.Null()]) }),
  'Reports a dossier\'s status to the interlinked platform; a status it has no state for is settled without a call (`reported: false`).')

export const PaymentStatus = Type.Object({
  reference: Type.String(), state: Type.Enum(['paid', 'pending', 'failed']), amount: Type.Number(),
  transactionId: Type.Union([Type.String(), Type.Null()]), bank: Type.Union([Type.String(), Type.Null()]), at: Type.Union([Type.String(), Type.Null()]),
})
export const PaymentStartInput = Type.Object({
  reference: Type.String(), amount: Type.Number(), description: Type.String(), dossierCode: Type.String(), procedureCode: Type.String(),
  agencyCode: Type.String(), payerName: Type.String(), payerId: Type.String(),
  fees: Type.Array(Type.Object({ name: Type.String(), amount: Type.Number(), code: Type.Optional(Type.String()) })),
  ip: Type.String(), at: Type.String(),
})

export const PaymentStart = contract('payments.start', 'startPayment', PaymentStartInput, Type.Object({ payUrl: Type.String() }),
  'Starts a payment of a dossier\'s fees on the portal\'s payment platform; returns the page the payer goes to.')
export const PaymentQuery = contract('payments.query', 'queryPayment', Type.Object({ reference: Type.String() }), Type.Union([PaymentStatus, Type.Null()]),
  'The platform\'s status of a payment; null when it knows none with this reference.')
export const ReceiptGet = contract('payments.receipt', 'getReceipt', Type.Object({ reference: Type.String() }), Type.Object({ pdfBase64: Type.String() }),
  'The e-receipt of a paid payment, a PDF, base64.')
export const PaymentCallbackRead = contract('payments.callback', 'readPaymentCallback', Type.Object({ body: Type.Unknown() }),
  Type.Intersect([PaymentStatus, Type.Object({ key: Type.String({ description: 'Unique per callback message: a second arrival is a replay' }) })]),
  'Checks a callback of the payment platform and reads it. Makes no call.')
