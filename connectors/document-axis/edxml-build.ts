/**
 * Edoc → edXML document package (wire format: edxml.ts). The Edoc is validated while it is
 * written, so a package that leaves here is one parseEdoc accepts; the first problem found is
 * thrown as an EdxmlError naming the wire element and the model field. Attachments are base64
 * encoded one at a time straight into the final buffer (no second copy of the package).
 */
import { BUSINESS_DOC_TYPES, EdxmlError, type Attachment, type Edoc, type EdocHeader } from './model.js'
import { isNode } from '../../src/xml/safe-xml.js'
import {
  count, element, ENVELOPE_CLOSE, ENVELOPE_OPEN, escapeText, HEADER, optional, PREFIX, quoted, required, ROOT,
  wireDate, wireTimestamp, writeOrgan, writeResponseFor,
} from './edxml-common.js'

const MESSAGE_HEADER = `${HEADER}/MessageHeader`
const TRACE_LIST = `${HEADER}/TraceHeaderList`
const MANIFEST = `${ROOT}/edXMLBody/edXMLManifest`
const ATTACHMENT = `${ROOT}/AttachmentEncoded`
const VALUE_CLOSE = `</${PREFIX}:Value></${PREFIX}:AttachmentEncoded>`

const fail = (message: string, element: string) => new EdxmlError(message, element)

function list<T>(value: T[] | undefined, path: string, field: string): T[] {
  if (!Array.isArray(value)) throw fail(`${field} must be a list (${path})`, path)
  return value
}

function messageHeader(h: EdocHeader): string {
  const at = MESSAGE_HEADER
  const to = list(h.to, `${at}/To`, 'header.to')
  if (to.length === 0) throw fail(`header.to is empty: ${at}/To needs at least one recipient`, `${at}/To`)
  const parts = [
    writeOrgan('From', h.from, at, 'header.from'),
    ...to.map((organ, i) => writeOrgan('To', organ, at, `header.to[${i}]`)),
    required('DocumentId', h.documentId, at, 'header.documentId'),
    element('Code', required('CodeNumber', h.code?.number, `${at}/Code`, 'header.code.number')
      + required('CodeNotation', h.code?.notation, `${at}/Code`, 'header.code.notation')),
    element('PromulgationInfo', required('Place', h.promulgation?.place, `${at}/PromulgationInfo`, 'header.promulgation.place')
      + wireDate('PromulgationDate', h.promulgation?.date, `${at}/PromulgationInfo`, 'header.promulgation.date')),
    element('DocumentType', required('Type', h.documentType?.type, `${at}/DocumentType`, 'header.documentType.type')
      + required('TypeName', h.documentType?.typeName, `${at}/DocumentType`, 'header.documentType.typeName')),
    required('Subject', h.subject, at, 'header.subject'),
    optional('Content', h.content, at, 'header.content'),
    element('SignerInfo', optional('Competence', h.signer?.competence, `${at}/SignerInfo`, 'header.signer.competence')
      + optional('Position', h.signer?.position, `${at}/SignerInfo`, 'header.signer.position')
      + required('FullName', h.signer?.fullName, `${at}/SignerInfo`, 'header.signer.fullName')),
    h.dueDate === undefined ? '' : wireDate('DueDate', h.dueDate, at, 'header.dueDate'),
    h.other === undefined ? '' : otherInfo(h.other),
    optional('SteeringType', h.steeringType, at, 'header.steeringType'),
    h.toPlaces === undefined ? '' : element('ToPlaces', list(h.toPlaces, `${at}/ToPlaces`, 'header.toPlaces')
      .map((place, i) => required('Place', place, `${at}/ToPlaces`, `header.toPlaces[${i}]`)).join('')),
    h.responseFor === undefined ? '' : writeResponseFor(h.responseFor, at, 'header.responseFor'),
  ]
  return element('MessageHeader', parts.join(''))
}

function otherInfo(other: NonNullable<EdocHeader['other']>): string {
  const at = `${MESSAGE_HEADER}/OtherInfo`
  if (!isNode(other)) throw fail(`header.other must be an object (${at})`, at)
  return element('OtherInfo', [
    optional('Priority', other.priority, at, 'header.other.priority'),
    optional('SphereOfPromulgation', other.sphereOfPromulgation, at, 'header.other.sphereOfPromulgation'),
    optional('TyperNotation', other.typerNotation, at, 'header.other.typerNotation'),
    count('PromulgationAmount', other.promulgationAmount, at, 'header.other.promulgationAmount'),
    count('PageAmount', other.pageAmount, at, 'header.other.pageAmount'),
  ].join(''))
}

