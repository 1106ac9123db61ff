/**
 * The files of a `POST /v1/edocs` body, in hand before anything is stored: base64 decoded strictly
 * (a string no encoder produces is the caller's 400, not a silently truncated file), or downloaded
 * from their URL (fetch-attachment.ts). All the files of one document share one byte budget, so a
 * body of fifty URLs cannot make the hub hold fifty times `edocs.fetch.maxBytes`.
 */
import type { SendEdoc } from '../../schemas/api/edocs.js'
import { validationFailed } from '../errors.js'
import { fetchAttachment, type FetchLimits } from './fetch-attachment.js'
import type { FileInput } from './store.js'

/** Value of each base64 alphabet character + 1 (0 = not in the alphabet); `-`/`_` marked 65 to spot base64url. */
const ALPHABET = new Uint8Array(128)
for (const [i, ch] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].entries()) ALPHABET[ch.charCodeAt(0)] = i + 1
ALPHABET[45] = ALPHABET[95] = 65

const NOT_BASE64 = 'is not base64 (RFC 4648: A–Z a–z 0–9 + /, padded with = to a multiple of 4)'

/**
 * Decodes standard base64 (RFC 4648 §4), padded or not, line breaks allowed, the way the caller
 * meant it, or explains why it is not base64. One pass over the characters and no regular
 * expression over the whole value, so a file of any size the body limit admits is checked in
 * linear time and constant stack (a pattern with repetition once overflowed the stack at 4 MiB).
 */
export function decodeBase64(value: string): { data: Buffer } | { problem: string } {
  let chars = 0
  let padding = 0
  let urlSafe = false
  let standard = false
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if (c === 10 || c === 13) continue
    if (c === 61) {
      padding++
      continue
    }
    const v = c < 128 ? ALPHABET[c]! : 0
    if (v === 0 || padding > 0) return { problem: NOT_BASE64 } // outside the alphabet, or data after padding
    if (v === 65) urlSafe = true
    else if (v >= 63) standard = true
    chars++
  }
  if (chars === 0 && padding === 0) return { problem: 'is empty' }
  if (urlSafe) return { problem: standard ? NOT_BASE64 : 'is base64url; send standard base64 (+ and /)' }
  // Unpadded: 2 or 3 characters may end it; padded: exactly to a multiple of 4 with one or two '='.
  const rest = chars % 4
  if (rest === 1 || padding > 2 || (padding > 0 && (rest + padding !== 4))) return { problem: NOT_BASE64 }
  return { data: Buffer.from(value, 'base64') }
}

export interface FileLimits {
  fetch: FetchLimits
  /** All files of one document together, in bytes. */
  totalBytes: number
}

/** Every file of the document, decoded or downloaded; throws the caller's 400/422 naming the attachment. */
export async function readFiles(attachments: SendEdoc['attachments'], limits: FileLimits): Promise<FileInput[]> {
  const out: FileInput[] = []
  let used = 0
  for (const [i, a] of attachments.entries()) {
    const path = `/body/attachments/${i}`
    if ((a.data === undefined) === (a.url === undefined)) throw validationFailed([{ path, message: 'give exactly one of `data` (base64) and `url`' }])
    const tooMuch = () => validationFailed([{ path, message: `the files of one document may not exceed ${limits.totalBytes} bytes together (edocs.bodyLimitBytes)` }])
    const remaining = limits.totalBytes - used
    let data: Buffer
    if (a.data !== undefined) {
      const decoded = decodeBase64(a.data)
      if ('problem' in decoded) throw validationFailed([{ path: `${path}/data`, message: decoded.problem }])
      data = decoded.data
    } else {
      if (remaining <= 0) throw tooMuch()
      data = await fetchAttachment(a.url!, `${path}/url`, { ...limits.fetch, maxBytes: Math.min(limits.fetch.maxBytes, remaining) })
    }
    used += data.length
    if (used > limits.totalBytes) throw tooMuch()
    out.push({ contentId: `att${i + 1}`, name: a.name, contentType: a.contentType, ...(a.description !== undefined && { description: a.description }), data })
  }
  return out
}
