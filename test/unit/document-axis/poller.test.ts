/**
 * The hub's receiving side of the document axis (src/edocs/poller.ts) against a scripted axis:
 * packages that keep failing do not starve the mailbox behind them, a status packet whose fetch
 * failed is not overtaken by the later ones of the same sender, and one that keeps failing stops
 * holding them back.
 */
import t from 'tap'
import pino from 'pino'
import { createPoller, HOLD_FAILURES } from '../../../src/edocs/poller.js'
import { UpstreamError } from '../../../src/upstream/errors.js'
import type { ReceivedMessage } from '../../../connectors/document-axis/index.js'
import type { ReceivedItem } from '../../../connectors/document-axis/wire.js'
import type { StatusCode } from '../../../connectors/document-axis/model.js'

const G22 = { organId: '000.00.00.G22', organName: 'Văn phòng Chính phủ' }
const DOCUMENT_ID = '000.00.00.H34,2026/11/26,1/UBND-VP'

function item(docId: string, messageType: 'edoc' | 'status'): ReceivedItem {
  return { docId, messageType, serviceType: 'eDoc', from: G22.organId, to: '000.00.00.H34', status: 'initial', created_time: '' }
}

function statusMessage(docId: string, statusCode: StatusCode): ReceivedMessage {
  return {
    kind: 'status', docId, package: Buffer.from('<status/>'),
    status: {
      responseFor: { organId: '000.00.00.H34', code: '1/UBND-VP', promulgationDate: '2026-11-26', documentId: DOCUMENT_ID },
      from: G22, statusCode, timestamp: '2026-11-26T10:00:00+07:00',
    },
  }
}

/** A mailbox the poller reads through a fake registry; `broken(docId)` says whether its fetch fails now. */
function harness(mailbox: ReceivedItem[], messages: Record<string, ReceivedMessage>, broken: (docId: string) => boolean, batch = 2) {
  const fetched: string[] = []
  const acknowledged: string[] = []
  const ingested: string[] = []
  const listLimits: number[] = []
  const registry = {
    async invoke(_id: string, operation: string, input: any) {
      if (operation === 'listReceived') {
        listLimits.push(input.limit)
        return { items: mailbox.filter((i) => !acknowledged.includes(i.docId)).slice(0, input.limit) }
      }
      if (operation === 'getMessage') {
        fetched.push(input.docId)
        if (broken(input.docId)) throw new UpstreamError('bad_response', 'not acceptable edXML', { upstreamReason: 'the package is not well-formed XML (line 1)' })
        return messages[input.docId]
      }
      if (operation === 'acknowledge') {
        acknowledged.push(input.docId)
        return {}
      }
      throw new Error(`unexpected operation ${operation}`)
    },
  }
  let statusId = 0
  const store = {
    async outgoingByDocumentId() {
      return { id: 'edoc-1', from: '000.00.00.H34' }
    },
    async insertStatus() {
      return { id: ++statusId, created: true }
    },
    async insertEdoc(_tx: unknown, row: { id: string }) {
      return { id: row.id, created: true }
    },
  }
  const inbox = {
    async ingest(e: { eventId: string; body: any }) {
      ingested.push(e.body.data.statusCode ?? e.eventId)
      return { seq: ingested.length, duplicate: false, routedTo: [] }
    },
  }
  const db = { transaction: (fn: (tx: unknown) => Promise<unknown>) => fn({}) }
  const poller = createPoller({
    connector: 'document-axis', db: db as any, store: store as any, registry: registry as any, inbox: inbox as any,
    provinceOrgan: () => '000.00.00.H34', batch, retryBaseMs: 60_000, log: pino({ level: 'silent' }),
  })
  return { poller, fetched, acknowledged, ingested, listLimits }
}

t.test('packages that keep failing do not starve the mailbox behind them', async (t) => {
  const mailbox = [item('bad-1', 'edoc'), item('bad-2', 'edoc'), item('good', 'status')]
  const h = harness(mailbox, { good: statusMessage('good', '01') }, (id) => id.startsWith('bad'))
  for (let pass = 1; pass <= HOLD_FAILURES; pass++) {
    const r = await h.poller.pollOnce()
    t.strictSame(r, { listed: 2, stored: 0, acknowledged: 0, failed: 2, skipped: 0 }, `pass ${pass}: the two at the head are retried`)
  }
  const r = await h.poller.pollOnce()
  t.strictSame(r, { listed: 3, stored: 1, acknowledged: 1, failed: 0, skipped: 2 }, 'then they wait out a backoff and the one behind is taken in')
  t.strictSame(h.listLimits, [2, 2, 2, 4], 'the list is asked for as many more entries as wait')
  t.strictSame(h.acknowledged, ['good'])
  t.strictSame(h.fetched.filter((id) => id.startsWith('bad')).length, 2 * HOLD_FAILURES, 'not fetched again during the backoff')
})

t.test('a status packet that failed once is not overtaken by the later ones of the same sender', async (t) => {
  const mailbox = [item('s01', 'status'), item('s03', 'status'), item('s05', 'status')]
  const messages = { s01: statusMessage('s01', '01'), s03: statusMessage('s03', '03'), s05: statusMessage('s05', '05') }
  let failOnce = true
  const h = harness(mailbox, messages, (id) => {
    if (id === 's01' && failOnce) {
      failOnce = false
      return true
    }
    return false
  }, 10)
  t.strictSame(await h.poller.pollOnce(), { listed: 3, stored: 0, acknowledged: 0, failed: 1, skipped: 2 })
  t.strictSame(await h.poller.pollOnce(), { listed: 3, stored: 3, acknowledged: 3, failed: 0, skipped: 0 })
  t.strictSame(h.ingested, ['01', '03', '05'], 'emitted in the order the axis listed them')
})

t.test('a status packet that keeps failing stops holding the others back', async (t) => {
  const mailbox = [item('s01', 'status'), item('s03', 'status')]
  const h = harness(mailbox, { s03: statusMessage('s03', '03') }, (id) => id === 's01', 10)
  for (let pass = 1; pass < HOLD_FAILURES; pass++) {
    t.strictSame(await h.poller.pollOnce(), { listed: 2, stored: 0, acknowledged: 0, failed: 1, skipped: 1 }, `pass ${pass}: held`)
  }
  t.strictSame(await h.poller.pollOnce(), { listed: 2, stored: 1, acknowledged: 1, failed: 1, skipped: 0 }, `failure ${HOLD_FAILURES}: no longer holds`)
  t.strictSame(h.ingested, ['03'])
})
