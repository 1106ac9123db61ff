/**
 * Opening an untrusted edXML package, before any element is read: limits, size, strict UTF-8,
 * no DTD, bounded text and tags, well-formedness, depth, the root element and its namespace.
 * Both layouts open here: the real one (root `edXML` holding `edXMLEnvelope` and, beside it,
 * `AttachmentEncoded`) and the hub's old one (root `edXMLEnvelope`), still read for packages
 * stored before the change.
 *
 * Speed and memory: attachments are most of a package, and an XML parser walks their base64 one
 * character at a time (then we would decode it as UTF-8 and as base64 as well). So the text of each
 * `ContentTransferEncoded` (old layout: `Value`) start tag with any prefix and attributes is first
 * cut out of the raw package, decoded as base64 on the spot, and replaced by a marker holding a
 * per-call random nonce; the remaining skeleton is UTF-8 decoded, validated and parsed as usual,
 * and an attachment whose text reads back as a marker takes its cut. This is safe because a cut
 * is only kept when its text is base64 alphabet, `=` and XML whitespace, none of which can open,
 * close or escape markup: the skeleton is well-formed exactly when the package is, and parses to
 * the same tree. A cut holding anything else refuses the package (it is not base64, whatever the
 * rest says). A cut inside a comment never reaches the tree; one inside CDATA would become text,
 * so then nothing is cut.
 *
 * What remains for the parser is bounded before it sees it: no run between two `<` (an element's
 * text, a start tag with its attributes) nor CDATA section may exceed `maxTextChars`, so one huge
 * attribute cannot make the parser allocate gigabytes; the package is refused (and kept for an
 * operator) instead.
 */
import { randomBytes } from 'node:crypto'
import { createSafeParser, decodeUtf8, isNode, UnsafeXmlError, type SafeParser } from '../../src/xml/safe-xml.js'
import { DEFAULT_EDXML_LIMITS, EdxmlError, type EdxmlLimits } from './model.js'
import { LEGACY_ROOT, NAMESPACE, quoted, ROOT, type At } from './edxml-common.js'
import { decodeBase64, type Base64Result } from './edxml-base64.js'

