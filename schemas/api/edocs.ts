/**
 * The document-axis API (DESIGN §5): what the one-stop software sends to `POST /v1/edocs`, what
 * `GET /v1/edocs/{id}` shows, a processing status it reports on a received document, and the
 * payloads of the `edoc.received` / `edoc.status_changed` events. Plain domain names; the edXML
 * element names stay in connectors/document-axis.
 */
import { Type, type Static } from 'typebox'

export const AgencyCode = Type.String({ pattern: '^[0-9]{3}\\.[0-9]{2}\\.[0-9]{2}\\.[A-Z][0-9]{2}$', description: 'Agency code (QCVN 102:2016), e.g. `000.00.00.H34`' })
const Text = (maxLength: number, description?: string) => Type.String({ minLength: 1, maxLength, ...(description && { description }) })
const IsoDate = Type.String({ format: 'date', description: '`yyyy-MM-dd`' })
const DateTime = Type.String({ format: 'date-time', description: 'RFC 3339 date-time with offset' })

export const EdocStatusCodes = ['01', '02', '03', '04', '05', '06', '13', '15', '16'] as const

export const Organ = Type.Object({
  organId: AgencyCode,
  organName: Text(500),
  organizationInCharge: Type.Optional(Text(500)),
  organAdd: Type.Optional(Text(500)),
  email: Type.Optional(Text(200)),
  telephone: Type.Optional(Text(50)),
  fax: Type.Optional(Text(50)),
  website: Type.Optional(Text(200)),
}, { additionalProperties: false })

export const DocumentRef = Type.Object({
  organId: AgencyCode,
  code: Text(200, '`number/notation` of the referenced document'),
  promulgationDate: IsoDate,
  documentId: Text(400, 'Axis document id `{OrganId},{yyyy/MM/dd},{Number}/{Notation}`'),
}, { additionalProperties: false })

export const AttachmentInput = Type.Object({
  name: Text(255, 'File name, e.g. `cong-van-123.pdf`'),
  contentType: Type.String({ pattern: '^[a-zA-Z0-9!#$&^_.+-]+/[a-zA-Z0-9!#$&^_.+-]+$', maxLength: 200 }),
  description: Type.Optional(Text(500)),
  data: Type.Optional(Type.String({ minLength: 1, description: 'The file, standard base64 (RFC 4648 §4; line breaks allowed)' })),
  url: Type.Optional(Type.String({ maxLength: 2000, pattern: '^https?://', description: 'Where the hub downloads the file before answering: HTTPS on a public address (edocs.fetch.allowHosts when set); http on loopback only in the sandbox' })),
}, { additionalProperties: false, description: 'Exactly one of `data` and `url`' })

export const SendEdoc = Type.Object({
  from: Type.Optional({ ...Organ, description: 'The sending agency of the province; default the province itself' }),
  to: Type.Array(Organ, { minItems: 1, maxItems: 100 }),
  code: Type.Object({
    number: Type.String({ minLength: 1, maxLength: 50, pattern: '^[^/,]+$', description: 'e.g. `123`; no `/` or `,`, which would make the axis document id ambiguous' }),
    notation: Text(100, 'e.g. `UBND-VP`'),
  }, { additionalProperties: false }),
  promulgation: Type.Object({ place: Text(200), date: IsoDate }, { additionalProperties: false }),
  documentType: Type.Object({ type: Text(20), typeDetail: Type.Optional(Text(20)), typeName: Text(200) }, { additionalProperties: false }),
  subject: Text(2000),
  content: Type.Optional(Text(100_000)),
  signer: Type.Object({ fullName: Text(200), position: Type.Optional(Text(200)), competence: Type.Optional(Text(200)) }, { additionalProperties: false }),
  dueDate: Type.Optional(IsoDate),
  priority: Type.Optional(Text(20)),
  sphereOfPromulgation: Type.Optional(Text(200)),
  typerNotation: Type.Optional(Text(50, 'Initials of the typist, e.g. `TVC`')),
  promulgationAmount: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000, description: 'Copies issued' })),
  pageAmount: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000 })),
  direction: Type.Optional(Type.Boolean({ description: '`Direction`: whether the document is a steering one (true/false on the wire)' })),
  appendixes: Type.Optional(Type.Array(Text(500), { maxItems: 100, description: 'Titles of the appendixes' })),
  steeringType: Type.Optional(Text(20)),
  toPlaces: Type.Optional(Type.Array(Text(500), { maxItems: 100 })),
  responseFor: Type.Optional(DocumentRef),
  business: Type.Optional(Type.Object({
    docType: Type.Enum(['new', 'revoke', 'update', 'replace']),
    reason: Type.Optional(Text(1000)),
    documentId: Type.Optional(Text(400, 'The document revoked, updated or replaced')),
    paper: Type.Optional(Type.Boolean({ description: 'A paper copy follows' })),
    staff: Type.Optional(Type.Object({
      department: Type.Optional(Text(200)), staff: Type.Optional(Text(200)), mobile: Type.Optional(Text(50)), email: Type.Optional(Text(200)),
    }, { additionalProperties: false, description: 'The clerk who sends it (`Bussiness/StaffInfo`)' })),
  }, { additionalProperties: false })),
  attachments: Type.Array(AttachmentInput, { maxItems: 50, default: [] }),
}, { additionalProperties: false })
export type SendEdoc = Static<typeof SendEdoc>

