/**
 * The dossier snapshot and processing steps (DESIGN §2) — the one-stop software's view, in English.
 * The national-portal connector maps them to `DongBoHoSoMC` / `CapNhatTienDoHoSoMC`.
 */
import { Type, type Static } from 'typebox'
import { DocumentCode } from './document.js'

export const DOSSIER_STATUSES = [
  'registered', 'received', 'rejected', 'processing', 'supplement_requested', 'payment_requested',
  'withdrawal_requested', 'stopped', 'processed', 'returned',
] as const
export type DossierStatus = (typeof DOSSIER_STATUSES)[number]

/** Opaque to the hub (reference: "the hub must not parse it"); bounded and URL-safe. */
export const DossierCode = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$', description: 'Dossier code set by the one-stop software; opaque to the hub' })
export const AgencyCode = Type.String({ minLength: 1, maxLength: 32, pattern: '^[0-9A-Za-z.]+$', description: 'Agency code (QCVN 102:2016), e.g. `000.00.00.H34`' })
const DateTime = Type.String({ format: 'date-time', description: 'RFC 3339 date-time with offset' })
const Text = (maxLength: number, description?: string) => Type.String({ maxLength, ...(description && { description }) })

export const Applicant = Type.Object({
  type: Type.Enum(['citizen', 'business']),
  id: Type.String({ minLength: 1, maxLength: 20, pattern: '^[0-9]+(-[0-9]{3})?$', description: 'Personal ID (12 digits, or an old 9-digit card) or enterprise code' }),
  name: Text(200),
  phone: Type.Optional(Text(20)),
  email: Type.Optional(Type.String({ maxLength: 200, format: 'email' })),
  address: Type.Optional(Text(500)),
}, { additionalProperties: false })

export const DossierDocument = Type.Object({
  id: Text(100, 'Attachment id in the one-stop software'),
  name: Text(300),
  componentCode: Type.Optional(Text(50, 'Required-paper code from the procedure (MaThanhPhanHoSo)')),
  url: Type.Optional(Type.String({ maxLength: 2000, format: 'uri' })),
  deleted: Type.Optional(Type.Boolean()),
}, { additionalProperties: false })

export const DossierResult = Type.Object({
  name: Text(300),
  componentCode: Type.Optional(Text(50)),
  documentCode: Type.Optional({ ...DocumentCode, description: 'Digitized document code `<owner id>.<type code>`; with `url` and `sha256` the result is indexed as a reusable document' }),
  url: Type.Optional(Type.String({ maxLength: 2000, format: 'uri' })),
  sha256: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$' })),
  issuedAt: Type.Optional(DateTime),
  validUntil: Type.Optional(DateTime),
}, { additionalProperties: false })

export const DossierFee = Type.Object({
  code: Type.Optional(Text(50)),
  name: Text(300),
  amount: Type.Integer({ minimum: 0, description: 'VND' }),
  kind: Type.Optional(Type.Enum(['fee', 'charge'])),
  paymentMethod: Type.Optional(Text(50)),
}, { additionalProperties: false })

export const DossierSupplement = Type.Object({
  requestedAt: DateTime,
  reason: Text(1000),
  dueAt: Type.Optional(DateTime),
  suppliedAt: Type.Optional(DateTime),
}, { additionalProperties: false })

export const DossierSnapshot = Type.Object({
  version: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'Increases with every change; older versions are refused (409 STALE_VERSION)' }),
  procedureCode: Type.String({ minLength: 1, maxLength: 50 }),
  procedureName: Type.Optional(Text(500)),
  fieldCode: Type.Optional(Text(50)),
  fieldName: Type.Optional(Text(300)),
  agencyCode: AgencyCode,
  receiptNumber: Type.Optional(Text(100)),
  channel: Type.Enum(['in_person', 'online', 'post']),
  applicant: Applicant,
  summary: Type.Optional(Text(2000)),
  receivedAt: DateTime,
  dueAt: Type.Optional(DateTime),
  status: Type.Enum([...DOSSIER_STATUSES]),
  returnedAt: Type.Optional(DateTime),
  processedAt: Type.Optional(DateTime),
  returnNote: Type.Optional(Text(1000)),
  handlingUnit: Type.Optional(Text(300)),
  note: Type.Optional(Text(2000)),
  documents: Type.Optional(Type.Array(DossierDocument, { maxItems: 200 })),
  results: Type.Optional(Type.Array(DossierResult, { maxItems: 100 })),
  fees: Type.Optional(Type.Array(DossierFee, { maxItems: 50 })),
  supplements: Type.Optional(Type.Array(DossierSupplement, { maxItems: 50 })),
}, { additionalProperties: false })
export type DossierSnapshot = Static<typeof DossierSnapshot>

/** What a connector receives: the snapshot with its code. */
export const DossierSyncInput = Type.Object({ code: DossierCode, ...DossierSnapshot.properties }, { additionalProperties: false })
export type DossierSyncInput = DossierSnapshot & { code: string }

export const ProgressStep = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9._:-]+$', description: 'Step id; a step is delivered once per id' }),
  officer: Text(200, 'Who handled the step'),
  officerTitle: Type.Optional(Text(200)),
  unit: Text(300, 'Department or unit that handled it'),
  at: DateTime,
  content: Text(2000, 'What was done'),
  status: Type.Optional(Type.Enum([...DOSSIER_STATUSES])),
  startedAt: Type.Optional(DateTime),
  dueAt: Type.Optional(DateTime),
}, { additionalProperties: false })
export type ProgressStep = Static<typeof ProgressStep>

/** What a connector receives: a processing step with the dossier it belongs to. */
export const ProgressSyncInput = Type.Object({ dossierCode: DossierCode, ...ProgressStep.properties }, { additionalProperties: false })
export type ProgressSyncInput = ProgressStep & { dossierCode: string }
