/**
 * Edoc → edXML document package in the real layout (wire format: edxml.ts). The Edoc is validated
 * while it is written, so a package that leaves here is one parseEdoc accepts; the first problem
 * found is thrown as an EdxmlError naming the wire element and the model field. Attachments are
 * base64 encoded one at a time straight into the final buffer (no second copy of the package).
 * `signature` (an XML-DSig element, edxml-signature.ts) goes last in the header when given.
 */
import { EdxmlError, type Attachment, type Edoc } from './model.js'
import { isNode } from '../../src/xml/safe-xml.js'
import {
  DOCUMENT_CLOSE, DOCUMENT_OPEN, element, ENVELOPE, ENVELOPE_CLOSE, escapeText, HEADER, NAMESPACE, optional, plain, PREFIX, quoted, required, ROOT,
} from './edxml-common.js'
import { writeMessageHeader, writeTraceHeaderList } from './edxml-header.js'

const MANIFEST = `${ENVELOPE}/edXMLBody/edXMLManifest`
const ATTACHMENT = `${ROOT}/AttachmentEncoded/Attachment`
const VALUE_OPEN = `<${PREFIX}:ContentTransferEncoded xmlns:${PREFIX}="${NAMESPACE}">`
const VALUE_CLOSE = `</${PREFIX}:ContentTransferEncoded></Attachment>`

const fail = (message: string, element: string) => new EdxmlError(message, element)

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
    if (!(a.data instanceof Uint8Array)) throw fail(`attachments[${i}].data must be a Buffer (${ATTACHMENT}/ContentTransferEncoded)`, `${ATTACHMENT}/ContentTransferEncoded`)
    return escapeText(`cid:${id}`, `${at}/ContentId`)
  })
}

/** Manifest `Reference` children in the library's order: ContentId, ContentType, Description, AttachmentName. */
function manifest(attachments: Attachment[], cids: string[]): string {
  const at = `${MANIFEST}/Reference`
  const references = attachments.map((a, i) => element('Reference', element('ContentId', cids[i]!)
    + required('ContentType', a.manifestContentType ?? a.contentType, at, `attachments[${i}].${a.manifestContentType === undefined ? 'contentType' : 'manifestContentType'}`)
    + optional('Description', a.description, at, `attachments[${i}].description`)
    + required('AttachmentName', a.name, at, `attachments[${i}].name`)))
  return element('edXMLBody', `<${PREFIX}:edXMLManifest version="1.0">${references.join('')}</${PREFIX}:edXMLManifest>`)
}

/** `Attachment` up to its base64: ContentId, AttachmentName, Description, FieldName, MimeType, ContentType. */
function attachmentOpening(a: Attachment, cid: string, i: number): string {
  return '<Attachment>' + plain('ContentId', cid)
    + required('AttachmentName', a.name, ATTACHMENT, `attachments[${i}].name`, plain)
    + optional('Description', a.description, ATTACHMENT, `attachments[${i}].description`, plain)
    + optional('FieldName', a.fieldName, ATTACHMENT, `attachments[${i}].fieldName`, plain)
    + optional('MimeType', a.mimeType, ATTACHMENT, `attachments[${i}].mimeType`, plain)
    + required('ContentType', a.contentType, ATTACHMENT, `attachments[${i}].contentType`, plain)
    + VALUE_OPEN
}

const base64Length = (bytes: number) => Math.ceil(bytes / 3) * 4

/** The document package: root `edXML`, the envelope, then `AttachmentEncoded` (see edxml.ts). */
export function buildEdoc(edoc: Edoc, signature = ''): Buffer {
  if (!isNode(edoc) || !isNode(edoc.header)) throw fail(`the edoc has no header (${HEADER})`, HEADER)
  if (!Array.isArray(edoc.attachments)) throw fail(`attachments must be a list (${MANIFEST})`, MANIFEST)
  const attachments = edoc.attachments
  const cids = checkAttachments(attachments)
  const header = writeMessageHeader(edoc.header, `${HEADER}/MessageHeader`) + writeTraceHeaderList(edoc.header, `${HEADER}/TraceHeaderList`) + signature
  const head = DOCUMENT_OPEN + element('edXMLHeader', header) + manifest(attachments, cids) + ENVELOPE_CLOSE + '<AttachmentEncoded>'
  const tail = `</AttachmentEncoded>${DOCUMENT_CLOSE}`
  const openings = attachments.map((a, i) => attachmentOpening(a, cids[i]!, i))
  let total = Buffer.byteLength(head) + tail.length
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
  offset += out.write(tail, offset, 'latin1')
  if (offset !== total) throw new Error(`edXML builder wrote ${offset} bytes into a ${total}-byte buffer`) // a bug, never an input problem
  return out
}
