/**
 * The document axis on PostgreSQL with clients restricted to some agencies: who may read,
 * download, report and send as whom; concurrent identical sends; unreadable packages at the head
 * of the mailbox; a file over the axis limits refused before the 202.
 */
import t from 'tap'
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { startTestHub, TEST_DATABASE_URL, type TestHub } from '../helpers/hub.js'
import { sha256Hex } from '../../src/plugins/auth.js'
import { startReceiver, type Receiver } from '../helpers/receiver.js'
import { waitFor } from '../helpers/dossier.js'
import { SANDBOX_AXIS, SANDBOX_PROVINCE_UNIT } from '../../connectors/document-axis/simulator.js'
import { edocBody, G22, ONE_STOP } from '../helpers/edocs.js'

/** A client restricted to some agencies, on PostgreSQL: who may read, download, report and send as whom; concurrent sends; unreadable packages. */
t.test('agency restrictions, concurrency and unreadable packages (PostgreSQL)', async (t) => {
  const receiver: Receiver = await startReceiver({ secret: ONE_STOP })
  t.teardown(() => receiver.close())
  const UNIT_A = SANDBOX_PROVINCE_UNIT
  const UNIT_B = '000.02.32.H34'
  const keyA = `unit-a-${randomBytes(6).toString('hex')}`
  const keyB = `unit-b-${randomBytes(6).toString('hex')}`
  const scopes = ['edocs:send', 'edocs:read']
  const hub: TestHub = await startTestHub('postgres', {
    clients: [
      { name: 'unit-a', keySha256: sha256Hex(keyA), scopes, agencies: [UNIT_A] },
      { name: 'unit-b', keySha256: sha256Hex(keyB), scopes, agencies: ['*.02.32.H34'] },
    ],
    connectors: { 'document-axis': { limits: { maxAttachmentBytes: 4096 } } },
    edocs: { pollEveryMs: 200, pollBatch: 2 },
    subscribers: [{ name: 'one-stop', url: `${receiver.url}/hooks`, secrets: [ONE_STOP], agencies: ['*.H34'] }],
    webhooks: { scheduleMs: [0, 200, 200, 300] },
    sync: { reconcileEveryMs: 300, staleAfterMs: 1000 },
  })
  t.teardown(() => hub.close())
  const sim = hub.simulators['document-axis']!.url
  const as = (key: string) => ({ authorization: `Bearer ${key}` })
  const deliver = async (to: string, attachment: Buffer, tag: string) => {
    const res = await fetch(`${sim}/__sim/deliver`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        fromSystem: SANDBOX_AXIS.governmentOffice.systemId,
        edoc: {
          header: {
            from: G22, to: [{ organId: to, organName: 'Đơn vị' }], code: { number: tag, notation: 'VPCP' }, promulgation: { place: 'Hà Nội', date: '2026-11-22' },
            documentType: { type: '1', typeName: 'Công văn' }, subject: `Văn bản ${tag}`, signer: { fullName: 'Trần Thị Bình' },
          },
          attachments: [{ contentId: 'f1', contentType: 'application/octet-stream', name: 'f.bin', data: attachment.toString('base64') }],
        },
      }),
    })
    t.equal(res.status, 200)
    return ((await res.json()) as { docId: string }).docId
  }
  const receivedEvent = (tag: string, timeoutMs?: number) => waitFor(`edoc.received ${tag}`, async () => receiver.received.find((d: any) => d.type === 'edoc.received' && d.body.data.code === `${tag}/VPCP`), timeoutMs)

  await t.test('unreadable packages at the head of the mailbox do not starve the ones behind them', async (t) => {
    // Over the hub's maxAttachmentBytes: each is refused by the hub's parser and stays in the mailbox.
    await deliver(UNIT_A, randomBytes(8192), `big1${randomBytes(2).toString('hex')}`)
    await deliver(UNIT_A, randomBytes(8192), `big2${randomBytes(2).toString('hex')}`)
    const tag = `ok${randomBytes(2).toString('hex')}`
    await deliver(UNIT_A, randomBytes(100), tag)
    t.ok(await receivedEvent(tag, 10_000), 'the good document arrived although pollBatch is 2')
  })

  await t.test('a client restricted to one agency sees only that agency\'s documents', async (t) => {
    const tag = `a${randomBytes(3).toString('hex')}`
    await deliver(UNIT_A, Buffer.from('tệp của A'), tag)
    const data = (await receivedEvent(tag) as any).body.data
    t.equal(data.agencyCode, UNIT_A)
    const a = await hub.call(`/v1/edocs/${data.edocId}`, { headers: as(keyA) })
    t.equal(a.status, 200, 'the recipient agency reads it')
    const b = await hub.call(`/v1/edocs/${data.edocId}`, { headers: as(keyB) })
    t.equal(b.status, 404, 'another agency does not even learn it exists')
    t.equal(b.body.code, 'NOT_FOUND')
    const file = await hub.call(data.attachments[0].url, { headers: as(keyB) })
    t.equal(file.status, 404, 'nor downloads its files')
    const fileA = await hub.call(data.attachments[0].url, { headers: as(keyA) })
    t.equal(fileA.status, 200)
    const report = await hub.call(`/v1/edocs/${data.edocId}/status`, { headers: as(keyB), body: { statusCode: '03' } })
    t.equal(report.status, 404, 'nor reports on it')
    const reportAsA = await hub.call(`/v1/edocs/${data.edocId}/status`, { headers: as(keyB), body: { statusCode: '03', from: UNIT_A } })
    t.equal(reportAsA.status, 404)
    const ok = await hub.call(`/v1/edocs/${data.edocId}/status`, { headers: as(keyA), body: { statusCode: '03' } })
    t.equal(ok.status, 202)

    const asProvince = await hub.call('/v1/edocs', { headers: as(keyB), body: edocBody() })
    t.equal(asProvince.status, 403, 'B may not send as the province (the default sender)')
    const asA = await hub.call('/v1/edocs', { headers: as(keyB), body: edocBody({ from: { organId: UNIT_A, organName: 'A' } }) })
    t.equal(asA.status, 403, 'nor as A')
    const own = await hub.call('/v1/edocs', { headers: as(keyB), body: edocBody({ from: { organId: UNIT_B, organName: 'B' } }) })
    t.equal(own.status, 202, JSON.stringify(own.body))
    t.equal((await hub.call(`/v1/edocs/${own.body.id}`, { headers: as(keyB) })).status, 200)
    t.equal((await hub.call(`/v1/edocs/${own.body.id}`, { headers: as(keyA) })).status, 404, 'A does not see what B sent')
    const replay = await hub.call('/v1/edocs', { headers: as(keyA), body: edocBody({ from: { organId: UNIT_B, organName: 'B' } }) })
    t.equal(replay.status, 403, 'nor learns its id by sending the same body')
  })

  await t.test('between two agencies of the province: the sender sees the received copy but cannot report on it', async (t) => {
    const body = edocBody({ from: { organId: UNIT_A, organName: 'A' }, to: [{ organId: UNIT_B, organName: 'B' }] })
    const sent = await hub.call('/v1/edocs', { headers: as(keyA), body })
    t.equal(sent.status, 202, JSON.stringify(sent.body))
    const copy = await waitFor('the received copy', async () => receiver.received.find((d: any) => d.type === 'edoc.received' && d.body.data.documentId === sent.body.documentId))
    const data = (copy as any).body.data
    t.equal(data.agencyCode, UNIT_B)
    t.equal((await hub.call(`/v1/edocs/${data.edocId}`, { headers: as(keyA) })).status, 200, 'the sender reads the copy')
    const byA = await hub.call(`/v1/edocs/${data.edocId}/status`, { headers: as(keyA), body: { statusCode: '03' } })
    t.equal(byA.status, 403, 'but acts for none of its recipients')
    t.equal(byA.body.code, 'FORBIDDEN')
    const byB = await hub.call(`/v1/edocs/${data.edocId}/status`, { headers: as(keyB), body: { statusCode: '03' } })
    t.equal(byB.status, 202, JSON.stringify(byB.body))
    const answered = await waitFor('B\'s status on A\'s document', async () => {
      const r = await hub.call(`/v1/edocs/${sent.body.id}`, { headers: as(keyA) })
      return r.body.statuses.find((s: any) => s.direction === 'incoming' && s.statusCode === '03') ? r.body : undefined
    })
    t.match(answered.statuses, [{ direction: 'incoming', from: UNIT_B, statusCode: '03' }])
  })

  await t.test('a file over the axis limits is the caller\'s 400, not a dead letter after a 202', async (t) => {
    const r = await hub.call('/v1/edocs', { body: edocBody({ attachments: [{ name: 'a.bin', contentType: 'application/octet-stream', data: randomBytes(5000).toString('base64') }] }) })
    t.equal(r.status, 400, JSON.stringify(r.body))
    t.match(r.body.errors, [{ path: '/body', message: /maxAttachmentBytes/ }])
  })

  await t.test('the same document sent concurrently is stored and queued once', async (t) => {
    const body = edocBody()
    const answers = await Promise.all(Array.from({ length: 6 }, () => hub.call('/v1/edocs', { body })))
    t.same(answers.map((a) => a.status).sort(), [200, 200, 200, 200, 200, 202])
    t.equal(new Set(answers.map((a) => a.body.id)).size, 1, 'one id')
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL })
    await client.connect()
    t.teardown(() => client.end())
    const rows = await client.query(`SELECT count(*)::int AS n FROM ${hub.schema}.edocs WHERE direction = 'outgoing' AND document_id = $1`, [answers[0]!.body.documentId])
    t.equal(rows.rows[0].n, 1)
    const outbox = await client.query(`SELECT count(*)::int AS n FROM ${hub.schema}.outbox WHERE dossier_code = $1`, [`edoc-${answers[0]!.body.id}`])
    t.equal(outbox.rows[0].n, 1)
  })
})
