/**
 * Pieces of the edXML mapping shared by the document and the status packet, for building and
 * parsing alike: element paths, text escaping, Vietnam-time dates, reading the parsed tree with
 * path-naming errors, and the `Organ` / `ResponseFor` elements. The wire format itself is
 * described once, in edxml.ts.
 */
import type { DocumentRef, Organ } from './model.js'
import { EdxmlError } from './model.js'
import { isNode, type XmlNode } from '../../src/xml/safe-xml.js'

export const NAMESPACE = 'http://www.mic.gov.vn/TBT/QCVN_102_2016'
export const PREFIX = 'edXML'
/** Root of a real package: `edXML` (default namespace) holding `edXML:edXMLEnvelope` and `AttachmentEncoded`. */
export const ROOT = 'edXML'
/** Root of the hub's own packages before it wrote the real layout; still read, never written. */
export const LEGACY_ROOT = 'edXMLEnvelope'
export const ENVELOPE = `${ROOT}/edXMLEnvelope`
export const HEADER = `${ENVELOPE}/edXMLHeader`
export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
/** Declaration, root and envelope start tags, as VNPT's edXML library and the axis write them. */
export const DOCUMENT_OPEN = `${XML_DECLARATION}<${ROOT} xmlns="${NAMESPACE}"><${PREFIX}:edXMLEnvelope xmlns:${PREFIX}="${NAMESPACE}">`
export const ENVELOPE_CLOSE = `</${PREFIX}:edXMLEnvelope>`
export const DOCUMENT_CLOSE = `</${ROOT}>`

const fail = (message: string, element: string) => new EdxmlError(message, element)

/** A value quoted for an error message: bounded, and safe to print. */
export const quoted = (value: string) => JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value)

// ---------------------------------------------------------------- writing

/** Code points XML 1.0 cannot carry at all, not even as a character reference. */
const ILLEGAL_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u
const MARKUP = /[&<>\r]/
const MARKUP_ALL = /[&<>\r]/g
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#xD;' }

const charRefs = (s: string) => Array.from(s, (ch) => `&#x${ch.codePointAt(0)!.toString(16).toUpperCase()};`).join('')

function refuseIllegal(value: string, path: string): void {
  const bad = ILLEGAL_XML_CHAR.exec(value)
  if (bad) {
    const cp = bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')
    throw fail(`${path} contains U+${cp} (at offset ${bad.index}), which XML 1.0 cannot carry`, path)
  }
}

/**
 * Escaped element text. `\r` becomes a character reference (parsers turn a raw one into `\n`), and
 * so does leading or trailing whitespace, which a trimming reader (ours, or a pretty-printer's
 * consumer) would drop: every string comes back exactly as given.
 */
export function escapeText(value: string, path: string): string {
  refuseIllegal(value, path)
  const s = MARKUP.test(value) ? value.replace(MARKUP_ALL, (ch) => ESCAPES[ch]!) : value
  const start = s.length - s.trimStart().length
  const end = s.trimEnd().length
  if (start === 0 && end === s.length) return s
  if (start === s.length) return charRefs(s)
  return charRefs(s.slice(0, start)) + s.slice(start, end) + charRefs(s.slice(end))
}

export const element = (name: string, inner: string) => `<${PREFIX}:${name}>${inner}</${PREFIX}:${name}>`
/** An element in the default namespace, unprefixed (the attachments outside the envelope). */
export const plain = (name: string, inner: string) => `<${name}>${inner}</${name}>`

/** A text element, or nothing when the value is undefined. `field` names the model field in errors. */
export function optional(name: string, value: string | undefined, at: string, field: string, wrap = element): string {
  if (value === undefined) return ''
  if (typeof value !== 'string') throw fail(`${field} must be a string (${at}/${name})`, `${at}/${name}`)
  return wrap(name, escapeText(value, `${at}/${name}`))
}

/** A text element that must hold more than whitespace. */
export function required(name: string, value: string | undefined, at: string, field: string, wrap = element): string {
  if (value === undefined || value === null) throw fail(`${at}/${name} is missing (${field})`, `${at}/${name}`)
  if (typeof value === 'string' && value.trim() === '') throw fail(`${at}/${name} is empty (${field})`, `${at}/${name}`)
  return optional(name, value, at, field, wrap)
}

/** A count (`PageAmount`, `PromulgationAmount`): a whole number 0–999,999,999. */
export function count(name: string, value: number | undefined, at: string, field: string): string {
  if (value === undefined) return ''
  if (!Number.isSafeInteger(value) || value < 0 || value > 999_999_999) {
    throw fail(`${field} must be a whole number from 0 to 999999999 (${at}/${name})`, `${at}/${name}`)
  }
  return element(name, String(value))
}

// ---------------------------------------------------------------- dates (Vietnam time, UTC+7, no DST)

