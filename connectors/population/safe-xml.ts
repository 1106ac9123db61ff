/**
 * Hardened reading of untrusted XML replies: no DTDs, no declared entities, bounded size and
 * depth, strict UTF-8, values kept as strings. Knows nothing of the population DB's elements.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser'

export type XmlNode = Record<string, unknown>

/** Our documents are ~7 levels deep; bound the parser's stack well above that. */
export const MAX_DEPTH = 32
/** Largest document parsed, in characters; the upstream client already bounds bytes. */
export const MAX_CHARS = 2 * 1024 * 1024

/** Why a document was refused; the caller turns it into its own error. */
export class UnsafeXmlError extends Error {}

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

export function decodeUtf8(body: Uint8Array | string): string {
  if (typeof body === 'string') return body
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body)
  } catch {
    throw new UnsafeXmlError('the body is not valid UTF-8')
  }
}

/** A DTD is never legitimate in SOAP (SOAP 1.1 §3) and is how XXE and entity-expansion attacks start. */
export const declaresDtd = (xml: string) => /<!DOCTYPE|<!ENTITY/i.test(xml)

export interface SafeParser {
  /** Throws UnsafeXmlError with a safe reason, or returns the parsed tree; `wellFormed` false for non-XML. */
  parse(xml: string): { wellFormed: false; line: number } | { wellFormed: true; doc: unknown }
}

/** `arrays`: element names always read as lists (so one child and many look alike). */
export function createSafeParser(arrays: readonly string[]): SafeParser {
  const parser = new XMLParser({
    ignoreAttributes: true,
    removeNSPrefix: true,
    parseTagValue: false, // IDs like 062… keep their leading zeros
    trimValues: true,
    processEntities: true,
    entityDecoder: predefinedEntitiesOnly,
    ignoreDeclaration: true,
    ignorePiTags: true,
    maxNestedTags: MAX_DEPTH,
    isArray: (name) => arrays.includes(name),
  })
  return {
    parse(xml) {
      if (xml.length > MAX_CHARS) throw new UnsafeXmlError(`the body exceeds ${MAX_CHARS} characters`)
      if (declaresDtd(xml)) throw new UnsafeXmlError('the document declares a DTD or entities, which SOAP forbids')
      // The parser itself is lenient (it reads a truncated document as a shorter one), so check first.
      const wellFormed = XMLValidator.validate(xml)
      if (wellFormed !== true) return { wellFormed: false, line: wellFormed.err.line }
      try {
        return { wellFormed: true, doc: parser.parse(xml) as unknown }
      } catch {
        throw new UnsafeXmlError(`the document cannot be parsed (e.g. nested deeper than ${MAX_DEPTH} levels)`)
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
