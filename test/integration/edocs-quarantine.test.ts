/**
 * A received package the hub cannot read (DESIGN §5): here a file over the hub's attachment limit.
 * After three reads it is kept in quarantine with its bytes and acknowledged, so the mailbox moves
 * on; operators see it with the parser's reason under /admin/edocs/receive-failures. Once the limit
 * is raised (a new hub on the same ledger), reading it again takes it in like any other document:
 * stored, announced to the one-stop, readable on /v1/edocs.
 */
import t from 'tap'
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { TEST_DATABASE_URL, type TestHub } from '../helpers/hub.js'
import { waitFor } from '../helpers/dossier.js'
import { startAxisHub } from '../helpers/edocs.js'
import { maskIdsInText } from '../../src/logger.js'
import { SANDBOX_AXIS, SANDBOX_PROVINCE_UNIT } from '../../connectors/document-axis/simulator.js'
import type { Edoc } from '../../connectors/document-axis/model.js'

const g22 = SANDBOX_AXIS.governmentOffice

function document(tag: string, fileBytes: number): Edoc {
  return {
    header: {
      from: { organId: g22.organId, organName: g22.name },
      to: [{ organId: SANDBOX_PROVINCE_UNIT, organName: 'Trung tâm Phục vụ hành chính công' }],
      documentId: `${g22.organId},2026/11/26,${tag}/VPCP-KSTT`,
      code: { number: tag, notation: 'VPCP-KSTT' },
      promulgation: { place: 'Hà Nội', date: '2026-11-26' },
      documentType: { type: '1', typeName: 'Công văn' },
      subject: `Văn bản ${tag}`,
      signer: { fullName: 'Lê Văn Cường' },
      trace: [],
      business: { docType: 'new' },
    },
    attachments: [{ contentId: 'scan', contentType: 'application/pdf', name: 'bản quét.pdf', data: randomBytes(fileBytes) }],
  }
}

t.test('an unreadable package: quarantined, acknowledged, read again once the cause is fixed', async (t) => {
  // Both hubs on one schema of the test's own (a hub's teardown drops only the schema it made).
  const schema = `t_${randomBytes(4).toString('hex')}`
  t.teardown(async () => {
    const db = new pg.Client({ connectionString: TEST_DATABASE_URL })
    await db.connect()
    await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
    await db.end()
  })
  const { receiver, axis, own, start: startHub } = await startAxisHub(t, { database: { url: TEST_DATABASE_URL, schema } })
  const start = (maxAttachmentBytes: number) => startHub({ maxAttachmentBytes })
  const tag = `Q${randomBytes(3).toString('hex')}`
  const big = document(tag, 8192)
  const small = document(`${tag}S`, 100)

  let hub: TestHub = await start(4096)
  const bigId = axis.deliver(big, g22.systemId).docId
  const smallId = axis.deliver(small, g22.systemId).docId
  const entry = (docId: string) => axis.mailbox(own.systemId).entries.find((e) => e.docId === docId)
  await waitFor('the unreadable package acknowledged', async () => entry(bigId)?.acknowledged, 20_000)
  await waitFor('the one behind it taken in', async () => receiver.received.find((d: any) => d.body.data?.documentId === small.header.documentId), 20_000)

  const list = await hub.call('/admin/edocs/receive-failures?state=quarantined')
  t.equal(list.status, 200)
  const failure = list.body.failures.find((f: any) => f.docId === bigId)
  t.match(failure, { messageType: 'edoc', state: 'quarantined', failures: 3, from: g22.organId, lastError: /attachment|8192|4096/i, retryAt: null })
  t.ok(failure.size > 8192, `its ${failure.size} bytes are kept`)
  t.equal((await hub.call('/admin/edocs/receive-failures?state=retrying')).body.failures.length, 0, 'nothing else is failing')
  t.match((await hub.call('/metrics')).body, /lgsp_edocs_polled_total\{outcome="quarantined"\} 1/, 'counted')
  // As the logger prints it: a run of 9 or 12 digits in the axis's id (about 2% of UUIDs) is masked like a personal ID.
  t.ok(hub.logs.some((l) => l.includes('quarantine') && l.includes(maskIdsInText(bigId))), 'logged with its axis id')
  t.notOk(receiver.received.some((d: any) => d.body.data?.documentId === big.header.documentId), 'nothing announced for it')

  const still = await hub.call(`/admin/edocs/receive-failures/${encodeURIComponent(bigId)}/retry`, { method: 'POST' })
  t.equal(still.status, 422, 'read again under the same limit: still refused')
  t.match(still.body, { code: 'PACKAGE_UNREADABLE', detail: /not acceptable edXML/ })
  t.equal((await hub.call('/admin/edocs/receive-failures/no-such-id/retry', { method: 'POST' })).status, 404)
  t.equal((await hub.call('/admin/edocs/receive-failures/has%20space/retry', { method: 'POST' })).status, 400)
  t.equal((await hub.call('/admin/edocs/receive-failures?state=lost')).status, 400)
  await hub.close()

  // The operator raises the limit; the new hub reads the kept bytes again.
  hub = await start(64 * 1024)
  t.teardown(() => hub.close())
  const again = await hub.call(`/admin/edocs/receive-failures/${encodeURIComponent(bigId)}/retry`, { method: 'POST' })
  t.equal(again.status, 200, JSON.stringify(again.body))
  t.strictSame(again.body, { outcome: 'stored' })
  const event = await waitFor('announced', async () => receiver.received.find((d: any) => d.body.data?.documentId === big.header.documentId), 10_000) as any
  t.equal(event.body.data.attachments[0].size, 8192)
  const view = await hub.call(`/v1/edocs/${event.body.data.edocId}`)
  t.equal(view.status, 200)
  t.equal(view.body.documentId, big.header.documentId)
  const file = await hub.call(event.body.data.attachments[0].url, { headers: { 'x-officer-id': '', 'x-purpose': '' } })
  t.ok(file.raw.equals(big.attachments[0]!.data), 'the file is intact')
  t.equal((await hub.call('/admin/edocs/receive-failures')).body.failures.length, 0, 'the failure is gone')
  t.equal((await hub.call(`/admin/edocs/receive-failures/${encodeURIComponent(bigId)}`, { method: 'DELETE' })).status, 404, 'nothing left to discard')
})

t.test('a malformed reply of the axis is not taken for the package: nothing is quarantined or acknowledged on its strength', async (t) => {
  // The axis (or a proxy before it) answering 200 with a cut or foreign body is a failed fetch,
  // like a 503: keeping that body and acknowledging would drop the real package from the mailbox.
  const { receiver, axis, own, start } = await startAxisHub(t)
  const hub = await start()
  t.teardown(() => hub.close())
  const doc = document(`M${randomBytes(3).toString('hex')}`, 100)
  axis.setFaults({ malformed: true, paths: ['/getEdoc'], count: 3 })
  const docId = axis.deliver(doc, g22.systemId).docId
  await waitFor('the document acknowledged', async () => axis.mailbox(own.systemId).entries.find((e) => e.docId === docId)?.acknowledged, 20_000)
  t.equal(axis.stats().faults.malformed, 3, 'three malformed replies were given')
  t.strictSame((await hub.call('/admin/edocs/receive-failures?state=quarantined')).body.failures, [], 'nothing quarantined')
  const event = await waitFor('announced', async () => receiver.received.find((d: any) => d.body.data?.documentId === doc.header.documentId), 10_000) as any
  t.equal(event.body.data.attachments[0].size, 100, 'the document itself was taken in')
})
