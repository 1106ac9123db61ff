/**
 * The hub's receiving side of the document axis (src/edocs/poller.ts) against a scripted axis:
 * packages that keep failing do not starve the mailbox behind them, a status packet whose fetch
 * failed is not overtaken by the later ones of the same sender, and one that keeps failing stops
 * holding them back; a package the parser keeps refusing goes to quarantine with its bytes and is
 * acknowledged. Failure counts live in the ledger (PGlite here), as in the hub.
 */
import t from 'tap'
import pino from 'pino'
import { createPoller } from '../../../src/edocs/poller.js'
import { createReceiveFailures, HOLD_FAILURES } from '../../../src/edocs/receive-failures.js'
import { openTestDb } from '../../helpers/db.js'
import type { Db } from '../../../src/db/types.js'
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
    signature: { status: 'absent', flagged: false },
  }
}

/** One migrated PGlite ledger for the file (a fresh one per test costs seconds); each harness empties the failures. */
let shared: Promise<Db> | undefined
const ledger = () => (shared ??= openTestDb(t, 'pglite').then((r) => r.db))

/**
 * A mailbox the poller reads through a scripted registry; `broken(docId)` says whether its fetch
 * fails now; a docId starting with `unreadable` is fetched whole but refused by the parser.
 */
async function harness(mailbox: ReceivedItem[], messages: Record<string, ReceivedMessage>, broken: (docId: string) => boolean, batch = 2, ackFails = (_docId: string) => false) {
  const fetched: string[] = []
  const acknowledged: string[] = []
  const ingested: string[] = []
  const listLimits: number[] = []
  const registry = {
    // The poller calls by contract; the script answers by the contract's operation name.
    async call(contract: { operation: string }, input: any) {
      return registry.invoke('document-axis', contract.operation, input)
    },
    async invoke(_id: string, operation: string, input: any): Promise<any> {
      if (operation === 'listReceived') {
        listLimits.push(input.limit)
        return { items: mailbox.filter((i) => !acknowledged.includes(i.docId)).slice(0, input.limit) }
      }
      if (operation === 'getMessage') {
        fetched.push(input.docId)
        if (broken(input.docId)) throw new UpstreamError('unavailable', 'the axis answered 503')
        if (input.docId.startsWith('unreadable')) {
          return { kind: 'unreadable', docId: input.docId, messageType: input.messageType, package: Buffer.from(`<edXMLEnvelope>${input.docId}`), reason: 'the package is not well-formed XML (line 1)' }
        }
        return messages[input.docId]
      }
      if (operation === 'acknowledge') {
        if (ackFails(input.docId)) throw new UpstreamError('timeout', 'no answer in time')
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
    async insertStatus(_tx: unknown, row: { axisDocId: string }) {
      return { id: ++statusId, created: true, axisDocId: row.axisDocId }
    },
    async insertEdoc(_tx: unknown, row: { id: string; axisDocId: string }) {
      return { id: row.id, created: true, axisDocId: row.axisDocId }
    },
  }
  const inbox = {
    async ingest(e: { eventId: string; body: any }) {
      ingested.push(e.body.data.statusCode ?? e.eventId)
      return { seq: ingested.length, duplicate: false, routedTo: [] }
    },
  }
  const db = await ledger()
  await db.query('DELETE FROM edoc_receive_failures')
  const failures = createReceiveFailures(db, 60_000)
  const poller = createPoller({
    connector: 'document-axis', db, store: store as any, registry: registry as any, inbox: inbox as any,
    provinceOrgan: () => '000.00.00.H34', batch, failures, log: pino({ level: 'silent' }),
  })
  return { poller, fetched, acknowledged, ingested, listLimits, failures }
}

t.test('packages that keep failing do not starve the mailbox behind them', async (t) => {
  const mailbox = [item('bad-1', 'edoc'), item('bad-2', 'edoc'), item('good', 'status')]
  const h = await harness(mailbox, { good: statusMessage('good', '01') }, (id) => id.startsWith('bad'))
  for (let pass = 1; pass <= HOLD_FAILURES; pass++) {
    const r = await h.poller.pollOnce()
    t.strictSame(r, { listed: 2, stored: 0, resent: 0, quarantined: 0, acknowledged: 0, failed: 2, skipped: 0 }, `pass ${pass}: the two at the head are retried`)
  }
  const r = await h.poller.pollOnce()
  t.strictSame(r, { listed: 3, stored: 1, resent: 0, quarantined: 0, acknowledged: 1, failed: 0, skipped: 2 }, 'then they wait out a backoff and the one behind is taken in')
  t.strictSame(h.listLimits, [2, 2, 2, 4], 'the list is asked for as many more entries as wait')
  t.strictSame(h.acknowledged, ['good'])
  t.strictSame(h.fetched.filter((id) => id.startsWith('bad')).length, 2 * HOLD_FAILURES, 'not fetched again during the backoff')
})

t.test('a status packet that failed once is not overtaken by the later ones of the same sender', async (t) => {
  const mailbox = [item('s01', 'status'), item('s03', 'status'), item('s05', 'status')]
  const messages = { s01: statusMessage('s01', '01'), s03: statusMessage('s03', '03'), s05: statusMessage('s05', '05') }
  let failOnce = true
  const h = await harness(mailbox, messages, (id) => {
    if (id === 's01' && failOnce) {
      failOnce = false
      return true
    }
    return false
  }, 10)
  t.strictSame(await h.poller.pollOnce(), { listed: 3, stored: 0, resent: 0, quarantined: 0, acknowledged: 0, failed: 1, skipped: 2 })
  t.strictSame(await h.poller.pollOnce(), { listed: 3, stored: 3, resent: 0, quarantined: 0, acknowledged: 3, failed: 0, skipped: 0 })
  t.strictSame(h.ingested, ['01', '03', '05'], 'emitted in the order the axis listed them')
})

t.test('a status packet that keeps failing stops holding the others back', async (t) => {
  const mailbox = [item('s01', 'status'), item('s03', 'status')]
  const h = await harness(mailbox, { s03: statusMessage('s03', '03') }, (id) => id === 's01', 10)
  for (let pass = 1; pass < HOLD_FAILURES; pass++) {
    t.strictSame(await h.poller.pollOnce(), { listed: 2, stored: 0, resent: 0, quarantined: 0, acknowledged: 0, failed: 1, skipped: 1 }, `pass ${pass}: held`)
  }
  t.strictSame(await h.poller.pollOnce(), { listed: 2, stored: 1, resent: 0, quarantined: 0, acknowledged: 1, failed: 1, skipped: 0 }, `failure ${HOLD_FAILURES}: no longer holds`)
  t.strictSame(h.ingested, ['03'])
})

t.test('a package the parser keeps refusing goes to quarantine with its bytes, then is acknowledged', async (t) => {
  const mailbox = [item('unreadable-1', 'edoc'), item('good', 'status')]
  const h = await harness(mailbox, { good: statusMessage('good', '01') }, () => false, 10)
  t.strictSame(await h.poller.pollOnce(), { listed: 2, stored: 1, resent: 0, quarantined: 0, acknowledged: 1, failed: 1, skipped: 0 }, 'read 1: refused, left in the mailbox')
  for (let read = 2; read < HOLD_FAILURES; read++) {
    t.strictSame(await h.poller.pollOnce(), { listed: 1, stored: 0, resent: 0, quarantined: 0, acknowledged: 0, failed: 1, skipped: 0 }, `read ${read}: refused`)
  }
  t.strictSame(await h.poller.pollOnce(), { listed: 1, stored: 0, resent: 0, quarantined: 1, acknowledged: 1, failed: 0, skipped: 0 }, `read ${HOLD_FAILURES}: quarantined`)
  const kept = await h.failures.get('unreadable-1')
  t.match(kept, { state: 'quarantined', failures: HOLD_FAILURES, messageType: 'edoc', from: G22.organId, lastError: /not well-formed/, retryAt: null })
  t.equal(kept!.package!.toString(), '<edXMLEnvelope>unreadable-1', 'the bytes are kept')
  t.strictSame(h.acknowledged, ['good', 'unreadable-1'])
  t.equal((await h.poller.pollOnce()).listed, 0, 'the mailbox is empty')
})

t.test('quarantined but the acknowledgement failed: the next pass only acknowledges it', async (t) => {
  let ackFailures = 1
  const h = await harness([item('unreadable-2', 'edoc')], {}, () => false, 10, (id) => id === 'unreadable-2' && ackFailures-- > 0)
  for (let read = 1; read < HOLD_FAILURES; read++) await h.poller.pollOnce()
  t.strictSame(await h.poller.pollOnce(), { listed: 1, stored: 0, resent: 0, quarantined: 1, acknowledged: 0, failed: 1, skipped: 0 }, 'kept; the acknowledgement timed out')
  const fetches = h.fetched.length
  t.strictSame(await h.poller.pollOnce(), { listed: 1, stored: 0, resent: 0, quarantined: 0, acknowledged: 1, failed: 0, skipped: 0 })
  t.equal(h.fetched.length, fetches, 'not fetched again')
  t.equal((await h.failures.get('unreadable-2'))?.state, 'quarantined', 'still kept for an operator')
  t.strictSame(await h.failures.clear('unreadable-2'), { messageType: 'edoc', state: 'quarantined', from: G22.organId }, 'an operator discards it')
  t.equal(await h.failures.clear('unreadable-2'), undefined, 'then there is nothing to discard')
})

t.test('failure counts are in the ledger: a new poller (a restart, another replica) keeps the backoff', async (t) => {
  const mailbox = [item('bad-1', 'edoc'), item('good', 'edoc')]
  const h = await harness(mailbox, { good: statusMessage('good', '01') }, (id) => id === 'bad-1', 1)
  for (let pass = 1; pass <= HOLD_FAILURES; pass++) await h.poller.pollOnce()
  const failure = await h.failures.get('bad-1')
  t.match(failure, { state: 'retrying', failures: HOLD_FAILURES, lastError: /unavailable/ })
  t.ok(Date.parse(failure!.retryAt!) > Date.now(), 'waits out a backoff')
  t.strictSame(await h.failures.states(['bad-1', 'good']), new Map([['bad-1', { failures: HOLD_FAILURES, retryAt: Date.parse(failure!.retryAt!), quarantined: false }]]))
})

t.test('a package failing for weeks keeps its backoff of an hour (the doubling does not overflow)', async (t) => {
  // Over maxPackageBytes a package stays in the mailbox on the backoff until the limit is raised:
  // at most one try an hour, so a thousand failures is six weeks, not a bug in the sender.
  const h = await harness([item('huge', 'edoc')], {}, () => true, 10)
  const db = await ledger()
  await db.query(
    `INSERT INTO edoc_receive_failures (axis_doc_id, message_type, from_organ, to_organs, failures, last_error, retry_at)
     VALUES ('huge', 'edoc', $1, '000.00.00.H34', 1100, 'over maxPackageBytes', now() - interval '1 second')`, [G22.organId],
  )
  const before = Date.now()
  t.strictSame(await h.poller.pollOnce(), { listed: 1, stored: 0, resent: 0, quarantined: 0, acknowledged: 0, failed: 1, skipped: 0 })
  const failure = await h.failures.get('huge')
  t.equal(failure!.failures, 1101, 'the failure is counted')
  const wait = Date.parse(failure!.retryAt!) - before
  t.ok(wait > 3_500_000 && wait <= 3_700_000, `the next try is an hour away (${wait} ms)`)
  t.match(await h.poller.pollOnce(), { skipped: 1, failed: 0 }, 'and the next pass leaves it alone')
})
