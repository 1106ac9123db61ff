/**
 * The document axis end to end over real HTTP: the hub sends a document to a remote agency of the
 * axis simulator, the simulator (as that agency) answers 01, 03, 05, 06, and the hub shows all four
 * on GET /v1/edocs/{id} and delivers them as events, in order. Also: receiving a document and its
 * files, reporting a status back, idempotent sends, bad input, refusals dead-lettered, an outage.
 */
import t from 'tap'
import { createServer } from 'node:http'
import { randomBytes } from 'node:crypto'
import { startTestHub, type TestHub } from '../helpers/hub.js'
import { startReceiver, type Receiver } from '../helpers/receiver.js'
import { waitFor } from '../helpers/dossier.js'
import { Value } from 'typebox/value'
import { SANDBOX_AXIS, SANDBOX_PROVINCE_UNIT } from '../../connectors/document-axis/simulator.js'
import { EdocReceivedEvent, EdocStatusChangedEvent } from '../../schemas/api/edocs.js'

const ONE_STOP = `whsec_${Buffer.from(`one-stop-${randomBytes(6).toString('hex')}`).toString('base64')}`
const G22 = { organId: SANDBOX_AXIS.governmentOffice.organId, organName: SANDBOX_AXIS.governmentOffice.name }
let seq = 0

/** A valid POST /v1/edocs body; the number is unique per call. */
function edocBody(overrides: Record<string, unknown> = {}) {
  return {
    to: [G22],
    code: { number: String(1000 + ++seq) + randomBytes(2).toString('hex'), notation: 'UBND-VP' },
    promulgation: { place: 'Kon Tum', date: '2026-11-26' },
    documentType: { type: '1', typeName: 'Công văn' },
    subject: 'V/v báo cáo kết quả giải quyết thủ tục hành chính quý IV năm 2026',
    signer: { fullName: 'Nguyễn Văn Ánh', position: 'Chủ tịch' },
    attachments: [{ name: 'cong-van.pdf', contentType: 'application/pdf', data: Buffer.from('%PDF-1.7 công văn').toString('base64') }],
    ...overrides,
  }
}

