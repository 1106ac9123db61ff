/**
 * The sync worker's step for the document-axis target (src/sync/worker.ts `MessageHandler`): load
 * the package stored when the document or status was accepted, send it, and record the id the
 * axis gave it. A message whose package is missing from the ledger cannot be sent by any retry:
 * it is refused (dead-lettered with that reason), never dropped silently.
 */
import type { MessageHandler } from '../sync/worker.js'
import { UpstreamError } from '../upstream/errors.js'
import type { EdocStore } from './store.js'

export function edocMessageHandler(store: EdocStore): MessageHandler {
  return {
    async prepare(payload) {
      const found = await store.packageOf(payload)
      if (!found) throw new UpstreamError('rejected', `The package for outbox message ${JSON.stringify(payload)} is missing from the ledger.`)
      return { operation: 'send', input: { messageType: found.messageType, package: found.pkg } }
    },
    /**
     * Best effort: the worker logs a failure here and still settles the message as delivered, so
     * the document is not sent twice; only its `axisDocId` stays empty in `GET /v1/edocs/{id}`.
     */
    async onDelivered(payload, result) {
      const docId = (result as { docId?: unknown } | undefined)?.docId
      if (typeof docId === 'string') await store.markSent(payload, docId)
    },
  }
}