const VN_OFFSET_MIN = 7 * 60
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/
const WIRE_DATE = /^(\d{4})\/(\d{2})\/(\d{2})$/
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/
const WIRE_TIMESTAMP = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})$/

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0
const daysIn = (y: number, m: number) => (m === 2 ? (isLeap(y) ? 29 : 28) : [4, 6, 9, 11].includes(m) ? 30 : 31)
const isCalendarDate = (y: number, m: number, d: number) => y >= 1 && m >= 1 && m <= 12 && d >= 1 && d <= daysIn(y, m)
const isClock = (h: number, min: number, s: number) => h <= 23 && min <= 59 && s <= 59
const pad = (n: number, width = 2) => String(n).padStart(width, '0')

/** Model `yyyy-MM-dd` → wire `yyyy/MM/dd`; a date that does not exist is refused. */
export function wireDate(name: string, iso: string | undefined, at: string, field: string): string {
  const path = `${at}/${name}`
  if (iso === undefined) throw fail(`${path} is missing (${field})`, path)
  const m = typeof iso === 'string' ? ISO_DATE.exec(iso) : null
  if (!m) throw fail(`${field} must be a date yyyy-MM-dd, got ${quoted(String(iso))} (${path})`, path)
  if (!isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3]))) throw fail(`${field} ${quoted(iso)} is not a calendar date (${path})`, path)
  return element(name, `${m[1]}/${m[2]}/${m[3]}`)
}

/** Model RFC 3339 timestamp (any offset) → wire `yyyy/MM/dd HH:mm:ss` in Vietnam time; fractions of a second are dropped. */
export function wireTimestamp(name: string, rfc3339: string | undefined, at: string, field: string): string {
  const path = `${at}/${name}`
  if (rfc3339 === undefined) throw fail(`${path} is missing (${field})`, path)
  const m = typeof rfc3339 === 'string' ? RFC3339.exec(rfc3339) : null
  if (!m) throw fail(`${field} must be an RFC 3339 timestamp with an offset, got ${quoted(String(rfc3339))} (${path})`, path)
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number]
  const offH = Number(m[10] ?? 0)
  const offM = Number(m[11] ?? 0)
  if (!isCalendarDate(y, mo, d) || !isClock(h, mi, s) || offH > 23 || offM > 59) {
    throw fail(`${field} ${quoted(rfc3339)} is not a time that exists (${path})`, path)
  }
  const offset = m[8] ? 0 : (m[9] === '-' ? -1 : 1) * (offH * 60 + offM)
  const t = new Date(0)
  t.setUTCFullYear(y, mo - 1, d)
  t.setUTCHours(h, mi + VN_OFFSET_MIN - offset, s, 0)
  const vy = t.getUTCFullYear()
  if (vy < 1 || vy > 9999) throw fail(`${field} ${quoted(rfc3339)} falls outside years 0001–9999 in Vietnam time (${path})`, path)
  return element(name, `${pad(vy, 4)}/${pad(t.getUTCMonth() + 1)}/${pad(t.getUTCDate())} ${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}`)
}

/** Wire `yyyy/MM/dd` → model `yyyy-MM-dd`. */
export function isoDate(wire: string, path: string): string {
  const m = WIRE_DATE.exec(wire)
  if (!m) throw fail(`${path} is not a date yyyy/MM/dd`, path)
  if (!isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3]))) throw fail(`${path} ${quoted(wire)} is not a calendar date`, path)
  return `${m[1]}-${m[2]}-${m[3]}`
}

