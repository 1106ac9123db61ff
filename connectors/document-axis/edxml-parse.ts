/**
 * edXML document package → Edoc (wire format: edxml.ts). The package is untrusted: it is opened
 * under the limits (edxml-package.ts), the elements every real package carries are checked, the
 * manifest and the attachments must name the same ContentIds, and each attachment's size is known
 * from its base64 text before a byte of it is allocated (edxml-base64.ts). Attachments come out
 * in manifest order. Both layouts are read: real (`edXML/AttachmentEncoded/Attachment*`) and the
 * hub's old one (`edXMLEnvelope/AttachmentEncoded*` with `Value`).
 */
import { EdxmlError, type Attachment, type Edoc, type EdxmlLimits } from './model.js'
import { childOf, childrenOf, needChild, needText, quoted, textOf, type At } from './edxml-common.js'
import { put, readMessageHeader, readTraceHeaderList } from './edxml-header.js'
import { decodeBase64 } from './edxml-base64.js'
import { openPackage, type OpenedPackage } from './edxml-package.js'

const fail = (message: string, element: string) => new EdxmlError(message, element)

/**
 * `cid:<id>` → `<id>`. `bare`: an attachment's own ContentId may also be the id alone, as other
 * senders than VNPT's library write it (the manifest keeps `cid:`).
 */
function contentIdOf(at: At, bare = false): string {
  const cid = needText(at, 'ContentId').trim()
  if (cid.startsWith('cid:') && cid.length > 4) return cid.slice(4)
  if (bare && !cid.startsWith('cid:')) return cid
  throw fail(`${at.path}/ContentId ${quoted(cid)} is not of the form cid:<id>`, `${at.path}/ContentId`)
}

/** The attachment elements and where they hang: one `AttachmentEncoded` holding `Attachment*`, or (old layout) `AttachmentEncoded*`. */
function encodedItems(opened: OpenedPackage): { items: At[]; where: string; valueName: string } {
  if (opened.legacy) return { items: childrenOf(opened.envelope, 'AttachmentEncoded'), where: `${opened.envelope.path}/AttachmentEncoded`, valueName: 'Value' }
  const containers = childrenOf(opened.root, 'AttachmentEncoded')
  return {
    items: containers.flatMap((c) => childrenOf(c, 'Attachment')),
    where: `${opened.root.path}/AttachmentEncoded/Attachment`,
    valueName: 'ContentTransferEncoded',
  }
}

function attachments(opened: OpenedPackage): Attachment[] {
  const { envelope, limits } = opened
  const body = childOf(envelope, 'edXMLBody')
  const manifest = body && (childOf(body, 'edXMLManifest') ?? childOf(body, 'Manifest'))
  const references = manifest ? childrenOf(manifest, 'Reference') : []
  const { items, where, valueName } = encodedItems(opened)
  const most = Math.max(references.length, items.length)
  if (most > limits.maxAttachments) {
    const at = references.length >= items.length ? `${manifest!.path}/Reference` : where
    throw fail(`${at}: ${most} attachments, over the limit of ${limits.maxAttachments} (maxAttachments)`, at)
  }
  if (!manifest && items.length > 0) throw fail(`${envelope.path}/edXMLBody/edXMLManifest is missing, yet the package has attachments`, `${envelope.path}/edXMLBody/edXMLManifest`)
  const values = new Map<string, At>()
  for (const item of items) {
    const id = contentIdOf(item, !opened.legacy)
    if (values.has(id)) throw fail(`${item.path}/ContentId ${quoted(`cid:${id}`)} appears twice`, `${item.path}/ContentId`)
    values.set(id, item)
  }
  const listed = new Set<string>()
  const result = references.map((ref) => {
    const id = contentIdOf(ref)
    if (listed.has(id)) throw fail(`${ref.path}/ContentId ${quoted(`cid:${id}`)} appears twice in the manifest`, `${ref.path}/ContentId`)
    listed.add(id)
    const item = values.get(id)
    if (!item) throw fail(`${ref.path} ${quoted(`cid:${id}`)} has no ${where} with that ContentId`, where)
    const declared = textOf(ref, 'ContentType')
    const own = opened.legacy ? declared : textOf(item, 'ContentType') ?? textOf(item, 'Format')
    const contentType = own ?? declared
    if (contentType === undefined || contentType.trim() === '') throw fail(`${item.path}/ContentType is missing, in the attachment and in the manifest`, `${item.path}/ContentType`)
    const name = textOf(ref, 'AttachmentName') ?? textOf(item, 'AttachmentName')
    if (name === undefined) throw fail(`${ref.path}/AttachmentName is missing`, `${ref.path}/AttachmentName`)
    const a: Attachment = { contentId: id, contentType, name, data: Buffer.alloc(0) }
    if (declared !== undefined && declared !== contentType) a.manifestContentType = declared
    put(a, 'description', textOf(ref, 'Description') ?? textOf(item, 'Description'))
    put(a, 'fieldName', textOf(item, 'FieldName'))
    put(a, 'mimeType', textOf(item, 'MimeType'))
    return { a, item }
  })
  for (const id of values.keys()) {
    if (!listed.has(id)) throw fail(`${where} ${quoted(`cid:${id}`)} is not listed in the manifest`, `${envelope.path}/edXMLBody/edXMLManifest/Reference`)
  }
  return result.map(({ a, item }) => {
    const path = `${item.path}/${valueName}`
    const raw = textOf(item, valueName)
    if (raw === undefined) throw fail(`${path} is missing for ${quoted(`cid:${a.contentId}`)}`, path)
    const { decoded = decodeBase64(raw.trim(), limits.maxAttachmentBytes) } = opened.value(raw)
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
  const mh = needChild(header, 'MessageHeader')
  if (mh.node['StatusCode'] !== undefined) throw fail(`${mh.path} is a status packet (it has StatusCode), not a document`, `${mh.path}/StatusCode`)
  return { header: { ...readMessageHeader(mh, opened.limits.maxRecipients), ...readTraceHeaderList(header) }, attachments: attachments(opened) }
}
