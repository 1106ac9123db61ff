/**
 * Hardened reading of untrusted XML (SOAP replies, edXML packages): no DTDs, no declared
 * entities, bounded size and depth, strict UTF-8, values kept as strings. Shared by every
 * connector that reads XML, so the protections live in one place; it knows no connector's elements.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser'

export type XmlNode = Record<string, unknown>

/** Default depth bound: our documents are ~7–10 levels deep; the parser's stack stays well above that. */
export const MAX_DEPTH = 32
/** Default largest document parsed, in characters; callers bound bytes before decoding. */
export const MAX_CHARS = 2 * 1024 * 1024

export type UnsafeXmlReason = 'too_large' | 'dtd' | 'too_deep' | 'unparseable'

/** Why a document was refused; the caller turns it into its own error. */
export class UnsafeXmlError extends Error {
  constructor(message: string, readonly reason: UnsafeXmlReason = 'unparseable') {
    super(message)
  }
}

/**
 * Only the five predefined XML entities and character references are decoded; entities a
 * document declares itself are never honoured (no DTD expansion, no external entities).
 */
const predefinedEntitiesOnly = {
  setExternalEntities() {},
  addInputEntities() {},
  reset() {},
  setXmlVersion() {},
  decode(text: string): string {
    return text.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|amp|lt|gt|quot|apos);/g, (whole, ref: string) => {
      const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }
      if (named[ref] !== undefined) return named[ref]
      const cp = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10)
      return cp > 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff) ? String.fromCodePoint(cp) : whole
    })
  },
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

export function decodeUtf8(body: Uint8Array | string): string {
  if (typeof body === 'string') return body
  try {
    return strictUtf8.decode(body)
  } catch {
    throw new UnsafeXmlError('the body is not valid UTF-8')
  }
}

/** A DTD is never legitimate in SOAP (SOAP 1.1 §3) nor in edXML, and is how XXE and entity-expansion attacks start. */
export const declaresDtd = (xml: string) => /<!DOCTYPE|<!ENTITY/i.test(xml)

export interface SafeParserOptions {
  /** Element names (namespace prefix removed) always read as lists, so one child and many look alike. Default none. */
  arrays?: readonly string[]
  /** Largest document, in characters. Default MAX_CHARS. */
  maxChars?: number
  /** Deepest element nesting, the root element being level 1. Default MAX_DEPTH. */
  maxDepth?: number
  /** Keep attributes (as `@_name` keys) instead of dropping them. Default false. */
  keepAttributes?: boolean
}

export interface SafeParser {
  /** Throws UnsafeXmlError with a safe reason, or returns the parsed tree; `wellFormed` false for non-XML. */
  parse(xml: string): { wellFormed: false; line: number } | { wellFormed: true; doc: unknown }
}

/** Namespace prefixes are removed from element names; text values stay strings, trimmed. */
export function createSafeParser(options: SafeParserOptions = {}): SafeParser {
  const maxChars = options.maxChars ?? MAX_CHARS
  const maxDepth = options.maxDepth ?? MAX_DEPTH
  const arrays = new Set(options.arrays ?? [])
  const parser = new XMLParser({
    ignoreAttributes: options.keepAttributes !== true,
    attributeNamePrefix: '@_',
    removeNSPrefix: true,
    parseTagValue: false, // IDs like 062… keep their leading zeros
    trimValues: true,
    processEntities: true,
    entityDecoder: predefinedEntitiesOnly,
    ignoreDeclaration: true,
    ignorePiTags: true,
    // The parser refuses a tag once `maxNestedTags` elements are already open above it.
    maxNestedTags: maxDepth - 1,
    isArray: (name) => arrays.has(name),
  })
  return {
    parse(xml) {
      if (xml.length > maxChars) throw new UnsafeXmlError(`the body exceeds ${maxChars} characters`, 'too_large')
      if (declaresDtd(xml)) throw new UnsafeXmlError('the document declares a DTD or entities, which are not allowed', 'dtd')
      // The parser itself is lenient (it reads a truncated document as a shorter one), so check first.
      const wellFormed = XMLValidator.validate(xml)
      if (wellFormed !== true) return { wellFormed: false, line: wellFormed.err.line }
      try {
        return { wellFormed: true, doc: parser.parse(xml) as unknown }
      } catch (err) {
        if (err instanceof Error && /nested tags/i.test(err.message)) {
          throw new UnsafeXmlError(`the document is nested deeper than ${maxDepth} levels`, 'too_deep')
        }
        throw new UnsafeXmlError(`the document cannot be parsed (e.g. nested deeper than ${maxDepth} levels)`)
      }
    },
  }
}

export const isNode = (v: unknown): v is XmlNode => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Text of a single-valued element; undefined when absent, empty, repeated or not text. */
export function text(node: XmlNode, key: string): string | undefined {
  const v = node[key]
  if (typeof v === 'string') return v === '' ? undefined : v
  if (isNode(v) && typeof v['#text'] === 'string' && v['#text'] !== '') return v['#text']
  return undefined
}