t.test('document axis', async (t) => {
  const receiver: Receiver = await startReceiver({ secret: ONE_STOP })
  t.teardown(() => receiver.close())
  // A file server on loopback for attachments given by URL.
  const files = createServer((req, res) => {
    if (req.url === '/scan.png') return void res.end(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 255]))
    if (req.url === '/big') return void res.end(Buffer.alloc(4096, 1))
    res.statusCode = 404
    res.end()
  })
  await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => files.close(() => resolve())))
  const filesUrl = `http://127.0.0.1:${(files.address() as { port: number }).port}`

  const hub: TestHub = await startTestHub('pglite', {
    edocs: { pollEveryMs: 200, fetch: { maxBytes: 1024, timeoutMs: 2000 }, delivery: { retry: { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 400 } } },
    subscribers: [{ name: 'kontum-one-stop', url: `${receiver.url}/hooks`, secrets: [ONE_STOP], agencies: ['*.H34'] }],
    webhooks: { scheduleMs: [0, 200, 200, 300] },
    sync: { reconcileEveryMs: 300, staleAfterMs: 1000 },
  })
  t.teardown(() => hub.close())
  const sim = hub.simulators['document-axis']!.url
  const simJson = async (path: string, body?: unknown) => {
    const res = await fetch(`${sim}${path}`, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    return { status: res.status, body: await res.json() as any }
  }

  await t.test('round trip: sent to G22, which answers 01, 03, 05, 06; all four shown and emitted in order', async (t) => {
    const body = edocBody({ attachments: [
      { name: 'cong-van.pdf', contentType: 'application/pdf', data: Buffer.from('%PDF-1.7 nội dung').toString('base64') },
      { name: 'scan.png', contentType: 'image/png', url: `${filesUrl}/scan.png` },
    ] })
    const sent = await hub.call('/v1/edocs', { body })
    t.equal(sent.status, 202, JSON.stringify(sent.body))
    t.match(sent.body, { outcome: 'accepted', documentId: `000.00.00.H34,2026/11/26,${body.code.number}/UBND-VP` })
    t.equal(sent.headers.get('location'), `/v1/edocs/${sent.body.id}`)

    const view = await waitFor('four statuses', async () => {
      const r = await hub.call(`/v1/edocs/${sent.body.id}`)
      return r.body.statuses?.length >= 4 ? r.body : undefined
    })
    t.match(view.sending, { state: 'delivered', attempts: 1 })
    t.type(view.sending.axisDocId, 'string')
    t.same(view.statuses.map((s: any) => [s.direction, s.statusCode, s.status, s.from]), [
      ['incoming', '01', 'arrived', G22.organId], ['incoming', '03', 'accepted', G22.organId],
      ['incoming', '05', 'processing', G22.organId], ['incoming', '06', 'completed', G22.organId],
    ])
    t.same(view.attachments.map((a: any) => [a.name, a.size]), [['cong-van.pdf', Buffer.byteLength('%PDF-1.7 nội dung')], ['scan.png', 8]])
    const png = await fetch(`${hub.url}${view.attachments[1].url}`, { headers: { authorization: 'Bearer lgsp-demo-key-0000-not-a-secret' } })
    t.equal(png.headers.get('content-type'), 'image/png')
    t.same([...new Uint8Array(await png.arrayBuffer())], [0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 255])

    const sentOnAxis = (await simJson('/__sim/sent')).body as Array<{ documentId: string; subject?: string; to: string[] }>
    t.ok(sentOnAxis.some((s) => s.documentId === sent.body.documentId && s.subject === body.subject && s.to.includes(G22.organId)), 'the axis received the document as sent (Vietnamese subject intact)')

    const events = await waitFor('four status events', async () => {
      const mine = receiver.received.filter((d: any) => d.type === 'edoc.status_changed' && d.body.data.edocId === sent.body.id)
      return mine.length >= 4 ? mine : undefined
    })
    t.same(events.map((e: any) => e.body.data.statusCode), ['01', '03', '05', '06'], 'delivered in order')
    t.ok(events.every((e: any) => Value.Check(EdocStatusChangedEvent, e.body.data)), 'each payload matches its published schema')
    t.equal((events[0] as any).body.data.agencyCode, '000.00.00.H34')
    const feed = await hub.call('/v1/events?limit=500')
    const fed = feed.body.events.filter((e: any) => e.type === 'edoc.status_changed' && e.body.data.edocId === sent.body.id)
    t.equal(fed.length, 4, 'each once in the feed')
    t.equal(new Set(fed.map((e: any) => e.id)).size, 4)
  })

  await t.test('the same document again is 200 with the same id; another body under its number is 409', async (t) => {
    const body = edocBody()
    const first = await hub.call('/v1/edocs', { body })
    t.equal(first.status, 202)
    const again = await hub.call('/v1/edocs', { body })
    t.equal(again.status, 200)
    t.same(again.body, { ...first.body, outcome: 'unchanged' })
    const changed = await hub.call('/v1/edocs', { body: { ...body, subject: 'Khác' } })
    t.equal(changed.status, 409)
    t.equal(changed.body.code, 'IDEMPOTENCY_CONFLICT')
  })

  await t.test('bad input is a 4xx problem naming what is wrong', async (t) => {
    const noTo = await hub.call('/v1/edocs', { body: { ...edocBody(), to: [] } })
    t.equal(noTo.status, 400)
    const both = await hub.call('/v1/edocs', { body: edocBody({ attachments: [{ name: 'a', contentType: 'text/plain', data: 'YQ==', url: `${filesUrl}/scan.png` }] }) })
    t.equal(both.status, 400)
    t.match(both.body.errors, [{ path: '/body/attachments/0' }])
    const notBase64 = await hub.call('/v1/edocs', { body: edocBody({ attachments: [{ name: 'a', contentType: 'text/plain', data: '###' }] }) })
    t.equal(notBase64.status, 400)
    const plainHttp = await hub.call('/v1/edocs', { body: edocBody({ attachments: [{ name: 'a', contentType: 'text/plain', url: 'http://example.com/a' }] }) })
    t.equal(plainHttp.status, 400)
    t.match(plainHttp.body.detail, /https/)
    const missing = await hub.call('/v1/edocs', { body: edocBody({ attachments: [{ name: 'a', contentType: 'text/plain', url: `${filesUrl}/nope` }] }) })
    t.equal(missing.status, 422)
    t.match(missing.body, { code: 'ATTACHMENT_UNAVAILABLE', detail: /404/ })
    const big = await hub.call('/v1/edocs', { body: edocBody({ attachments: [{ name: 'a', contentType: 'text/plain', url: `${filesUrl}/big` }] }) })
    t.equal(big.status, 422)
    t.match(big.body.detail, /1024/)
    const foreign = await hub.call('/v1/edocs', { body: edocBody({ from: { organId: '000.00.00.H20', organName: 'Not us' } }) })
    t.equal(foreign.status, 400, 'a sender outside the province is refused before anything is stored')
    const badDate = await hub.call('/v1/edocs', { body: edocBody({ promulgation: { place: 'Kon Tum', date: '2026-02-30' } }) })
    t.equal(badDate.status, 400)
    const unknown = await hub.call('/v1/edocs/00000000-0000-4000-8000-000000000000')
    t.equal(unknown.status, 404)
    const notUuid = await hub.call('/v1/edocs/not-a-uuid')
    t.equal(notUuid.status, 400)
  })

  await t.test('a recipient the axis does not know: dead-lettered with its reason, replayable', async (t) => {
    const sent = await hub.call('/v1/edocs', { body: edocBody({ to: [{ organId: '000.00.00.G99', organName: 'Nobody' }] }) })
    t.equal(sent.status, 202)
    const view = await waitFor('dead', async () => {
      const r = await hub.call(`/v1/edocs/${sent.body.id}`)
      return r.body.sending?.state === 'dead' ? r.body : undefined
    })
    t.match(view.sending.lastError, /rejected/)
    const dead = await hub.call('/admin/dead-letters?target=document-axis')
    t.ok(dead.body.items.some((d: any) => d.dossierCode === `edoc-${sent.body.id}` && d.kind === 'message'), 'listed with the other dead letters')
  })

  await t.test('the axis down for a while: retried, then delivered once', async (t) => {
    await simJson('/__sim/faults', { status: 503, count: 2 })
    const sent = await hub.call('/v1/edocs', { body: edocBody({ to: [{ organId: SANDBOX_AXIS.ministry.organId, organName: SANDBOX_AXIS.ministry.name }] }) })
    t.equal(sent.status, 202)
    const view = await waitFor('delivered', async () => {
      const r = await hub.call(`/v1/edocs/${sent.body.id}`)
      return r.body.sending?.state === 'delivered' ? r.body : undefined
    })
    t.ok(view.sending.attempts >= 2, `attempts ${view.sending.attempts}`)
    const onAxis = ((await simJson('/__sim/sent')).body as Array<{ documentId: string; messageType: string }>).filter((s) => s.messageType === 'edoc' && s.documentId === sent.body.documentId)
    t.equal(onAxis.length, 1, 'the axis holds it once')
  })

  await t.test('receiving: a document from G22 is stored, acknowledged, emitted, its files served; a status goes back', async (t) => {
    const file = randomBytes(300)
    const delivered = await simJson('/__sim/deliver', {
      fromSystem: SANDBOX_AXIS.governmentOffice.systemId,
      edoc: {
        header: {
          from: G22, to: [{ organId: SANDBOX_PROVINCE_UNIT, organName: 'Trung tâm Phục vụ hành chính công' }],
          code: { number: `77${randomBytes(2).toString('hex')}`, notation: 'VPCP-KSTT' }, promulgation: { place: 'Hà Nội', date: '2026-11-20' },
          documentType: { type: '1', typeName: 'Công văn' }, subject: 'Đôn đốc số hóa hồ sơ, kết quả giải quyết TTHC', signer: { fullName: 'Trần Thị Bình' },
        },
        attachments: [{ contentId: 'f1', contentType: 'application/octet-stream', name: 'phu-luc.bin', data: file.toString('base64') }],
      },
    })
    t.equal(delivered.status, 200, JSON.stringify(delivered.body))
    const event = await waitFor('edoc.received', async () => receiver.received.find((d: any) => d.type === 'edoc.received' && d.body.data.subject.startsWith('Đôn đốc')))
      .catch((err) => {
        for (const line of hub.logs.filter((l) => /"level":(40|50)/.test(l)).slice(-10)) t.comment(line.slice(0, 600))
        throw err
      })
    const data = (event as any).body.data
    t.ok(Value.Check(EdocReceivedEvent, data), 'the payload matches its published schema')
    t.equal(data.agencyCode, SANDBOX_PROVINCE_UNIT)
    t.equal(data.from.organId, G22.organId)
    t.equal(data.attachments[0].size, 300)
    const mailbox = await waitFor('acknowledged', async () => {
      const m = (await simJson(`/__sim/mailbox/${SANDBOX_AXIS.province.systemId}`)).body
      return m.entries.find((e: any) => e.docId === delivered.body.docId)?.acknowledged ? m : undefined
    })
    t.ok(mailbox)
    const view = await hub.call(`/v1/edocs/${data.edocId}`)
    t.match(view.body, { direction: 'incoming', from: G22.organId, to: [SANDBOX_PROVINCE_UNIT] })
    const got = await fetch(`${hub.url}${data.attachments[0].url}`, { headers: { authorization: 'Bearer lgsp-demo-key-0000-not-a-secret' } })
    t.ok(Buffer.from(await got.arrayBuffer()).equals(file), 'the file comes back byte for byte')

    const wrongWay = await hub.call(`/v1/edocs/${data.edocId}/status`, { body: { statusCode: '99' } })
    t.equal(wrongWay.status, 400)
    const reported = await hub.call(`/v1/edocs/${data.edocId}/status`, { body: { statusCode: '03', description: 'Đã tiếp nhận' } })
    t.equal(reported.status, 202)
    const back = await waitFor('status on the axis', async () => ((await simJson('/__sim/sent')).body as any[]).find((s) => s.messageType === 'status' && s.documentId === data.documentId && s.statusCode === '03'))
    t.equal(back.from, SANDBOX_PROVINCE_UNIT)
    const after = await waitFor('status delivered', async () => {
      const r = await hub.call(`/v1/edocs/${data.edocId}`)
      return r.body.statuses.find((s: any) => s.direction === 'outgoing' && s.delivery?.state === 'delivered') ? r.body : undefined
    })
    t.match(after.statuses.find((s: any) => s.direction === 'outgoing'), { statusCode: '03', from: SANDBOX_PROVINCE_UNIT })
  })
})
