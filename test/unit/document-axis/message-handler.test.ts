/**
 * The sync worker's step for the document axis (src/edocs/message-handler.ts): a message whose
 * package is gone from the ledger is refused (dead-lettered with that reason, never retried
 * blindly nor dropped); the axis's id is recorded after a send.
 */
import t from 'tap'
import { edocMessageHandler } from '../../../src/edocs/message-handler.js'
import { isUpstreamError } from '../../../src/upstream/errors.js'

function fakeStore(packages: Record<string, Buffer>) {
  const marked: Array<[unknown, string]> = []
  return {
    marked,
    async packageOf(payload: Record<string, unknown>) {
      const pkg = packages[String(payload.edocId ?? payload.statusId)]
      return pkg && { messageType: payload.type as 'edoc' | 'status', pkg }
    },
    async markSent(payload: Record<string, unknown>, docId: string) {
      marked.push([payload, docId])
    },
  }
}

t.test('prepare loads the stored package; a missing one is a refusal naming the message', async (t) => {
  const store = fakeStore({ e1: Buffer.from('<edoc/>') })
  const handler = edocMessageHandler(store as never)
  t.strictSame(await handler.prepare({ type: 'edoc', edocId: 'e1' }), { operation: 'send', input: { messageType: 'edoc', package: Buffer.from('<edoc/>') } })
  const err = await handler.prepare({ type: 'edoc', edocId: 'gone' }).catch((e: unknown) => e)
  t.ok(isUpstreamError(err) && err.kind === 'rejected', 'rejected: the worker dead-letters it at once')
  t.match((err as Error).message, /"edocId":"gone".*missing from the ledger/)
  const unknown = await handler.prepare({ type: 'what' }).catch((e: unknown) => e)
  t.ok(isUpstreamError(unknown) && unknown.kind === 'rejected', 'an unknown payload too')
})

t.test('onDelivered records the axis id, and nothing when the axis gave none', async (t) => {
  const store = fakeStore({})
  const handler = edocMessageHandler(store as never)
  await handler.onDelivered!({ type: 'status', statusId: 7 }, { docId: 'axis-1' })
  await handler.onDelivered!({ type: 'status', statusId: 8 }, undefined)
  t.strictSame(store.marked, [[{ type: 'status', statusId: 7 }, 'axis-1']])
})