/** Wire `yyyy/MM/dd HH:mm:ss` (Vietnam time) → model RFC 3339 with `+07:00`. */
export function isoTimestamp(wire: string, path: string): string {
  const m = WIRE_TIMESTAMP.exec(wire)
  if (!m) throw fail(`${path} is not a timestamp yyyy/MM/dd HH:mm:ss`, path)
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number]
  if (!isCalendarDate(y, mo, d) || !isClock(h, mi, s)) throw fail(`${path} ${quoted(wire)} is not a time that exists`, path)
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}+07:00`
}

// ---------------------------------------------------------------- reading the parsed tree

/** An element of the parsed tree and its path from the root (prefixes removed), for error messages. */
export interface At {
  node: XmlNode
  path: string
}

/** The single occurrence of a child, undefined when absent; a repeated element is refused (which one would count?). */
function one(at: At, name: string): unknown {
  const v = at.node[name]
  if (!Array.isArray(v)) return v
  if (v.length === 1) return v[0]
  throw fail(`${at.path}/${name} appears ${v.length} times; expected once`, `${at.path}/${name}`)
}

/** Text of a child element: undefined when absent, '' when empty. */
export function textOf(at: At, name: string): string | undefined {
  const path = `${at.path}/${name}`
  const v = one(at, name)
  if (v === undefined) return undefined
  if (typeof v !== 'string') throw fail(`${path} must hold text, not elements`, path)
  // Character references can smuggle in code points a raw document could not hold.
  if (ILLEGAL_XML_CHAR.test(v)) throw fail(`${path} contains a character XML 1.0 does not allow`, path)
  return v
}

/** Text of a child element that must be present and hold more than whitespace. */
export function needText(at: At, name: string): string {
  const v = textOf(at, name)
  const path = `${at.path}/${name}`
  if (v === undefined) throw fail(`${path} is missing`, path)
  if (v.trim() === '') throw fail(`${path} is empty`, path)
  return v
}

function asElement(v: unknown, path: string): At {
  if (v === '') return { node: {}, path } // <x/>: an element without children
  if (!isNode(v)) throw fail(`${path} must hold elements, not text`, path)
  return { node: v, path }
}

export function childOf(at: At, name: string): At | undefined {
  const v = one(at, name)
  return v === undefined ? undefined : asElement(v, `${at.path}/${name}`)
}

export function needChild(at: At, name: string): At {
  const c = childOf(at, name)
  if (!c) throw fail(`${at.path}/${name} is missing`, `${at.path}/${name}`)
  return c
}

/** Every occurrence of a repeatable child element, in document order. */
export function childrenOf(at: At, name: string): At[] {
  const v = at.node[name]
  if (v === undefined) return []
  return (Array.isArray(v) ? v : [v]).map((item) => asElement(item, `${at.path}/${name}`))
}

/** Texts of a repeatable text element (`ToPlaces/Place`), empty ones kept as ''. */
export function textsOf(at: At, name: string): string[] {
  const v = at.node[name]
  if (v === undefined) return []
  return (Array.isArray(v) ? v : [v]).map((item) => textOf({ node: { [name]: item }, path: at.path }, name)!)
}

/** A whole number child (`PageAmount`…), undefined when absent. */
export function countOf(at: At, name: string): number | undefined {
  const v = textOf(at, name)
  if (v === undefined) return undefined
  if (!/^\d{1,9}$/.test(v)) throw fail(`${at.path}/${name} is not a whole number`, `${at.path}/${name}`)
  return Number(v)
}

// ---------------------------------------------------------------- Organ and ResponseFor

/** Organ field → wire element, in wire order; `true` = required. */
const ORGAN: ReadonlyArray<readonly [keyof Organ, string, boolean]> = [
  ['organId', 'OrganId', true],
  ['organizationInCharge', 'OrganizationInCharge', false],
  ['organName', 'OrganName', false],
  ['organAdd', 'OrganAdd', false],
  ['email', 'Email', false],
  ['telephone', 'Telephone', false],
  ['fax', 'Fax', false],
  ['website', 'Website', false],
]

export function writeOrgan(name: string, organ: Organ | undefined, at: string, field: string): string {
  const path = `${at}/${name}`
  if (!isNode(organ)) throw fail(`${path} is missing (${field})`, path)
  const inner = ORGAN.map(([key, wire, req]) => (req ? required : optional)(wire, organ[key], path, `${field}.${key}`)).join('')
  return element(name, inner)
}

export function readOrgan(at: At): Organ {
  const organ: Partial<Organ> = {}
  for (const [key, wire, req] of ORGAN) {
    const v = req ? needText(at, wire) : textOf(at, wire)
    if (v !== undefined) organ[key] = v
  }
  return organ as Organ
}

/**
 * `ResponseFor`; every child optional (real packages send it empty), an empty date written as an
 * empty element. Child order as the real packages have it: a document's ends DocumentId,
 * PromulgationDate (VNPT's library); a status packet's PromulgationDate, DocumentId (status samples).
 */
export function writeResponseFor(ref: DocumentRef | undefined, at: string, field: string, forStatus = false): string {
  const path = `${at}/ResponseFor`
  if (!isNode(ref)) throw fail(`${path} is missing (${field})`, path)
  const r = ref as DocumentRef
  const d = r.promulgationDate
  const date = d === undefined || d === '' ? optional('PromulgationDate', d, path, `${field}.promulgationDate`) : wireDate('PromulgationDate', d, path, `${field}.promulgationDate`)
  const documentId = optional('DocumentId', r.documentId, path, `${field}.documentId`)
  return element('ResponseFor', optional('OrganId', r.organId, path, `${field}.organId`) + optional('Code', r.code, path, `${field}.code`)
    + (forStatus ? date + documentId : documentId + date))
}

export function readResponseFor(at: At): DocumentRef {
  const ref: DocumentRef = {}
  const put = (key: keyof DocumentRef, v: string | undefined) => { if (v !== undefined) ref[key] = v }
  put('organId', textOf(at, 'OrganId'))
  put('code', textOf(at, 'Code'))
  const date = textOf(at, 'PromulgationDate')
  put('promulgationDate', date === undefined || date === '' ? date : isoDate(date, `${at.path}/PromulgationDate`))
  put('documentId', textOf(at, 'DocumentId'))
  return ref
}
