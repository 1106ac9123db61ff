/**
 * Response headers for serving a stored file of a document (`GET /v1/edocs/{id}/attachments/…`).
 * Names and types of received files come from other agencies' packages: they are made safe to
 * put in a header here, whatever they hold.
 */

/** A media type that can go out as a header as is: `type/subtype` plus an optional token `charset`. */
const SAFE_MEDIA_TYPE = /^[A-Za-z0-9!#$&^_.+-]{1,127}\/[A-Za-z0-9!#$&^_.+-]{1,127}$/
const SAFE_CHARSET = /;\s*charset="?([A-Za-z0-9._-]{1,40})"?\s*(?:;|$)/i

/**
 * The Content-Type a stored file is served with. A received document names its files' types
 * itself; one that is not a plain media type (a line break, non-ASCII, odd parameters) would make
 * Node refuse the header (a 500) or inject another, so it is served as bytes.
 */
export function servedContentType(declared: string): string {
  const [type = '', ...rest] = declared.split(';')
  if (!SAFE_MEDIA_TYPE.test(type.trim())) return 'application/octet-stream'
  const charset = rest.length > 0 ? SAFE_CHARSET.exec(`;${rest.join(';')}`)?.[1] : undefined
  return charset ? `${type.trim()}; charset=${charset}` : type.trim()
}

/**
 * `attachment` with the name twice (RFC 6266): `filename*` in UTF-8 percent-encoding (RFC 8187,
 * which leaves only attr-chars bare, so `'`, `(`, `)` and `*` are encoded too) and an ASCII
 * `filename` fallback for clients that know only that one.
 */
export function contentDisposition(stored: string): string {
  const name = stored.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD') // encodeURIComponent throws on a lone surrogate
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
  const ascii = name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/[đĐ]/g, (c) => (c === 'đ' ? 'd' : 'D'))
    .replace(/[^\x20-\x7e]|["\\%;]/g, '_').trim() || 'file'
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`
}

/** The headers of every stored file the hub serves from another party (axis attachments, portal files). */
export function untrustedFileHeaders(name: string): Record<string, string> {
  return {
    'content-disposition': contentDisposition(name),
    // Files come from other agencies: never sniffed into something a browser would run.
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'; sandbox",
  }
}
