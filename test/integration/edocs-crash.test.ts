/**
 * SIGKILL between fetching a received document and acknowledging it (DESIGN §5): the axis
 * simulator runs in this process and holds every acknowledgement (`/updateStatus` hangs), so the
 * hub has fetched, stored and emitted each document when it is killed. After the restart the
 * documents are listed again: each is stored once, emitted once, and acknowledged.
 */
import t from 'tap'
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { TEST_DATABASE_URL } from '../helpers/hub.js'
import { startChildHub } from '../helpers/processes.js'
import { startReceiver } from '../helpers/receiver.js'
import { waitFor } from '../helpers/dossier.js'
import { SANDBOX_AXIS, SANDBOX_PROVINCE_UNIT, startDocumentAxisSimulator } from '../../connectors/document-axis/simulator.js'
import { DEFAULT_PATHS } from '../../connectors/document-axis/wire.js'
import type { Edoc } from '../../connectors/document-axis/model.js'

const ONE_STOP = `whsec_${Buffer.from('edoc-crash-one-stop-not-real').toString('base64')}`
const DOCUMENTS = 6

function document(n: number, tag: string): Edoc {
  const g22 = SANDBOX_AXIS.governmentOffice
  return {
    header: {
      from: { organId: g22.organId, organName: g22.name },
      to: [{ organId: SANDBOX_PROVINCE_UNIT, organName: 'Trung tâm Phục vụ hành chính công' }],
      documentId: `${g22.organId},2026/11/26,${tag}${n}/VPCP-KSTT`,
      code: { number: `${tag}${n}`, notation: 'VPCP-KSTT' },
      promulgation: { place: 'Hà Nội', date: '2026-11-26' },
      documentType: { type: '1', typeName: 'Công văn' },
      subject: `Văn bản số ${n}`,
      signer: { fullName: 'Lê Văn Cường' },
      trace: [],
      business: { docType: 'new' },
    },
    attachments: [{ contentId: 'a1', contentType: 'text/plain', name: 'a.txt', data: Buffer.from(`tệp ${n}`) }],
  }
}

t.test('SIGKILL between fetch and acknowledgement: no loss, no duplicate event', async (t) => {
  const receiver = await startReceiver({ secret: ONE_STOP })
  const axis = await startDocumentAxisSimulator({ autoReply: false })
  t.teardown(async () => {
    await receiver.close()
    await axis.close()
  })
  axis.setFaults({ hang: true, paths: [DEFAULT_PATHS.updateStatus] })
  const own = SANDBOX_AXIS.province
  const child = await startChildHub(t, () => ({
    sandbox: { enabled: true },
    connectors: {
      'document-axis': { enabled: true, baseUrl: axis.url, systemId: own.systemId, secret: own.secret, organId: own.organId, organName: own.name, timeoutMs: { acknowledge: 60_000 } },
    },
    edocs: { pollEveryMs: 200 },
    webhooks: { scheduleMs: [0, ...Array(20).fill(300)] },
    subscribers: [{ name: 'one-stop', url: receiver.url, secrets: [ONE_STOP], agencies: ['*.H34'] }],
    sync: { reconcileEveryMs: 300, staleAfterMs: 1000 },
  }))

  const tag = randomBytes(2).toString('hex')
  const docIds = Array.from({ length: DOCUMENTS }, (_, n) => axis.deliver(document(n, tag), SANDBOX_AXIS.governmentOffice.systemId).docId)
  // The hub takes the documents in one by one; the first acknowledgement hangs, so wait for it.
  await waitFor('an acknowledgement in flight', async () => axis.stats().inFlight > 0 && receiver.received.length >= 1, 20_000)
  const before = receiver.received.length
  t.ok(axis.mailbox(own.systemId).entries.every((e) => !e.acknowledged), 'nothing acknowledged before the kill')
  await child.hub.kill('SIGKILL')
  axis.clearFaults()

  await child.restart()
  await waitFor('every document acknowledged', async () => axis.mailbox(own.systemId).entries.filter((e) => docIds.includes(e.docId)).every((e) => e.acknowledged), 30_000)
  await receiver.waitFor(DOCUMENTS, 30_000)
  await new Promise((r) => setTimeout(r, 800)) // room for a duplicate to show up

  const received = receiver.received.filter((d) => d.type === 'edoc.received')
  t.ok(before >= 1, `${before} event(s) delivered before the kill`)
  t.equal(received.length, DOCUMENTS, 'one event per document, none twice')
  t.equal(new Set(received.map((d) => d.id)).size, DOCUMENTS)
  t.same(new Set(received.map((d) => (d.body as any).data.documentId)), new Set(Array.from({ length: DOCUMENTS }, (_, n) => `${SANDBOX_AXIS.governmentOffice.organId},2026/11/26,${tag}${n}/VPCP-KSTT`)))
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL })
  await client.connect()
  const rows = (await client.query(`SELECT axis_doc_id, count(*)::int AS n FROM ${child.schema}.edocs WHERE direction = 'incoming' GROUP BY axis_doc_id`)).rows
  const events = (await client.query(`SELECT count(*)::int AS n FROM ${child.schema}.inbox WHERE type = 'edoc.received'`)).rows[0].n
  await client.end()
  t.equal(rows.length, DOCUMENTS, 'each document stored')
  t.ok(rows.every((r) => r.n === 1), 'and stored once')
  t.equal(events, DOCUMENTS, 'the inbox holds one event per document')
})
