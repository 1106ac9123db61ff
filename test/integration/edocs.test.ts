/**
 * The document axis end to end over real HTTP: the hub sends a document to a remote agency of the
 * axis simulator, the simulator (as that agency) answers 01, 03, 05, 06, and the hub shows all four
 * on GET /v1/edocs/{id} and delivers them as events, in order. Also: receiving a document and its
 * files, reporting a status back, idempotent sends, bad input, refusals dead-lettered, an outage.
 */
import t from 'tap'
import { createServer } from 'node:http'
import { randomBytes, randomUUID } from 'node:crypto'
import { startTestHub, DEMO_KEY, type TestHub } from '../helpers/hub.js'
import { startReceiver, type Receiver } from '../helpers/receiver.js'
import { waitFor } from '../helpers/dossier.js'
import { Value } from 'typebox/value'
import { SANDBOX_AXIS, SANDBOX_PROVINCE_UNIT } from '../../connectors/document-axis/simulator.js'
import { EdocReceivedEvent, EdocStatusChangedEvent } from '../../schemas/api/edocs.js'
import { edocBody, G22, ONE_STOP } from '../helpers/edocs.js'
import { signHeaders } from '../../connectors/document-axis/wire.js'

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
    edocs: { pollEveryMs: 200, bodyLimitBytes: 64 * 1024, fetch: { maxBytes: 1024, timeoutMs: 2000 }, delivery: { retry: { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 400 } } },
    subscribers: [{ name: 'kontum-one-stop', url: `${receiver.url}/hooks`, secrets: [ONE_STOP], agencies: ['*.H34'] }],
    webhooks: { scheduleMs: [0, 200, 200, 300] },
    sync: { reconcileEveryMs: 300, staleAfterMs: 1000 },
  }, { listen: true }) // downloads check what reaches a client over HTTP: headers as serialized, odd URLs as a client sends them
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

  await t.test('the routes are in the OpenAPI document under their tag', async (t) => {
    const doc = (await hub.call('/openapi.json')).body
    t.same(doc.paths['/v1/edocs'].post.tags, ['edocs'])
    t.ok(doc.paths['/v1/edocs/{id}'].get)
    t.ok(doc.paths['/v1/edocs/{id}/status'].post)
    t.ok(doc.tags.some((tag: any) => tag.name === 'edocs'))
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
    t.match(missing.body, { code: 'ATTACHMENT_UNAVAILABLE', detail: /could not be fetched: the server could not be reached or did not answer with the file/ }, 'the same words as for a closed port')
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
        attachments: [{ contentId: `phu-luc-${'x'.repeat(150)}@vpcp.gov.vn`, contentType: 'application/octet-stream', name: 'phu-luc.bin', data: file.toString('base64') }],
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
    t.match(await (await fetch(`${hub.url}/metrics`)).text(), /lgsp_edocs_polled_total\{outcome="acknowledged"\} [1-9]/, 'polls are counted')
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

  /** A document G22 sends to `to` (default: the province's one-stop unit); resolves with its edoc.received event. */
  async function deliverFromG22(to: Array<{ organId: string; organName: string }>, attachments: unknown[] = []) {
    const number = `88${randomBytes(3).toString('hex')}`
    const delivered = await simJson('/__sim/deliver', {
      fromSystem: SANDBOX_AXIS.governmentOffice.systemId,
      edoc: {
        header: {
          from: G22, to, code: { number, notation: 'VPCP-KSTT' }, promulgation: { place: 'Hà Nội', date: '2026-11-21' },
          documentType: { type: '1', typeName: 'Công văn' }, subject: `Văn bản thử ${number}`, signer: { fullName: 'Trần Thị Bình' },
        },
        attachments,
      },
    })
    if (delivered.status !== 200) throw new Error(`deliver: ${JSON.stringify(delivered.body)}`)
    const event = await waitFor(`edoc.received ${number}`, async () => receiver.received.find((d: any) => d.type === 'edoc.received' && d.body.data.code === `${number}/VPCP-KSTT`))
    return (event as any).body.data
  }
  const UNIT = { organId: SANDBOX_PROVINCE_UNIT, organName: 'Trung tâm Phục vụ hành chính công' }
  const G09 = { organId: SANDBOX_AXIS.ministry.organId, organName: SANDBOX_AXIS.ministry.name }

  await t.test('signatures in the sandbox: G22 signs, the hub verifies (event and view); the hub signs, the axis verifies; a tampered copy is invalid and flagged', async (t) => {
    const zip = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), randomBytes(60)])
    const data = await deliverFromG22([UNIT], [
      { contentId: 'z', contentType: 'application/pdf', name: 'quyet-dinh.doc', data: zip.toString('base64') },
      { contentId: 'm', contentType: 'application/zip', manifestContentType: 'application/pdf', name: 'PHU-LUC.PDF', fieldName: 'phuLuc', data: zip.toString('base64') },
    ])
    t.match(data.attachments, [{ contentType: 'application/pdf', detectedType: 'application/zip' }, {}], 'a ZIP labelled PDF, named .doc: the bytes say what it is')
    t.match(data.attachments[1], { contentType: 'application/zip', manifestContentType: 'application/pdf', fieldName: 'phuLuc', detectedType: 'application/zip' }, 'what the manifest says is kept too')
    t.notOk('manifestContentType' in data.attachments[0], 'only when it differs')
    t.match(data.signature, { status: 'valid', flagged: false, signer: { subject: /^CN=Văn phòng Chính phủ \(sandbox\) \(TEST\), OU=000\.00\.00\.G22/, issuer: /TEST CA/ } })
    t.ok(Value.Check(EdocReceivedEvent, data), 'the event with its verdict matches its schema')
    t.match((await hub.call(`/v1/edocs/${data.edocId}`)).body, {
      signature: { status: 'valid', flagged: false }, header: { documentId: data.documentId },
      attachments: [{ detectedType: 'application/zip' }, { manifestContentType: 'application/pdf', fieldName: 'phuLuc', detectedType: 'application/zip' }],
    })
    t.ok(((await simJson('/__sim/sent')).body as any[]).filter((s) => s.fromSystem === SANDBOX_AXIS.province.systemId).every((s) => s.signature === 'valid'), 'every package the hub sent verified on the axis')

    // The signed package as the axis holds it, changed after signing and delivered again (raw, as it is).
    const own = SANDBOX_AXIS.province
    const params: Array<[string, string]> = [['docId', ((await simJson(`/__sim/mailbox/${own.systemId}`)).body.entries as any[]).find((e) => e.messageType === 'edoc' && e.acknowledged)!.docId]]
    const got = await fetch(`${sim}/getEdoc`, { method: 'POST', body: '{}', headers: signHeaders({ systemId: own.systemId, secret: own.secret, contentType: 'application/json', params }) })
    const signed = Buffer.from(((await got.json()) as { data: string }).data, 'base64').toString('utf8')
    t.match(signed, /<Signature xmlns="http:\/\/www.w3.org\/2000\/09\/xmldsig#">/)
    const number = /<edXML:CodeNumber>([^<]+)</.exec(signed)![1]!
    const tampered = signed.replaceAll(number, `${number}x`)
    t.equal((await fetch(`${sim}/__sim/deliver`, { method: 'POST', body: tampered, headers: { 'content-type': 'application/xml' } })).status, 200)
    const event = await waitFor('the tampered copy', async () => receiver.received.find((d: any) => d.type === 'edoc.received' && d.body.data.code === `${number}x/VPCP-KSTT`))
    t.match((event as any).body.data.signature, { status: 'invalid', flagged: true, reason: /does not match/, signer: { subject: /G22/ } })
    t.match((await hub.call(`/v1/edocs/${(event as any).body.data.edocId}`)).body, { signature: { status: 'invalid', flagged: true, reason: /does not match/ } }, 'the view shows the verdict too')
  })

  await t.test('a document to 120 agencies of the province: 120 events, each listing at most 50 recipients (linear, not N²)', async (t) => {
    const to = Array.from({ length: 120 }, (_, i) => ({ organId: `000.${String(10 + Math.floor(i / 10)).padStart(2, '0')}.${String(10 + (i % 10))}.H34`, organName: `Đơn vị ${i}` }))
    const first = await deliverFromG22(to)
    const events = await waitFor('120 events', async () => {
      const all = receiver.received.filter((d: any) => d.type === 'edoc.received' && d.body.data.edocId === first.edocId)
      return all.length === 120 ? all : undefined
    }, 30_000)
    t.strictSame(new Set(events.map((e: any) => e.body.data.agencyCode)).size, 120, 'one per agency')
    t.ok(events.every((e: any) => e.body.data.to.length === 50 && e.body.data.toCount === 120), 'each lists 50 of 120')
    t.equal((await hub.call(`/v1/edocs/${first.edocId}`)).body.to.length, 120, 'the view has them all')
  })

  await t.test('odd bodies are a 4xx problem, never a 5xx', async (t) => {
    const cases: Array<[string, unknown, number]> = [
      ['over edocs.bodyLimitBytes', edocBody({ attachments: [{ name: 'a.bin', contentType: 'application/octet-stream', data: randomBytes(60 * 1024).toString('base64') }] }), 413],
      ['base64 of a length no encoder makes', edocBody({ attachments: [{ name: 'a', contentType: 'text/plain', data: 'YWJjZ' }] }), 400],
      ['padding only', edocBody({ attachments: [{ name: 'a', contentType: 'text/plain', data: '==' }] }), 400],
      ['base64url', edocBody({ attachments: [{ name: 'a', contentType: 'text/plain', data: 'a-_b' }] }), 400],
      ['a number with "/" makes the document id ambiguous', edocBody({ code: { number: `1/${randomBytes(2).toString('hex')}`, notation: 'UBND' } }), 400],
      ['NUL in the subject', edocBody({ subject: 'a\u0000b' }), 400],
      ['a lone surrogate in a file name', edocBody({ attachments: [{ name: 'a\ud800.pdf', contentType: 'application/pdf', data: 'YQ==' }] }), 400],
      ['an array', [edocBody()], 400],
      ['not JSON', '{"to": [', 400],
    ]
    for (const [what, body, status] of cases) {
      const r = await hub.call('/v1/edocs', { body })
      t.equal(r.status, status, `${what}: ${JSON.stringify(r.body).slice(0, 300)}`)
      t.equal(r.headers.get('content-type'), 'application/problem+json; charset=utf-8', what)
    }
    const sent = await hub.call('/v1/edocs', { body: edocBody() })
    const onSent = await hub.call(`/v1/edocs/${sent.body.id}/status`, { body: { statusCode: '03' } })
    t.equal(onSent.status, 400, 'a status on a document the province sent')
    const unknown = await hub.call(`/v1/edocs/${randomUUID()}/status`, { body: { statusCode: '03' } })
    t.equal(unknown.status, 404)
    t.equal(unknown.body.code, 'NOT_FOUND')
  })

  await t.test('files with unicode names, odd content ids and content types download intact', async (t) => {
    const files = [
      { contentId: 'tệp/1 ?#%', name: "Tờ trình (số 1) 'mật' \"bản\".pdf", contentType: 'application/pdf', data: randomBytes(40) },
      { contentId: 'c2', name: 'trang.html', contentType: 'text/html\nx-injected: 1', data: Buffer.from('<script>alert(1)</script>') },
      { contentId: 'c3', name: 'ghi-chú.txt', contentType: 'text/plain; charset=utf-8; tên=tệp', data: Buffer.from('ghi chú') },
    ]
    const data = await deliverFromG22([UNIT], files.map((f) => ({ ...f, data: f.data.toString('base64') })))
    t.same(data.attachments.map((a: any) => a.contentId), files.map((f) => f.contentId))
    for (const [i, f] of files.entries()) {
      const res = await fetch(`${hub.url}${data.attachments[i].url}`, { headers: { authorization: `Bearer ${DEMO_KEY}` } })
      t.equal(res.status, 200, `${f.contentId.slice(0, 20)}: ${res.status}`)
      if (res.status !== 200) continue
      t.ok(Buffer.from(await res.arrayBuffer()).equals(f.data), 'byte for byte')
      t.equal(res.headers.get('x-content-type-options'), 'nosniff')
      const disposition = res.headers.get('content-disposition') ?? ''
      const star = /filename\*=UTF-8''([^;\s]+)/.exec(disposition)?.[1] ?? ''
      t.notMatch(star, /['()*]/, 'RFC 8187 value: no quote, parenthesis or star left unencoded')
      t.equal(decodeURIComponent(star), f.name)
      t.match(disposition, /^attachment; filename="[\x20-\x7e]+"; filename\*=/, 'an ASCII fallback for old clients')
    }
    for (const odd of ['%E0%A4%A', '%00', 'x'.repeat(300), '..%2F..%2Fetc%2Fpasswd']) {
      const res = await fetch(`${hub.url}/v1/edocs/${data.edocId}/attachments/${odd}`, { headers: { authorization: `Bearer ${DEMO_KEY}` } })
      t.ok(res.status >= 400 && res.status < 500, `content id ${odd.slice(0, 20)}: ${res.status}`)
    }
    const html = await fetch(`${hub.url}${data.attachments[1].url}`, { headers: { authorization: `Bearer ${DEMO_KEY}` } })
    t.equal(html.headers.get('content-type'), 'application/octet-stream', 'a content type that cannot be a header is served as bytes')
    t.equal(html.headers.get('x-injected'), null)
  })

  await t.test('a status defaults to a recipient in the province, even when a foreign one comes first', async (t) => {
    const data = await deliverFromG22([G09, UNIT])
    const reported = await hub.call(`/v1/edocs/${data.edocId}/status`, { body: { statusCode: '01' } })
    t.equal(reported.status, 202, JSON.stringify(reported.body))
    const foreign = await hub.call(`/v1/edocs/${data.edocId}/status`, { body: { statusCode: '01', from: G09.organId } })
    t.equal(foreign.status, 400, 'a recipient outside the province cannot report through the hub')
    const view = await hub.call(`/v1/edocs/${data.edocId}`)
    t.same(view.body.statuses.map((s: any) => [s.direction, s.statusCode, s.from]), [['outgoing', '01', SANDBOX_PROVINCE_UNIT]])
  })

  await t.test('a status sent again (a client retry) is queued once', async (t) => {
    const data = await deliverFromG22([UNIT])
    const body = { statusCode: '03', description: 'Đã tiếp nhận', staff: { staff: 'Nguyễn Thị C' } }
    const first = await hub.call(`/v1/edocs/${data.edocId}/status`, { body })
    t.equal(first.status, 202)
    const again = await hub.call(`/v1/edocs/${data.edocId}/status`, { body })
    t.equal(again.status, 200)
    t.same(again.body, { statusId: first.body.statusId, outcome: 'unchanged' })
    const next = await hub.call(`/v1/edocs/${data.edocId}/status`, { body: { ...body, statusCode: '05', description: 'Đang xử lý' } })
    t.equal(next.status, 202, 'another status is new')
    const back = await hub.call(`/v1/edocs/${data.edocId}/status`, { body })
    t.equal(back.status, 202, 'the earlier status again after another one is a new report')
    await waitFor('statuses delivered', async () => {
      const r = await hub.call(`/v1/edocs/${data.edocId}`)
      return r.body.statuses.every((s: any) => s.delivery?.state === 'delivered') ? r.body : undefined
    })
    const onAxis = ((await simJson('/__sim/sent')).body as any[]).filter((s) => s.messageType === 'status' && s.documentId === data.documentId)
    t.same(onAxis.map((s) => s.statusCode), ['03', '05', '03'], 'each report once, in order')
  })

  await t.test('a status packet on a document the hub never sent: stored, emitted unlinked, acknowledged', async (t) => {
    const documentId = `000.00.00.H34,2020/01/02,${randomBytes(3).toString('hex')}/UBND-VP`
    const injected = await simJson('/__sim/status', {
      fromSystem: SANDBOX_AXIS.governmentOffice.systemId,
      status: { responseFor: { organId: '000.00.00.H34', code: 'x/UBND-VP', promulgationDate: '2020-01-02', documentId }, from: G22, statusCode: '03', description: 'Đã tiếp nhận' },
    })
    t.equal(injected.status, 200, JSON.stringify(injected.body))
    const event = await waitFor('edoc.status_changed', async () => receiver.received.find((d: any) => d.type === 'edoc.status_changed' && d.body.data.documentId === documentId))
    const data = (event as any).body.data
    t.ok(Value.Check(EdocStatusChangedEvent, data), 'matches its schema')
    t.equal(data.edocId, null)
    t.equal(data.agencyCode, '000.00.00.H34')
    await waitFor('acknowledged', async () => ((await simJson(`/__sim/mailbox/${SANDBOX_AXIS.province.systemId}`)).body.entries as any[]).find((e) => e.docId === injected.body.docId)?.acknowledged)
  })

  await t.test('no secret and no document content in the logs', async (t) => {
    const logs = hub.logs.join('')
    t.notOk(logs.includes(SANDBOX_AXIS.province.secret), 'the axis secret')
    t.notOk(logs.includes('V/v báo cáo kết quả giải quyết'), 'a subject')
    t.notOk(logs.includes(Buffer.from('%PDF-1.7 công văn').toString('base64')), 'a file')
    t.notOk(logs.includes('<edXML:'), 'a package')
  })
})
