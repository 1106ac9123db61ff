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

/** Standard base64 (RFC 4648 §4), padded or not, line breaks allowed; nothing else. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/

/** Decodes base64 the way the caller meant it, or explains why it is not base64. */
export function decodeBase64(value: string): { data: Buffer } | { problem: string } {
  const compact = value.replace(/[\r\n]/g, '')
  if (compact === '') return { problem: 'is empty' }
  if (/[-_]/.test(compact) && !/[+/]/.test(compact)) return { problem: 'is base64url; send standard base64 (+ and /)' }
  if (!BASE64.test(compact)) return { problem: 'is not base64 (RFC 4648: A–Z a–z 0–9 + /, padded with = to a multiple of 4)' }
  return { data: Buffer.from(compact, 'base64') }
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
