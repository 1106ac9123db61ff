/**
 * The document axis's data, in the hub's own terms (camelCase, ISO dates): what src/edocs stores
 * and the document-axis connector (connectors/document-axis) maps to edXML (QCVN 102:2016) and
 * back, and carries over the VXP-style HTTP calls. Nothing here knows the XML element names. The
 * operations on it are the contracts in contracts.ts.
 *
 * Dates are ISO: a calendar date is `yyyy-MM-dd`; a timestamp is RFC 3339 with an offset
 * (edXML writes both in Vietnam time as `yyyy/MM/dd` and `yyyy/MM/dd HH:mm:ss`).
 */

/** An agency as edXML describes it (`From`, each `To`). Only `organId` is always there: real packages omit `OrganName`. */
export interface Organ {
  /** Agency code, usually `NNN.NN.NN.XNN` (e.g. `000.00.00.H34`); real senders also use others (`vxp.saas.03`). */
  organId: string
  organName?: string
  organizationInCharge?: string
  organAdd?: string
  email?: string
  telephone?: string
  fax?: string
  website?: string
}

/**
 * What a status packet or a reply document points at (`ResponseFor`). Every field may be absent:
 * real packages carry `<ResponseFor/>` and `ResponseFor` with empty children.
 */
export interface DocumentRef {
  organId?: string
  /** `CodeNumber/CodeNotation`, e.g. `7816/VPCP-TTĐT`. */
  code?: string
  /** `yyyy-MM-dd`. */
  promulgationDate?: string
  /** The axis document id `{OrganId},{yyyy/MM/dd},{Number}/{Notation}`, or a UUID. */
  documentId?: string
}

/** `Bussiness/BussinessDocType` (spelled so on the wire). */
export const BUSINESS_DOC_TYPES = { new: 0, revoke: 1, update: 2, replace: 3 } as const
export type BusinessDocType = keyof typeof BUSINESS_DOC_TYPES

/** The officer who handled a document or a status (`StaffInfo`). */
export interface StaffInfo {
  department?: string
  departmentId?: string
  staff?: string
  staffId?: string
  email?: string
  mobile?: string
}

/** `TraceHeaderList/Bussiness`: why the document is sent (new, revoke, update, replace) and to whom. */
export interface Business {
  docType: BusinessDocType
  docReason?: string
  /** The document revoked, updated or replaced. */
  documentId?: string
  /** `Paper`: `0` electronic only, `1` a paper copy follows. */
  paper?: string
  documentInfo?: Array<{ documentInfo?: string; documentReceiver?: string; receivers: Array<{ organId?: string; receiverType?: string }> }>
  replacements?: Array<{ documentId?: string; organIds: string[] }>
  staff?: StaffInfo[]
}

export interface EdocHeader {
  from: Organ
  /** At least one recipient. */
  to: Organ[]
  /** `{OrganId},{yyyy/MM/dd},{Number}/{Notation}` (see `documentIdOf`) or a UUID; never re-validated. */
  documentId: string
  code: { number: string; notation: string }
  promulgation: { place: string; date: string }
  /** `type` is an integer as text (`1`); `typeDetail` likewise. */
  documentType: { type: string; typeDetail?: string; typeName: string }
  subject: string
  content?: string
  signer: { fullName?: string; competence?: string; position?: string }
  /** `yyyy-MM-dd`. */
  dueDate?: string
  other?: {
    priority?: string
    sphereOfPromulgation?: string
    typerNotation?: string
    promulgationAmount?: number
    pageAmount?: number
    replyFors?: string
    /** `Direction` (`true`/`false` on the wire). */
    direction?: boolean
    referenceCodes?: string
    appendixes?: string[]
  }
  /** Repeatable; `{}` stands for an empty `<ResponseFor/>`. */
  responseFor?: DocumentRef[]
  steeringType?: string
  responseForTask?: string[]
  applicationType?: string
  toPlaces?: string[]
  /** Hops the document went through (`TraceHeaderList/TraceHeader`); the axis appends its own. */
  trace: Array<{ organId?: string; timestamp: string }>
  /** Absent in every package fetched back from the axis. */
  business?: Business
}

export interface Attachment {
  /** Without the `cid:` prefix; unique within the document. */
  contentId: string
  /** The attachment's own ContentType (what the bytes are labelled as). */
  contentType: string
  /** The manifest's ContentType, when it says something else (a ZIP labelled `application/pdf`). */
  manifestContentType?: string
  name: string
  description?: string
  fieldName?: string
  mimeType?: string
  data: Buffer
}

export interface Edoc {
  header: EdocHeader
  attachments: Attachment[]
}

