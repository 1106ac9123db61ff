/**
 * edXML document package → Edoc (wire format: edxml.ts). The package is untrusted: it is opened
 * under the limits (edxml-package.ts), every required element is checked, the manifest and the
 * attachments must name the same ContentIds, and each attachment's size is known from its base64
 * text before a byte of it is allocated (edxml-base64.ts). Attachments come out in manifest order.
 */
import { BUSINESS_DOC_TYPES, EdxmlError, type Attachment, type BusinessDocType, type EdocHeader, type Edoc, type EdxmlLimits } from './model.js'
import {
  childOf, childrenOf, countOf, isoDate, isoTimestamp, needChild, needText, quoted, readOrgan, readResponseFor, textOf, textsOf,
  type At,
} from './edxml-common.js'
import { decodeBase64 } from './edxml-base64.js'
import { openPackage, type OpenedPackage } from './edxml-package.js'

const fail = (message: string, element: string) => new EdxmlError(message, element)
const BUSINESS_BY_CODE = new Map(Object.entries(BUSINESS_DOC_TYPES).map(([name, code]) => [String(code), name as BusinessDocType]))

/** Sets `key` only when the value is present, so absent elements leave no `undefined` keys behind. */
function put<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) target[key] = value
}

function messageHeader(header: At): Omit<EdocHeader, 'trace' | 'business'> {
  const mh = needChild(header, 'MessageHeader')
  const to = childrenOf(mh, 'To')
  if (to.length === 0) throw fail(`${mh.path}/To is missing: a document needs at least one recipient`, `${mh.path}/To`)
  const code = needChild(mh, 'Code')
  const promulgation = needChild(mh, 'PromulgationInfo')
  const type = needChild(mh, 'DocumentType')
  const signer = needChild(mh, 'SignerInfo')
  const result: Omit<EdocHeader, 'trace' | 'business'> = {
    from: readOrgan(needChild(mh, 'From')),
    to: to.map(readOrgan),
    documentId: needText(mh, 'DocumentId'),
    code: { number: needText(code, 'CodeNumber'), notation: needText(code, 'CodeNotation') },
    promulgation: { place: needText(promulgation, 'Place'), date: isoDate(needText(promulgation, 'PromulgationDate'), `${promulgation.path}/PromulgationDate`) },
    documentType: { type: needText(type, 'Type'), typeName: needText(type, 'TypeName') },
    subject: needText(mh, 'Subject'),
    signer: { fullName: needText(signer, 'FullName') },
  }
  put(result, 'content', textOf(mh, 'Content'))
  put(result.signer, 'competence', textOf(signer, 'Competence'))
  put(result.signer, 'position', textOf(signer, 'Position'))
  const due = textOf(mh, 'DueDate')
  put(result, 'dueDate', due === undefined ? undefined : isoDate(due, `${mh.path}/DueDate`))
  const other = childOf(mh, 'OtherInfo')
  if (other) {
    const o: NonNullable<EdocHeader['other']> = {}
    put(o, 'priority', textOf(other, 'Priority'))
    put(o, 'sphereOfPromulgation', textOf(other, 'SphereOfPromulgation'))
    put(o, 'typerNotation', textOf(other, 'TyperNotation'))
    put(o, 'promulgationAmount', countOf(other, 'PromulgationAmount'))
    put(o, 'pageAmount', countOf(other, 'PageAmount'))
    result.other = o
  }
  put(result, 'steeringType', textOf(mh, 'SteeringType'))
  const places = childOf(mh, 'ToPlaces')
  if (places) result.toPlaces = textsOf(places, 'Place')
  const responseFor = childOf(mh, 'ResponseFor')
  if (responseFor) result.responseFor = readResponseFor(responseFor)
  return result
}