function traceHeaderList(h: EdocHeader): string {
  const at = TRACE_LIST
  const hops = list(h.trace, `${at}/TraceHeader`, 'header.trace').map((hop, i) => {
    if (!isNode(hop)) throw fail(`header.trace[${i}] must be an object (${at}/TraceHeader)`, `${at}/TraceHeader`)
    return element('TraceHeader', required('OrganId', hop.organId, `${at}/TraceHeader`, `header.trace[${i}].organId`)
      + wireTimestamp('Timestamp', hop.timestamp, `${at}/TraceHeader`, `header.trace[${i}].timestamp`))
  })
  const docType = h.business?.docType
  const code = typeof docType === 'string' && Object.hasOwn(BUSINESS_DOC_TYPES, docType) ? BUSINESS_DOC_TYPES[docType] : undefined
  if (code === undefined) {
    throw fail(`header.business.docType must be one of ${Object.keys(BUSINESS_DOC_TYPES).join(', ')} (${at}/Bussiness/BussinessDocType)`, `${at}/Bussiness/BussinessDocType`)
  }
  const business = element('Bussiness', element('BussinessDocType', String(code))
    + optional('BussinessDocReason', h.business.docReason, `${at}/Bussiness`, 'header.business.docReason'))
  return element('TraceHeaderList', hops.join('') + business)
}

/** Checks every attachment and returns each one's escaped `cid:` ContentId. */
function checkAttachments(attachments: Attachment[]): string[] {
  const seen = new Set<string>()
  return attachments.map((a, i) => {
    const at = `${MANIFEST}/Reference`
    if (!isNode(a)) throw fail(`attachments[${i}] must be an object (${at})`, at)
    const id = a.contentId
    if (typeof id !== 'string' || id.trim() === '') throw fail(`attachments[${i}].contentId is missing or empty (${at}/ContentId)`, `${at}/ContentId`)
    if (id.startsWith('cid:')) throw fail(`attachments[${i}].contentId ${quoted(id)} must be given without the "cid:" prefix (${at}/ContentId)`, `${at}/ContentId`)
    if (seen.has(id)) throw fail(`attachments[${i}].contentId ${quoted(id)} is used twice; ContentIds must be unique (${at}/ContentId)`, `${at}/ContentId`)
    seen.add(id)
    if (!(a.data instanceof Uint8Array)) throw fail(`attachments[${i}].data must be a Buffer (${ATTACHMENT}/Value)`, `${ATTACHMENT}/Value`)
    return escapeText(`cid:${id}`, `${at}/ContentId`)
  })
}

function manifest(attachments: Attachment[], cids: string[]): string {
  const at = `${MANIFEST}/Reference`
  const references = attachments.map((a, i) => element('Reference', element('ContentId', cids[i]!)
    + required('ContentType', a.contentType, at, `attachments[${i}].contentType`)
    + required('AttachmentName', a.name, at, `attachments[${i}].name`)
    + optional('Description', a.description, at, `attachments[${i}].description`)))
  return element('edXMLBody', element('edXMLManifest', references.join('')))
}

const base64Length = (bytes: number) => Math.ceil(bytes / 3) * 4

/** The document package: UTF-8 XML, attachments as base64 after the body (see edxml.ts). */
export function buildEdoc(edoc: Edoc): Buffer {
  if (!isNode(edoc) || !isNode(edoc.header)) throw fail(`the edoc has no header (${HEADER})`, HEADER)
  const attachments = list(edoc.attachments, MANIFEST, 'attachments')
  const cids = checkAttachments(attachments)
  const head = ENVELOPE_OPEN + element('edXMLHeader', messageHeader(edoc.header) + traceHeaderList(edoc.header)) + manifest(attachments, cids)
  const openings = cids.map((cid) => `<${PREFIX}:AttachmentEncoded>${element('ContentId', cid)}<${PREFIX}:Value>`)
  let total = Buffer.byteLength(head) + ENVELOPE_CLOSE.length
  attachments.forEach((a, i) => (total += Buffer.byteLength(openings[i]!) + base64Length(a.data.byteLength) + VALUE_CLOSE.length))
  const out = Buffer.allocUnsafe(total)
  let offset = out.write(head, 0, 'utf8')
  attachments.forEach((a, i) => {
    const data: Uint8Array = a.data // a plain Uint8Array is accepted too
    const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength)
    offset += out.write(openings[i]!, offset, 'utf8')
    offset += out.write(bytes.toString('base64'), offset, 'latin1')
    offset += out.write(VALUE_CLOSE, offset, 'latin1')
  })
  offset += out.write(ENVELOPE_CLOSE, offset, 'latin1')
  if (offset !== total) throw new Error(`edXML builder wrote ${offset} bytes into a ${total}-byte buffer`) // a bug, never an input problem
  return out
}