export const ReportStatus = Type.Object({
  statusCode: Type.Enum([...EdocStatusCodes], { description: '01 arrived, 02 refused, 03 accepted, 04 assigned, 05 processing, 06 completed, 13 recall requested, 15 recall agreed, 16 recall refused' }),
  description: Type.Optional(Text(2000)),
  from: Type.Optional({ ...AgencyCode, description: 'Which of the document\'s recipients in the province reports; default the first one in the province the client acts for' }),
  staff: Type.Optional(Type.Object({
    department: Type.Optional(Text(200)), staff: Type.Optional(Text(200)), mobile: Type.Optional(Text(50)), email: Type.Optional(Text(200)),
  }, { additionalProperties: false })),
}, { additionalProperties: false })
export type ReportStatus = Static<typeof ReportStatus>

export const AttachmentInfo = Type.Object({
  contentId: Type.String(),
  name: Type.String(),
  contentType: Type.String({ description: 'As the sender declared it; a download serves one that is not a plain media type as `application/octet-stream`' }),
  detectedType: Type.Optional(Type.String({ description: 'What the bytes are, when recognised (`application/zip`, `application/pdf`, …): real senders send ZIP archives labelled `application/pdf` or named `.doc`' })),
  description: Type.Optional(Type.String()),
  manifestContentType: Type.Optional(Type.String({ description: 'Received only: the manifest\'s ContentType when it differs from the attachment\'s own (a ZIP labelled `application/pdf` in the manifest)' })),
  fieldName: Type.Optional(Type.String({ description: 'Received only: the attachment\'s `FieldName`, when the sender wrote one' })),
  mimeType: Type.Optional(Type.String({ description: 'Received only: the attachment\'s `MimeType`, when the sender wrote one' })),
  size: Type.Integer(),
  sha256: Type.String(),
  url: Type.String({ description: 'Hub path that serves the file (scope edocs:read)' }),
})

/** The verdict on a received package's XML signature (connectors/document-axis/edxml-signature.ts). */
export const SignatureView = Type.Object({
  status: Type.Enum(['valid', 'invalid', 'unverifiable', 'absent'], { description: 'valid: matches its certificate, which is in its validity (and issued by a configured trust anchor); invalid: the package changed after signing; unverifiable: cannot be checked (placeholder, no certificate, not XML-DSig, expired, untrusted); absent: not signed' }),
  reason: Type.Optional(Type.String()),
  signer: Type.Optional(Type.Object({
    subject: Type.String(), issuer: Type.String(), serialNumber: Type.String(), validFrom: Type.String(), validTo: Type.String(),
  }, { description: 'The certificate the signature carries' })),
  flagged: Type.Boolean({ description: 'The configured policy flags this verdict (connectors.document-axis.signatures.policy)' }),
})

export const DeliveryState = Type.Object({
  state: Type.Enum(['pending', 'retrying', 'delivered', 'superseded', 'dead']),
  attempts: Type.Integer(),
  lastError: Type.Union([Type.String(), Type.Null()]),
  axisDocId: Type.Union([Type.String(), Type.Null()]),
})

export const StatusView = Type.Object({
  id: Type.Integer(),
  direction: Type.Enum(['incoming', 'outgoing'], { description: 'incoming: a recipient reported on our document; outgoing: we reported on a document we received' }),
  from: Type.String({ description: 'Agency code of the reporter' }),
  statusCode: Type.String(),
  status: Type.String({ description: 'e.g. `arrived`, `accepted`, `processing`, `completed`' }),
  description: Type.Union([Type.String(), Type.Null()]),
  at: Type.String({ description: 'When the reporter says it happened' }),
  recordedAt: Type.String(),
  delivery: Type.Optional(DeliveryState),
})

export const EdocView = Type.Object({
  id: Type.String(),
  direction: Type.Enum(['outgoing', 'incoming']),
  documentId: Type.String(),
  from: Type.String(),
  to: Type.Array(Type.String()),
  subject: Type.String(),
  header: Type.Record(Type.String(), Type.Unknown(), { description: 'The whole edXML header in domain names (every element the sender wrote)' }),
  signature: Type.Optional({ ...SignatureView, description: 'Received documents: the verdict on the package\'s XML signature' }),
  attachments: Type.Array(AttachmentInfo),
  createdAt: Type.String(),
  sending: Type.Optional(DeliveryState),
  statuses: Type.Array(StatusView),
})
export type EdocView = Static<typeof EdocView>

/** `edoc.received`: a document for an agency of the province arrived from the axis. */
export const EdocReceivedEvent = Type.Object({
  edocId: Type.String(),
  agencyCode: { ...AgencyCode, description: 'The recipient agency in the province (the routing key)' },
  documentId: Type.String(),
  from: Type.Object({ organId: Type.String(), organName: Type.Optional(Type.String()) }),
  to: Type.Array(Type.String(), { description: 'Recipient codes, the first 50 (toCount says how many when there are more; GET /v1/edocs/{id} has them all)' }),
  toCount: Type.Optional(Type.Integer({ description: 'Number of recipients, when `to` lists only the first 50' })),
  subject: Type.String(),
  documentType: Type.Object({ type: Type.String(), typeDetail: Type.Optional(Type.String()), typeName: Type.String() }),
  code: Type.String(),
  promulgationDate: Type.String(),
  dueDate: Type.Optional(Type.String()),
  responseFor: Type.Optional(Type.String({ description: 'documentId this document answers' })),
  attachments: Type.Array(AttachmentInfo),
  signature: SignatureView,
})

/** `edoc.status_changed`: a recipient reported a processing status on a document the province sent. */
export const EdocStatusChangedEvent = Type.Object({
  edocId: Type.Union([Type.String(), Type.Null()], { description: 'null when the hub holds no document with that id (sent before the hub, or by another system)' }),
  agencyCode: { ...AgencyCode, description: 'The sending agency in the province (the routing key)' },
  documentId: Type.String(),
  from: Type.Object({ organId: Type.String(), organName: Type.Optional(Type.String()) }),
  statusCode: Type.String(),
  status: Type.String(),
  description: Type.Optional(Type.String()),
  at: DateTime,
})
