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

/** Who applies (reference: LoaiDoiTuong 1 citizen, 2 business, 3 state agency, 4 other organisation). */
export const APPLICANT_TYPES = ['citizen', 'business', 'agency', 'organisation'] as const

export const Applicant = Type.Object({
  type: Type.Enum([...APPLICANT_TYPES]),
  id: Type.String({ minLength: 1, maxLength: 20, pattern: '^[0-9A-Za-z][0-9A-Za-z.-]*$', description: 'Personal ID (12 digits, or an old 9-digit card) for a citizen; enterprise, tax or agency code otherwise. Sent only in the fields meant for it' }),
  name: Text(200),
  phone: Type.Optional(Text(20)),
  email: Type.Optional(Type.String({ maxLength: 200, format: 'email' })),
  address: Type.Optional(Text(500)),
  portalAccountId: Type.Optional(Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9._:@-]+$', description: 'The applicant\'s account id on the national portal (its technical id, from single sign-on); absent when the applicant has none' })),
  vneidVerified: Type.Optional(Type.Boolean({ description: 'The applicant\'s account was authenticated with VNeID' })),
}, { additionalProperties: false })

/** National databases a dossier can be checked against; the hub adds the ones it looked up itself. */
export const CONNECTED_DATABASES = ['population', 'business-registry'] as const
const Sha256 = Type.String({ pattern: '^[0-9a-f]{64}$', description: 'Lowercase hex SHA-256 of the file' })

export const DossierDocument = Type.Object({
  id: Text(100, 'Attachment id in the one-stop software'),
  name: Text(300),
  componentCode: Type.Optional(Text(50, 'Required-paper code from the procedure (MaThanhPhanHoSo)')),
  url: Type.Optional(Type.String({ maxLength: 2000, format: 'uri' })),
  deleted: Type.Optional(Type.Boolean()),
  documentCode: Type.Optional({ ...DocumentCode, description: 'Digitized document code `<owner id>.<type code>` when the paper came from (or went to) the document store; with `sha256` the hub tells whether it was reused' }),
  sha256: Type.Optional(Sha256),
  digitized: Type.Optional(Type.Boolean({ description: 'Explicit: the paper was digitized. Default: true when `url` and `sha256` are both given' })),
  reused: Type.Optional(Type.Boolean({ description: 'Explicit: the paper reuses digitized data. Default: true when `documentCode` + `sha256` are in the hub\'s document store from another dossier or intake' })),
  fromPortalDataStore: Type.Optional(Type.Boolean({ description: 'The paper came from the citizen\'s data store on the national portal' })),
  replacesResult: Type.Optional(Text(100, 'Code of an earlier result that replaces this paper')),
}, { additionalProperties: false })

export const DossierOtherPaper = Type.Object({
  name: Text(300),
  count: Type.Integer({ minimum: 1, maximum: 1000 }),
  kind: Type.Integer({ minimum: 0, maximum: 99, description: 'Paper kind code as the portal numbers it (LoaiGiayTo; meaning unconfirmed)' }),
}, { additionalProperties: false })

export const DossierResult = Type.Object({
  id: Type.Optional(Text(100, 'Result paper id in the one-stop software (GiayToId)')),
  name: Text(300),
  resultCode: Type.Optional(Text(100, 'The procedure\'s result paper code (MaGiayToKetQua); with `url` it counts as an electronic result')),
  componentCode: Type.Optional(Text(50)),
  documentCode: Type.Optional({ ...DocumentCode, description: 'Digitized document code `<owner id>.<type code>`; with `url` and `sha256` the result is indexed as a reusable document' }),
  url: Type.Optional(Type.String({ maxLength: 2000, format: 'uri' })),
  sha256: Type.Optional(Sha256),
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
  id: Type.Optional(Text(100, 'Supplement request id; default its position (1, 2, …)')),
  requestedAt: DateTime,
  requestedBy: Type.Optional(Text(200, 'Officer who asked for it')),
  reason: Text(1000),
  dueAt: Type.Optional(DateTime),
  suppliedAt: Type.Optional(DateTime),
  receivedBy: Type.Optional(Text(200, 'Officer who received the supplement')),
  receiptNote: Type.Optional(Text(1000, 'What was received')),
  papers: Type.Optional(Type.Array(DossierDocument, { maxItems: 50 })),
  fees: Type.Optional(Type.Array(DossierFee, { maxItems: 20 })),
  previousDossierDueAt: Type.Optional(DateTime),
  newDossierDueAt: Type.Optional(DateTime),
}, { additionalProperties: false })