/** Processing statuses a recipient reports back (status packet `StatusCode`). */
export const STATUS_CODES = {
  '01': 'arrived',
  '02': 'refused',
  '03': 'accepted',
  '04': 'assigned',
  '05': 'processing',
  '06': 'completed',
  '13': 'recall_requested',
  '15': 'recall_agreed',
  '16': 'recall_refused',
} as const
export type StatusCode = keyof typeof STATUS_CODES
export const isStatusCode = (value: string): value is StatusCode => Object.hasOwn(STATUS_CODES, value)

export interface StatusPacket {
  from: Organ
  /** The document reported on; `organId` is the other party (its issuer, or the recipient for a recall). */
  responseFor: DocumentRef
  staff?: StaffInfo
  statusCode: StatusCode
  description?: string
  /** RFC 3339 with an offset. */
  timestamp: string
}

/** The axis document id of a document: `{OrganId},{yyyy/MM/dd},{Number}/{Notation}`. */
export function documentIdOf(organId: string, promulgationDate: string, number: string, notation: string): string {
  return `${organId},${promulgationDate.replaceAll('-', '/')},${number}/${notation}`
}

/** Limits every parse applies; a package beyond them is refused with a clear error, never half read. */
export interface EdxmlLimits {
  /** Largest package in bytes (envelope and base64 attachments together). */
  maxPackageBytes: number
  /** Longest text of one element, or start tag with its attributes, outside the attachments' base64, in characters. */
  maxTextChars: number
  /** Largest single attachment after base64 decoding, in bytes. */
  maxAttachmentBytes: number
  maxAttachments: number
  /** Most `To` recipients of one document (each becomes an event for an agency of the province). */
  maxRecipients: number
  /** Deepest element nesting. */
  maxDepth: number
}

export const DEFAULT_EDXML_LIMITS: EdxmlLimits = {
  // Real documents are scanned letters of a few MB; the axis's own samples are under 0.4 MB.
  maxPackageBytes: 32 * 1024 * 1024,
  maxTextChars: 256 * 1024,
  maxAttachmentBytes: 20 * 1024 * 1024,
  maxAttachments: 50,
  maxRecipients: 500,
  maxDepth: 32,
}

/** A package that is not acceptable edXML; `element` names the missing or malformed element when there is one. */
export class EdxmlError extends Error {
  override name = 'EdxmlError'
  /**
   * @param overLimit the package broke a reading limit (text or tag size): refused whole, but
   *   kept for an operator like any other unreadable package, since fetching it again changes nothing.
   */
  constructor(message: string, readonly element?: string, readonly overLimit = false) {
    super(message)
  }
}

/** What the axis carries: documents, or processing-status packets about them. */
export type MessageType = 'edoc' | 'status'

/** One entry of the province's mailbox on the axis (not yet acknowledged). */
export interface ReceivedItem {
  docId: string
  serviceType: string
  messageType: MessageType
  from: string
  to: string
  status: string
  status_desc?: string
  created_time: string
  updated_time?: string
}

/** One entry of what the province sent over the axis (`getSentEdocList`), with how far it got. */
export interface SentItem {
  /** The axis's id of what we sent (send's `docId`). */
  senderDocId: string
  /** The id the recipient's copy has on the axis. */
  receiverDocId: string
  serviceType: string
  messageType: MessageType
  fromCode: string
  toCode: string
  sendStatus: string
  sendStatusDesc?: string
  /** Whether the recipient fetched it (the simulator says `done` once acknowledged, else `initial`). */
  receiveStatus: string
  receiveStatusDesc?: string
  title: string
  notation: string
  sentTime: string
  receivedTime?: string
}

/** One agency registered on the axis. */
export interface AgencyItem {
  id: string
  /** The parent agency's `id`. */
  pid: string
  code: string
  name: string
  mail: string
  oldCode: string
}

export type SignatureStatus = 'valid' | 'invalid' | 'unverifiable' | 'absent'

export interface SignerCertificate {
  subject: string
  issuer: string
  serialNumber: string
  /** ISO 8601. */
  validFrom: string
  validTo: string
}

export interface SignatureVerdict {
  status: SignatureStatus
  /** Why it is not `valid` (absent for `valid` and `absent`). */
  reason?: string
  /** The certificate the signature carries, when it could be read. */
  signer?: SignerCertificate
}

/** The signature verdict of a received package, and whether the policy flags it. */
export type ReceivedSignature = SignatureVerdict & { flagged: boolean }

export type ReceivedMessage =
  | { kind: 'edoc'; docId: string; edoc: Edoc; package: Buffer; ours: string[]; signature: ReceivedSignature }
  | { kind: 'status'; docId: string; status: StatusPacket; package: Buffer; signature: ReceivedSignature }

/** A package fetched whole that is not acceptable edXML: the parser's reason (element paths, limits; never content). */
export type UnreadablePackage = { kind: 'unreadable'; docId: string; messageType: MessageType; package: Buffer; reason: string }
