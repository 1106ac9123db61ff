/**
 * Reading upstream reply bodies with a size bound. An upstream that streams without end (or a
 * misconfigured one that returns a file) must not be able to fill the gateway's memory.
 */
import type { Dispatcher } from 'undici'
import { UpstreamError } from './errors.js'

type Body = Dispatcher.ResponseData['body']

/** How much of an unwanted (refused) reply we read to keep the connection reusable. */
const DISCARD_LIMIT = 64 * 1024

/**
 * Reads the whole body, or destroys the stream and throws `bad_response` as soon as it grows
 * past `maxBytes` (before reading anything when Content-Length already says so).
 */
export async function readBounded(body: Body, maxBytes: number, contentLength?: string | string[]): Promise<Buffer> {
  const declared = Number(Array.isArray(contentLength) ? contentLength[0] : contentLength)
  if (Number.isFinite(declared) && declared > maxBytes) {
    body.destroy()
    throw oversize(maxBytes)
  }
  const chunks: Buffer[] = []
  let size = 0
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      size += chunk.length
      if (size > maxBytes) throw oversize(maxBytes)
      chunks.push(chunk)
    }
  } catch (err) {
    body.destroy() // frees the socket: a half-read HTTP/1.1 connection cannot be reused anyway
    throw err
  }
  return Buffer.concat(chunks, size)
}

/** Drops a reply we will not use; a large one is cut off (and its connection closed) by undici. */
export async function discard(body: Body): Promise<void> {
  try {
    await body.dump({ limit: DISCARD_LIMIT })
  } catch {
    // nothing to do: the reply is already classified from its status
  }
}

function oversize(maxBytes: number): UpstreamError {
  return new UpstreamError('bad_response', `reply larger than the ${maxBytes}-byte limit`)
}