export const DossierSnapshot = Type.Object({
  version: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'Increases with every change; older versions are refused (409 STALE_VERSION)' }),
  procedureCode: Type.String({ minLength: 1, maxLength: 50 }),
  procedureName: Type.Optional(Text(500)),
  fieldCode: Type.Optional(Text(50)),
  fieldName: Type.Optional(Text(300)),
  agencyCode: AgencyCode,
  receiptNumber: Type.Optional(Text(100)),
  channel: Type.Enum(['in_person', 'online', 'post'], { description: 'How the dossier was submitted' }),
  resultDelivery: Type.Optional(Type.Enum(['desk', 'post'], { description: 'How the result is returned: at the desk (default) or by public postal service' })),
  submittedVia: Type.Optional(Type.Enum(['portal', 'local'], { description: 'Where it was submitted: the national portal or the province\'s own system (default)' })),
  onlinePayment: Type.Optional(Type.Enum(['none', 'portal', 'gateway'], { description: 'Fees paid online: not (default), on the national portal, or through a ministry or provincial gateway' })),
  applicant: Applicant,
  summary: Type.Optional(Text(2000)),
  submittedAt: Type.Optional({ ...DateTime, description: 'When the applicant submitted it; default receivedAt' }),
  receivedAt: DateTime,
  rejectedAt: Type.Optional(DateTime),
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
  otherPapers: Type.Optional(Type.Array(DossierOtherPaper, { maxItems: 50, description: 'Papers handed in without a file' })),
  hasDigitizedComponent: Type.Optional(Type.Boolean({ description: 'Explicit: a component reuses digitized data. Default: true when a paper is digitized or reused' })),
  connectedDatabases: Type.Optional(Type.Array(Type.Enum([...CONNECTED_DATABASES]), { maxItems: 10, uniqueItems: true, description: 'Explicit: national databases the dossier was checked against. Default: those the hub looked up with X-Purpose = this dossier\'s code' })),
}, { additionalProperties: false })
export type DossierSnapshot = Static<typeof DossierSnapshot>

/**
 * What the hub knows of a dossier from its own records when it accepts a version (see
 * docs/sync.md, "Flags the hub fills in"). Explicit values in the snapshot win over these.
 */
export const HubFacts = Type.Object({
  connectedDatabases: Type.Array(Type.Enum([...CONNECTED_DATABASES]), { description: 'Looked up through the hub with X-Purpose = the dossier code' }),
  reusedDocuments: Type.Array(Type.String(), { description: '`documents[].id` whose code and hash were in the document store (from intake or another dossier)' }),
}, { additionalProperties: false })
export type HubFacts = Static<typeof HubFacts>

/** What a connector receives: the snapshot with its code, the current agency code, and the hub's facts. */
export const DossierSyncInput = Type.Object({
  code: DossierCode,
  ...DossierSnapshot.properties,
  originalAgencyCode: Type.Optional({ ...AgencyCode, description: 'The code the one-stop software sent, when the merger mapping replaced it by `agencyCode`' }),
  facts: Type.Optional(HubFacts),
}, { additionalProperties: false })
export type DossierSyncInput = DossierSnapshot & { code: string; originalAgencyCode?: string; facts?: HubFacts }

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
