/**
 * Strict base64 for edXML attachments (standard alphabet, `=` padding required, XML whitespace
 * such as line breaks allowed). Node's own decoder skips anything it does not know, so validity is
 * checked here; and an attachment's decoded size is known before its bytes are allocated.
 */

export type Base64Problem = { ok: false; problem: 'character' | 'padding' | 'length'; detail: string }
export type Base64Scan = { ok: true; bytes: number } | Base64Problem
export type Base64Result = { ok: true; data: Buffer } | Base64Problem | { ok: false; problem: 'size'; bytes: number }

const ALPHABET = new Uint8Array(128)
for (const ch of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') ALPHABET[ch.charCodeAt(0)] = 1
const isXmlSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13
const hex = (c: number) => c.toString(16).toUpperCase().padStart(4, '0')

/**
 * Exact decoded size of base64 text, without decoding or allocating; or why it is not base64.
 * A character outside the alphabet, `=` and whitespace wins over any padding or length problem,
 * so `character` alone says the text may hold markup.
 */
export function scanBase64(s: string): Base64Scan {
  let chars = 0
  let padding = 0
  let paddingProblem: string | undefined
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 128 && ALPHABET[c] === 1) {
      if (padding > 0) paddingProblem ??= `data after "=" padding (offset ${i})`
      chars++
    } else if (c === 61) {
      if (++padding === 3) paddingProblem ??= `more than two "=" (offset ${i})`
    } else if (!isXmlSpace(c)) {
      return { ok: false, problem: 'character', detail: `U+${hex(c)} at offset ${i} is not base64` }
    }
  }
  if (paddingProblem !== undefined) return { ok: false, problem: 'padding', detail: paddingProblem }
  if ((chars + padding) % 4 !== 0) return { ok: false, problem: 'length', detail: `${chars + padding} base64 characters is not a multiple of 4` }
  return { ok: true, bytes: ((chars + padding) / 4) * 3 - padding }
}

/**
 * Decodes strict base64 of at most `maxBytes` decoded bytes. When even the text's length allows
 * no more than `maxBytes`, it is decoded natively and re-encoded: getting the same text back proves
 * it canonical base64 (the usual case, at native speed). Otherwise the text is scanned first, and
 * an oversize attachment is refused before anything is allocated.
 */
export function decodeBase64(text: string, maxBytes: number): Base64Result {
  if (Math.floor((text.length * 3) / 4) <= maxBytes) {
    const data = Buffer.from(text, 'base64')
    if (data.toString('base64') === text) return { ok: true, data }
  }
  const scan = scanBase64(text)
  if (!scan.ok) return scan
  if (scan.bytes > maxBytes) return { ok: false, problem: 'size', bytes: scan.bytes }
  const data = Buffer.from(text, 'base64')
  if (data.byteLength !== scan.bytes) throw new Error(`base64 decoded to ${data.byteLength} bytes, expected ${scan.bytes}`) // a bug, never an input problem
  return { ok: true, data }
}
