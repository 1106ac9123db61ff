/**
 * The document axis's data, in the hub's own terms (camelCase, ISO dates). edxml.ts turns these
 * into edXML (QCVN 102:2016) and back; wire.ts carries the packages over the VXP-style HTTP calls.
 * Nothing here knows the XML element names.
 *
 * Dates are ISO: a calendar date is `yyyy-MM-dd`; a timestamp is RFC 3339 with an offset
 * (edXML writes both in Vietnam time as `yyyy/MM/dd` and `yyyy/MM/dd HH:mm:ss`).
 */

/** An agency as edXML describes it (`From`, each `To`). Only `organId` and `organName` are required. */
export interface Organ {
  /** Agency code `NNN.NN.NN.XNN`, e.g. `000.00.00.H34`. */
  organId: string
  organName: string
  organizationInCharge?: string
  organAdd?: string
  email?: string
  telephone?: string
  fax?: string
  website?: string
}

/** What a status packet or a reply document points at (`ResponseFor`). */
export interface DocumentRef {
  organId: string
  /** `CodeNumber/CodeNotation`, e.g. `7816/VPCP-TTĐT`. */
  code: string
  /** `yyyy-MM-dd`. */
  promulgationDate: string
  /** The axis document id `{OrganId},{yyyy/MM/dd},{Number}/{Notation}`. */
  documentId: string
}

/** `Bussiness/BussinessDocType` (spelled so on the wire). */
export const BUSINESS_DOC_TYPES = { new: 0, revoke: 1, update: 2, replace: 3 } as const
export type BusinessDocType = keyof typeof BUSINESS_DOC_TYPES

export interface EdocHeader {
  from: Organ
  /** At least one recipient. */
  to: Organ[]
  /** `{OrganId},{yyyy/MM/dd},{Number}/{Notation}`; see `documentIdOf`. */
  documentId: string
  code: { number: string; notation: string }
  promulgation: { place: string; date: string }
  documentType: { type: string; typeName: string }
  subject: string
  content?: string
  signer: { fullName: string; competence?: string; position?: string }
  /** `yyyy-MM-dd`. */
  dueDate?: string
  other?: { priority?: string; sphereOfPromulgation?: string; pageAmount?: number; typerNotation?: string; promulgationAmount?: number }
  steeringType?: string
  toPlaces?: string[]
  responseFor?: DocumentRef
  /** Hops the document went through (`TraceHeaderList/TraceHeader`); the builder adds none by itself. */
  trace: Array<{ organId: string; timestamp: string }>
  business: { docType: BusinessDocType; docReason?: string }
}

export interface Attachment {
  /** Without the `cid:` prefix; unique within the document. */
  contentId: string
  contentType: string
  name: string
  description?: string
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
  responseFor: DocumentRef
  from: Organ
  statusCode: StatusCode
  description?: string
  /** RFC 3339 with an offset. */
  timestamp: string
  staff?: { department?: string; staff?: string; mobile?: string; email?: string }
}

/** The axis document id of a document: `{OrganId},{yyyy/MM/dd},{Number}/{Notation}`. */
export function documentIdOf(organId: string, promulgationDate: string, number: string, notation: string): string {
  return `${organId},${promulgationDate.replaceAll('-', '/')},${number}/${notation}`
}

/** Limits every parse applies; a package beyond them is refused with a clear error, never half read. */
export interface EdxmlLimits {
  /** Largest package in bytes (envelope and base64 attachments together). */
  maxPackageBytes: number
  /** Largest single attachment after base64 decoding, in bytes. */
  maxAttachmentBytes: number
  maxAttachments: number
  /** Deepest element nesting. */
  maxDepth: number
}

export const DEFAULT_EDXML_LIMITS: EdxmlLimits = {
  maxPackageBytes: 64 * 1024 * 1024,
  maxAttachmentBytes: 20 * 1024 * 1024,
  maxAttachments: 50,
  maxDepth: 32,
}

/** A package that is not acceptable edXML; `element` names the missing or malformed element when there is one. */
export class EdxmlError extends Error {
  override name = 'EdxmlError'
  constructor(message: string, readonly element?: string) {
    super(message)
  }
}