/** Elements that may repeat; read as lists even when there is one. */
const REPEATABLE = ['To', 'Place', 'TraceHeader', 'Reference', 'Attachment', 'ResponseFor', 'Appendix', 'AttachmentEncoded'] as const
/** Start tag of an element holding an attachment's base64, any prefix, any attributes (matched at a `<`). */
const BASE64_TAG = /<((?:[A-Za-z_][\w.-]*:)?(?:ContentTransferEncoded|Value))(?:\s+[^\s=/>]+\s*=\s*(?:"[^"<]*"|'[^'<]*'))*\s*>/y
const BASE64_NAMES = ['ContentTransferEncoded>', 'ContentTransferEncoded ', 'Value>']
const CDATA_OPEN = '<![CDATA['
const CDATA_CLOSE = ']]>'
const ATTRIBUTE = /([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g
const START_TAG = /^<([^\s/>]+)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*\/?>/

export function resolveLimits(limits: Partial<EdxmlLimits> | undefined): EdxmlLimits {
  const given = Object.entries(limits ?? {}).filter(([, v]) => v !== undefined) // an explicit undefined means the default
  const merged: EdxmlLimits = { ...DEFAULT_EDXML_LIMITS, ...Object.fromEntries(given) }
  for (const [name, value] of Object.entries(merged)) {
    if (!Number.isSafeInteger(value) || value < 1) throw new EdxmlError(`limits.${name} must be a positive whole number, got ${String(value)}`)
  }
  return merged
}

const parsers = new Map<number, SafeParser>()
function parserFor(maxDepth: number): SafeParser {
  let p = parsers.get(maxDepth)
  if (!p) {
    // Package size is bounded in bytes before decoding; characters never outnumber bytes.
    p = createSafeParser({ arrays: REPEATABLE, maxDepth, maxChars: Number.MAX_SAFE_INTEGER })
    parsers.set(maxDepth, p)
  }
  return p
}

// ---------------------------------------------------------------- the attachment fast path

interface Cut {
  text: string
  decoded: Base64Result
}

/** The package as bytes or text: the cut works on either without decoding attachments as UTF-8. */
interface Source {
  indexOf(needle: string, from: number): number
  /** A stretch that must be base64 (checked by the caller; other bytes read as Latin-1 and fail it). */
  ascii(start: number, end: number): string
  /** A stretch of markup, strictly UTF-8 decoded when the package is bytes. */
  text(start: number, end?: number): string
}

function stringSource(xml: string): Source {
  return { indexOf: (n, from) => xml.indexOf(n, from), ascii: (a, b) => xml.slice(a, b), text: (a, b) => xml.slice(a, b) }
}

function bytesSource(bytes: Uint8Array): Source {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  return {
    indexOf: (n, from) => buf.indexOf(n, from, 'latin1'),
    ascii: (a, b) => buf.toString('latin1', a, b),
    // Each stretch starts and ends next to an ASCII '<' or '>', so decoding them one by one is the
    // same as decoding the whole package (and a stretch after the first never starts with a BOM).
    text: (a, b) => utf8(buf.subarray(a, b)),
  }
}

function utf8(body: Uint8Array | string): string {
  try {
    return decodeUtf8(body)
  } catch {
    throw new EdxmlError('the package is not valid UTF-8')
  }
}

/**
 * Next start tag of a base64 element at or after `from`: where its text starts and its closing tag.
 * `seen` remembers where each name occurs next, so each is searched for once per occurrence (one
 * pass over the package in all, not one per attachment and name).
 */
function nextBase64Tag(src: Source, from: number, seen: Map<string, number>): { open: number; start: number; close: string } | undefined {
  for (let pos = from; ;) {
    let best = -1
    for (const name of BASE64_NAMES) {
      let i = seen.get(name)
      if (i === undefined || (i !== -1 && i < pos)) seen.set(name, (i = src.indexOf(name, pos)))
      if (i !== -1 && (best === -1 || i < best)) best = i
    }
    if (best === -1) return undefined
    const lt = src.ascii(Math.max(0, best - 40), best).lastIndexOf('<')
    if (lt !== -1) {
      const open = Math.max(0, best - 40) + lt
      const head = src.ascii(open, Math.min(open + 300, best + 300))
      BASE64_TAG.lastIndex = 0
      const m = BASE64_TAG.exec(head)
      if (m) return { open, start: open + m[0].length, close: `</${m[1]}>` }
    }
    pos = best + 1
  }
}

/**
 * Cuts the text of every base64 element out of the package, decoding it on the way; undefined
 * when there is nothing to cut. A cut that holds anything but base64 refuses the package.
 */
function cutValues(src: Source, nonce: string, limits: EdxmlLimits): { skeleton: string; cuts: Cut[] } | undefined {
  const parts: string[] = []
  const cuts: Cut[] = []
  const starts: number[] = []
  let pos = 0
  const seen = new Map<string, number>()
  for (let tag = nextBase64Tag(src, 0, seen); tag !== undefined; tag = nextBase64Tag(src, pos, seen)) {
    const end = src.indexOf(tag.close, tag.start)
    if (end === -1 || cuts.length === limits.maxAttachments) return undefined
    const text = src.ascii(tag.start, end)
    const decoded = decodeBase64(text, limits.maxAttachmentBytes)
    if (!decoded.ok && decoded.problem === 'character') {
      const name = tag.close.slice(2, -1).replace(/^.*:/, '')
      throw new EdxmlError(`${ROOT}/AttachmentEncoded/Attachment/${name} of attachment ${cuts.length + 1} is not valid base64: ${decoded.detail}`, `${ROOT}/AttachmentEncoded/Attachment/${name}`)
    }
    parts.push(src.text(pos, tag.start), `*${nonce}:${cuts.length}*`)
    cuts.push({ text, decoded })
    starts.push(tag.start)
    pos = end
  }
  if (cuts.length === 0 || insideCdata(src, starts)) return undefined
  parts.push(src.text(pos))
  return { skeleton: parts.join(''), cuts }
}

/**
 * Refuses a package whose text between two `<` (an element's text, or a start tag with its
 * attributes, which cannot hold `<`) or whose CDATA section is longer than `maxTextChars`.
 * Comments and processing instructions are skipped whole (the parser keeps nothing of them).
 */
function boundRuns(xml: string, max: number): void {
  const refuse = (at: number) => {
    let line = 1
    for (let i = xml.indexOf('\n'); i !== -1 && i < at; i = xml.indexOf('\n', i + 1)) line++
    throw new EdxmlError(`the package has an element text or start tag longer than ${max} characters (maxTextChars) at line ${line}`, undefined, true)
  }
  let prev = 0
  for (let i = xml.indexOf('<'); i !== -1; i = xml.indexOf('<', prev)) {
    if (i - prev > max) refuse(prev)
    let skipTo: string | undefined
    if (xml.startsWith('<![CDATA[', i)) skipTo = ']]>'
    else if (xml.startsWith('<!--', i)) skipTo = '-->'
    else if (xml.startsWith('<?', i)) skipTo = '?>'
    if (skipTo === undefined) {
      prev = i + 1
      continue
    }
    const end = xml.indexOf(skipTo, i)
    if (end === -1) return // not well-formed: the parser says where
    if (skipTo === ']]>' && end - i > max) refuse(i)
    prev = end + skipTo.length
  }
  if (xml.length - prev > max) refuse(prev)
}

/**
 * Whether a cut may lie inside a CDATA section, where the marker would become text. Each span
 * runs from a `<![CDATA[` to the first `]]>` after it; a look-alike inside a comment only makes
 * the span larger, so a real section is always covered (erring towards the slow path).
 */
function insideCdata(src: Source, cuts: number[]): boolean {
  let i = 0
  for (let open = src.indexOf(CDATA_OPEN, 0); open !== -1; ) {
    const close = src.indexOf(CDATA_CLOSE, open + CDATA_OPEN.length)
    while (i < cuts.length && cuts[i]! < open) i++
    if (i === cuts.length) return false
    if (close === -1 || cuts[i]! < close) return true
    // A section starting inside this span ends at the same `]]>`: search on after it (linear time).
    open = src.indexOf(CDATA_OPEN, close + CDATA_CLOSE.length)
  }
  return false
}

export interface OpenedPackage {
  /** The root element: `edXML`, or `edXMLEnvelope` in the old layout. */
  root: At
  envelope: At
  /** Where the attachments are: `edXML/AttachmentEncoded` (real layout) or the envelope (old layout). */
  legacy: boolean
  limits: EdxmlLimits
  /** An attachment's base64 as read from the tree, resolved to the package's own text (already decoded) when it was cut out. */
  value(treeText: string): { text: string; decoded?: Base64Result }
}

/** The root's start tag must declare the edXML namespace for its own prefix (or as the default namespace). */
function checkNamespace(xml: string): void {
  let i = 0
  for (;;) {
    while (i < xml.length && /\s/.test(xml[i]!)) i++
    const skipTo = xml.startsWith('<?', i) ? '?>' : xml.startsWith('<!--', i) ? '-->' : undefined
    const next = skipTo === undefined ? -1 : xml.indexOf(skipTo, i)
    if (next === -1) break
    i = next + skipTo!.length
  }
  const after = xml.indexOf('<', i + 1) // attribute values cannot hold '<', so the start tag ends before it
  const tag = START_TAG.exec(xml.slice(i, after === -1 ? undefined : after))
  const name = tag?.[1] ?? ''
  const colon = name.indexOf(':')
  const declares = colon === -1 ? 'xmlns' : `xmlns:${name.slice(0, colon)}`
  for (const a of (tag?.[2] ?? '').matchAll(ATTRIBUTE)) {
    if (a[1] === declares && (a[2] ?? a[3]) === NAMESPACE) return
  }
  throw new EdxmlError(`${name.slice(colon + 1)} is not in the edXML namespace ${NAMESPACE}`, name.slice(colon + 1))
}

function parse(xml: string, limits: EdxmlLimits): ReturnType<SafeParser['parse']> {
  try {
    // A byte order mark may precede the declaration (TextDecoder drops it from bytes, not from strings).
    return parserFor(limits.maxDepth).parse(xml.charCodeAt(0) === 0xfeff ? xml.slice(1) : xml)
  } catch (err) {
    if (!(err instanceof UnsafeXmlError)) throw err
    if (err.reason === 'dtd') throw new EdxmlError('the package declares a DTD or entities (<!DOCTYPE, <!ENTITY), which edXML does not allow')
    if (err.reason === 'too_deep') throw new EdxmlError(`the package nests elements deeper than ${limits.maxDepth} levels (maxDepth)`)
    throw new EdxmlError(`the package cannot be parsed: ${err.message}`)
  }
}

/** Applies every package-level check and parses the package; `cut` enables the attachment fast path. */
export function openPackage(pkg: Uint8Array | string, limitsIn: Partial<EdxmlLimits> | undefined, cut: boolean): OpenedPackage {
  const limits = resolveLimits(limitsIn)
  if (typeof pkg !== 'string' && !(pkg instanceof Uint8Array)) throw new EdxmlError('the package must be bytes (Uint8Array) or a string')
  const bytes = typeof pkg === 'string' ? Buffer.byteLength(pkg, 'utf8') : pkg.byteLength
  if (bytes > limits.maxPackageBytes) throw new EdxmlError(`the package is ${bytes} bytes, over the limit of ${limits.maxPackageBytes} (maxPackageBytes)`)
  const nonce = randomBytes(9).toString('hex') // hex: no '-' that could form '--' inside a comment
  const fast = cut ? cutValues(typeof pkg === 'string' ? stringSource(pkg) : bytesSource(pkg), nonce, limits) : undefined
  let xml = fast?.skeleton ?? utf8(pkg)
  const first = xml.search(/[^\s\uFEFF]/)
  if (first !== -1 && xml[first] !== '<') {
    const lt = xml.indexOf('<', first)
    throw new EdxmlError(`the package has stray text before its XML declaration (${quoted(xml.slice(first, lt === -1 ? first + 80 : Math.min(lt, first + 80)))})`)
  }
  boundRuns(xml, limits.maxTextChars)
  let parsed = parse(xml, limits)
  if (!parsed.wellFormed && fast) {
    xml = utf8(pkg) // cuts may have held line breaks: parse it all for the right line number, still bounded
    boundRuns(xml, limits.maxTextChars)
    parsed = parse(xml, limits)
  }
  if (!parsed.wellFormed) throw new EdxmlError(`the package is not well-formed XML (line ${parsed.line})`)
  const doc = isNode(parsed.doc) ? parsed.doc : {}
  const rootName = Object.keys(doc)[0]
  if (Object.keys(doc).length !== 1 || (rootName !== ROOT && rootName !== LEGACY_ROOT)) throw new EdxmlError(`the root element is not ${ROOT}`, ROOT)
  checkNamespace(xml)
  const legacy = rootName === LEGACY_ROOT
  const rootNode = doc[rootName]
  if (!isNode(rootNode)) throw new EdxmlError(`${rootName}/${legacy ? 'edXMLHeader' : 'edXMLEnvelope'} is missing`, `${rootName}/${legacy ? 'edXMLHeader' : 'edXMLEnvelope'}`)
  const root: At = { node: rootNode, path: rootName }
  let envelope = root
  if (!legacy) {
    const env = rootNode['edXMLEnvelope']
    if (Array.isArray(env)) throw new EdxmlError(`${ROOT}/edXMLEnvelope appears ${env.length} times; expected once`, `${ROOT}/edXMLEnvelope`)
    if (!isNode(env)) throw new EdxmlError(`${ROOT}/edXMLEnvelope is missing`, `${ROOT}/edXMLEnvelope`)
    envelope = { node: env, path: `${ROOT}/edXMLEnvelope` }
  }

  const marker = new RegExp(`^\\*${nonce}:(\\d+)\\*$`)
  return {
    limits,
    root,
    envelope,
    legacy,
    value(treeText) {
      const m = fast ? marker.exec(treeText) : null
      const c = m ? fast!.cuts[Number(m[1])] : undefined
      return c ?? { text: treeText }
    },
  }
}
