/**
 * What makes a received package a resend of one the province already holds (migration 007):
 * the same sender saying the same thing. A sender that sends again after a crash or a timeout may
 * rebuild its package, so the key is a hash of the parsed content, not of the bytes: the header
 * without its trace hops (they record when and through whom it travelled), and each file by its
 * hash. An update or a replacement of a document (`Bussiness` 2, 3) says something else, so it
 * is a new document; a status reported again at another time is a new status.
 */
import { createHash } from 'node:crypto'
import { bodyHash } from '../sync/canonical-json.js'
import type { Edoc, StatusPacket } from '../axis/model.js'

export function edocContentKey(edoc: Edoc): string {
  const files = edoc.attachments.map((a) => ({
    contentId: a.contentId, contentType: a.contentType, name: a.name, description: a.description, sha256: createHash('sha256').update(a.data).digest('hex'),
  }))
  return bodyHash({ kind: 'edoc', header: { ...edoc.header, trace: undefined }, files })
}

export const statusContentKey = (packet: StatusPacket): string => bodyHash({ kind: 'status', packet })