function traceHeaderList(header: At): Pick<EdocHeader, 'trace' | 'business'> {
  const list = needChild(header, 'TraceHeaderList')
  const trace = childrenOf(list, 'TraceHeader').map((hop) => ({
    organId: needText(hop, 'OrganId'),
    timestamp: isoTimestamp(needText(hop, 'Timestamp'), `${hop.path}/Timestamp`),
  }))
  const business = needChild(list, 'Bussiness')
  const code = needText(business, 'BussinessDocType')
  const docType = BUSINESS_BY_CODE.get(code)
  if (docType === undefined) throw fail(`${business.path}/BussinessDocType must be 0, 1, 2 or 3`, `${business.path}/BussinessDocType`)
  const result: Pick<EdocHeader, 'trace' | 'business'> = { trace, business: { docType } }
  put(result.business, 'docReason', textOf(business, 'BussinessDocReason'))
  return result
}

/** `cid:<id>` → `<id>`. */
function contentIdOf(at: At): string {
  const cid = needText(at, 'ContentId')
  if (!cid.startsWith('cid:') || cid.length === 4) throw fail(`${at.path}/ContentId ${quoted(cid)} is not of the form cid:<id>`, `${at.path}/ContentId`)
  return cid.slice(4)
}

function attachments(opened: OpenedPackage): Attachment[] {
  const { envelope, limits } = opened
  const manifest = needChild(needChild(envelope, 'edXMLBody'), 'edXMLManifest')
  const references = childrenOf(manifest, 'Reference')
  const encoded = childrenOf(envelope, 'AttachmentEncoded')
  const most = Math.max(references.length, encoded.length)
  if (most > limits.maxAttachments) {
    const where = references.length >= encoded.length ? `${manifest.path}/Reference` : `${envelope.path}/AttachmentEncoded`
    throw fail(`${where}: ${most} attachments, over the limit of ${limits.maxAttachments} (maxAttachments)`, where)
  }
  const values = new Map<string, At>()
  for (const item of encoded) {
    const id = contentIdOf(item)
    if (values.has(id)) throw fail(`${item.path}/ContentId ${quoted(`cid:${id}`)} appears twice`, `${item.path}/ContentId`)
    values.set(id, item)
  }
  const listed = new Set<string>()
  const result = references.map((ref) => {
    const id = contentIdOf(ref)
    if (listed.has(id)) throw fail(`${ref.path}/ContentId ${quoted(`cid:${id}`)} appears twice in the manifest`, `${ref.path}/ContentId`)
    listed.add(id)
    const item = values.get(id)
    if (!item) throw fail(`${ref.path} ${quoted(`cid:${id}`)} has no ${envelope.path}/AttachmentEncoded with that ContentId`, `${envelope.path}/AttachmentEncoded`)
    const a: Attachment = { contentId: id, contentType: needText(ref, 'ContentType'), name: needText(ref, 'AttachmentName'), data: Buffer.alloc(0) }
    put(a, 'description', textOf(ref, 'Description'))
    return { a, item }
  })
  for (const id of values.keys()) {
    if (!listed.has(id)) throw fail(`${envelope.path}/AttachmentEncoded ${quoted(`cid:${id}`)} is not listed in ${manifest.path}`, `${manifest.path}/Reference`)
  }
  return result.map(({ a, item }) => {
    const path = `${item.path}/Value`
    const raw = textOf(item, 'Value')
    if (raw === undefined) throw fail(`${path} is missing for ${quoted(`cid:${a.contentId}`)}`, path)
    const { text, decoded = decodeBase64(text, limits.maxAttachmentBytes) } = opened.value(raw)
    if (decoded.ok) {
      a.data = decoded.data
      return a
    }
    if (decoded.problem === 'size') {
      throw fail(`${path} of ${quoted(`cid:${a.contentId}`)} decodes to ${decoded.bytes} bytes, over the limit of ${limits.maxAttachmentBytes} (maxAttachmentBytes)`, path)
    }
    throw fail(`${path} of ${quoted(`cid:${a.contentId}`)} is not valid base64: ${decoded.detail}`, path)
  })
}

/** Reads a document package; throws EdxmlError naming the element at fault. */
export function parseEdoc(pkg: Uint8Array | string, limits?: Partial<EdxmlLimits>): Edoc {
  const opened = openPackage(pkg, limits, true)
  const header = needChild(opened.envelope, 'edXMLHeader')
  const edocHeader: EdocHeader = { ...messageHeader(header), ...traceHeaderList(header) }
  return { header: edocHeader, attachments: attachments(opened) }
}
