/**
 * The document axis simulator over plain HTTP with the SDK's signed calls (XroadVnpt-* headers): routing to mailboxes and the
 * remote agencies' status answers, signature refusals, refused packages and recipients, the
 * list/get/ack cycle, control routes, fault injection, and a close() that does not hang.
 */
import t, { type Test } from 'tap'
import {
  SANDBOX_AXIS, SANDBOX_PROVINCE_UNIT, startDocumentAxisSimulator, type DocumentAxisSimulator, type SimulatorOptions,
} from '../../../connectors/document-axis/simulator.js'
import { buildEdoc, buildStatus, parseEdoc, parseStatus } from '../../../connectors/document-axis/edxml.js'
import { documentIdOf, EdxmlError, type Edoc, type Organ, type StatusPacket } from '../../../connectors/document-axis/model.js'
import { DEFAULT_PATHS, ERROR_CODES, hashFile, readReply, signHeaders, TRANSIENT_ERROR_CODES, type AxisReply, type ReceivedItem } from '../../../connectors/document-axis/wire.js'
import { waitFor, within } from '../upstream/fake-upstream.js'

type System = { systemId: string; secret: string; organId?: string }
const { province: H34, governmentOffice: G22, otherProvince: H20 } = SANDBOX_AXIS
const organ = (s: { organId: string; name: string }): Organ => ({ organId: s.organId, organName: s.name })

async function start(t: Test, options: SimulatorOptions = {}): Promise<DocumentAxisSimulator> {
  const sim = await startDocumentAxisSimulator({ autoReply: false, ...options })
  t.teardown(() => sim.close())
  return sim
}

function edoc(over: { from?: Organ; to?: Organ[]; number?: string; subject?: string } = {}): Edoc {
  const from = over.from ?? organ(H34)
  const number = over.number ?? '123'
  return {
    header: {
      from,
      to: over.to ?? [organ(G22)],
      documentId: documentIdOf(from.organId, '2024-05-02', number, 'UBND-VP'),
      code: { number, notation: 'UBND-VP' },
      promulgation: { place: 'Kon Tum', date: '2024-05-02' },
      documentType: { type: '1', typeName: 'Công văn' },
      subject: over.subject ?? 'Về việc thử nghiệm trục liên thông văn bản',
      signer: { fullName: 'Nguyễn Văn A', position: 'Chủ tịch' },
      trace: [],
      business: { docType: 'new' },
    },
    attachments: [{ contentId: 'att1', contentType: 'application/pdf', name: 'cong-van.pdf', data: Buffer.from('%PDF-1.4 sandbox') }],
  }
}

interface CallOptions { system?: System; headers?: Record<string, string>; signal?: AbortSignal }
type Params = Array<[string, string]>

/** One call as the SDK makes it: parameters as signed XroadVnpt-* headers, the body empty, `{}` or the file. */
async function call(sim: DocumentAxisSimulator, path: string, params: Params, body: string | Buffer = '', o: CallOptions = {}) {
  const system = o.system ?? H34
  const signed = signHeaders({ systemId: system.systemId, secret: system.secret, params, contentType: typeof body === 'string' ? 'application/json' : 'application/octet-stream' })
  const res = await fetch(`${sim.url}${path}`, { method: 'POST', body: typeof body === 'string' ? body : new Uint8Array(body), headers: { ...signed, ...o.headers }, ...(o.signal && { signal: o.signal }) })
  const raw = Buffer.from(await res.arrayBuffer())
  return { status: res.status, type: res.headers.get('content-type') ?? '', raw, text: raw.toString('utf8') }
}

async function api(sim: DocumentAxisSimulator, path: string, params: Params, o: CallOptions = {}): Promise<{ status: number; reply: AxisReply }> {
  const r = await call(sim, path, params, '{}', o)
  return { status: r.status, reply: JSON.parse(r.text) as AxisReply }
}

/** sendEdoc: the file + CRLF as octet-stream, `hash-file` over the file (or as given). */
function sendPackage(sim: DocumentAxisSimulator, pkg: Buffer | string, messageType: string, o: CallOptions & { hash?: string; from?: string } = {}) {
  const file = Buffer.from(pkg)
  const params: Params = [['from', o.from ?? (o.system ?? H34 as { organId?: string }).organId ?? H34.organId], ['servicetype', 'eDoc'], ['messagetype', messageType], ['hash-file', o.hash ?? hashFile(file)]]
  return call(sim, DEFAULT_PATHS.send, params, Buffer.concat([file, Buffer.from('\r\n')]), o).then((r) => ({ status: r.status, reply: JSON.parse(r.text) as AxisReply }))
}

const list = (sim: DocumentAxisSimulator, messageType?: string, system: System = H34) =>
  api(sim, DEFAULT_PATHS.listReceived, [['servicetype', 'eDoc'], ...(messageType ? [['messagetype', messageType] as [string, string]] : [])], { system }).then((r) => (r.reply.data ?? r.reply) as ReceivedItem[])
/** getEdoc: JSON with the package as base64 `data`. */
const getEdoc = (sim: DocumentAxisSimulator, docId: string, system: System = H34) =>
  api(sim, DEFAULT_PATHS.get, [['docId', docId], ['filePath', '']], { system }).then((r) => ({ ...r, raw: Buffer.from(typeof r.reply.data === 'string' ? r.reply.data : '', 'base64') }))
const ack = (sim: DocumentAxisSimulator, docId: string, system: System = H34, status = 'done') => api(sim, DEFAULT_PATHS.updateStatus, [['docId', docId], ['status', status]], { system })
const control = (sim: DocumentAxisSimulator, method: string, route: string, body?: unknown) =>
  fetch(`${sim.url}${route}`, { method, ...(body !== undefined && { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) })
    .then(async (r) => ({ status: r.status, json: (await r.json()) as Record<string, unknown> }))

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

t.test('a document from the province to G22: OK with a DocId, in G22\'s mailbox, answered 01, 03, 05, 06 into the province\'s', async (t) => {
  const sim = await start(t, { autoReply: { stepMs: 5 } })
  const doc = edoc()
  const sent = await sendPackage(sim, buildEdoc(doc), 'edoc')
  t.equal(sent.status, 200)
  t.match(sent.reply, { status: 'OK', ErrorCode: '0', DocId: UUID })
  const docId = sent.reply.DocId as string

  const inbox = await list(sim, 'edoc', G22)
  t.match(inbox, [{ docId, messageType: 'edoc', from: H34.organId, to: G22.organId, serviceType: 'eDoc', status: 'initial' }])
  t.equal(inbox.length, 1)
  const fetched = await getEdoc(sim, docId, G22)
  t.match(fetched.reply, { status: 'OK', ErrorCode: '0', data: /^[A-Za-z0-9+/]+=*$/ })
  t.strictSame(parseEdoc(fetched.raw), parseEdoc(buildEdoc(doc)), 'the stored package is the one sent')

  await waitFor(() => sim.mailbox(H34.systemId).counts.total === 4, 2000, 'four status packets')
  const statuses = await list(sim, 'status')
  t.strictSame(statuses.map((s) => [s.messageType, s.from, s.to]), Array(4).fill(['status', G22.organId, H34.organId]))
  const packets = await Promise.all(statuses.map(async (s) => parseStatus((await getEdoc(sim, s.docId)).raw)))
  t.strictSame(packets.map((p) => p.statusCode), ['01', '03', '05', '06'], 'in order')
  for (const p of packets) {
    t.strictSame(p.responseFor, { organId: H34.organId, code: '123/UBND-VP', promulgationDate: '2024-05-02', documentId: doc.header.documentId })
    t.equal(p.from.organId, G22.organId)
  }
  t.strictSame(await list(sim, 'edoc'), [], 'no documents for the province')
  t.strictSame(sim.sent().map((r) => [r.via, r.fromSystem, r.messageType, r.statusCode ?? r.subject]), [
    ['api', H34.systemId, 'edoc', doc.header.subject],
    ...['01', '03', '05', '06'].map((c) => ['auto-reply', G22.systemId, 'status', c]),
  ])
  t.match(sim.stats(), { accepted: { edoc: 1, status: 4 }, autoReplies: 4, autoReplyFailures: 0, refused: 0 })
})

t.test('signed headers: a wrong secret, an unknown system, a parameter changed after signing, no headers → 401 FAIL', async (t) => {
  const sim = await start(t)
  const path = DEFAULT_PATHS.listReceived
  const params: Params = [['servicetype', 'eDoc'], ['messagetype', 'edoc']]
  const refused = async (r: Promise<{ status: number; text: string }>, desc: string) => {
    const { status, text } = await r
    t.strictSame([status, JSON.parse(text)], [401, { status: 'FAIL', ErrorCode: ERROR_CODES.badSignature, ErrorDesc: desc }], desc)
  }
  await refused(call(sim, path, params, '', { system: { systemId: H34.systemId, secret: 'wrong' } }), 'XroadVnpt-hash-header does not match')
  await refused(call(sim, path, params, '', { system: { systemId: 'nobody', secret: 'x' } }), 'system nobody is not registered')
  await refused(call(sim, path, params, '', { headers: { 'XroadVnpt-messagetype': 'status' } }), 'header XroadVnpt-messagetype is missing or differs from the signed value')
  await refused(fetch(`${sim.url}${path}`, { method: 'POST', body: '' }).then(async (r) => ({ status: r.status, text: await r.text() })), 'XroadVnpt-sign-header and XroadVnpt-hash-header are required')
  t.equal((await call(sim, path, params, '', { system: G22 })).status, 200, 'a remote system signs with its own secret')
  t.equal((await call(sim, `${path}?x=1`, params)).status, 200, 'the query is not signed')
  t.match(sim.stats(), { requests: 6, signatureRefused: 4 })
})

t.test('sendEdoc refusals: unparsable package, unknown recipient, a From not owned, a bad messagetype — FAIL with 200', async (t) => {
  const sim = await start(t)
  const pkg = buildEdoc(edoc()).toString('utf8')
  const noSubject = pkg.replace(/<([\w.-]+:)?Subject>[\s\S]*?<\/([\w.-]+:)?Subject>/, '')
  t.not(noSubject, pkg, 'the fixture has a Subject to remove')
  let expected: EdxmlError | undefined
  try {
    parseEdoc(noSubject)
  } catch (err) {
    expected = err as EdxmlError
  }
  t.ok(expected instanceof EdxmlError, 'edxml.ts refuses a document without Subject')
  const bad = await sendPackage(sim, noSubject, 'edoc')
  t.equal(bad.status, 200)
  t.match(bad.reply, { status: 'FAIL', ErrorCode: ERROR_CODES.badRequest, ErrorDesc: expected?.message })
  t.match(bad.reply.ErrorDesc, /Subject/, 'the element is named')
  t.match((await sendPackage(sim, 'not xml at all', 'edoc')).reply, { status: 'FAIL', ErrorCode: ERROR_CODES.badRequest })
  t.match((await sendPackage(sim, pkg, 'status')).reply, { status: 'FAIL', ErrorCode: ERROR_CODES.badRequest }, 'a document sent as a status packet')

  const unknown = await sendPackage(sim, buildEdoc(edoc({ to: [organ(G22), { organId: '000.00.00.G99', organName: 'Nobody' }] })), 'edoc')
  t.strictSame(unknown.reply, { status: 'FAIL', ErrorCode: ERROR_CODES.unknownAgency, ErrorDesc: 'recipient organ 000.00.00.G99 is not registered on the axis' })
  const foreign = await sendPackage(sim, buildEdoc(edoc({ from: organ(G22), to: [organ(H20)] })), 'edoc')
  t.match(foreign.reply, { status: 'FAIL', ErrorCode: ERROR_CODES.badRequest, ErrorDesc: /^From organ 000\.00\.00\.G22 does not belong to system sandbox-h34/ })
  t.match((await sendPackage(sim, pkg, 'letter')).reply, { status: 'FAIL', ErrorDesc: 'the messagetype header must be "edoc" or "status"' })
  t.strictSame((await sendPackage(sim, pkg, 'edoc', { hash: hashFile(Buffer.from('other')) })).reply, { status: 'FAIL', ErrorCode: ERROR_CODES.badRequest, ErrorDesc: 'hash-file does not match the file' })
  t.strictSame(sim.sent(), [], 'nothing was routed')
  t.strictSame(await list(sim, undefined, G22), [])
  t.equal(sim.stats().refused, 7)

  const unit = await sendPackage(sim, buildEdoc(edoc({ from: { organId: SANDBOX_PROVINCE_UNIT, organName: 'Trung tâm' } })), 'edoc', { from: SANDBOX_PROVINCE_UNIT })
  t.equal(unit.reply.status, 'OK', 'a province unit sends as the province system')
})

t.test('list / get / ack: oldest first, type filter, acked items leave the list, ack idempotent, others\' documents not found', async (t) => {
  const sim = await start(t)
  const first = sim.deliver(edoc({ from: organ(G22), to: [organ(H34)], number: '1' }))
  const second = sim.deliver(edoc({ from: organ(G22), to: [{ organId: SANDBOX_PROVINCE_UNIT, organName: 'Trung tâm' }, organ(H34)], number: '2' }))
  const items = await list(sim)
  t.strictSame(items.map((i) => [i.docId, i.to]), [[first.docId, H34.organId], [second.docId, `${SANDBOX_PROVINCE_UNIT},${H34.organId}`]])
  t.match(items[0], { serviceType: 'eDoc', messageType: 'edoc', from: G22.organId, status: 'initial', created_time: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00$/ })
  t.strictSame(await list(sim, 'status'), [])
  t.match(await list(sim, 'fax'), { status: 'FAIL', ErrorCode: ERROR_CODES.badRequest })

  const got = await getEdoc(sim, first.docId)
  t.equal(got.status, 200)
  t.equal(parseEdoc(got.raw).header.code.number, '1')
  t.strictSame((await ack(sim, first.docId)).reply, { status: 'OK', ErrorCode: '0', ErrorDesc: '' })
  t.strictSame((await ack(sim, first.docId)).reply, { status: 'OK', ErrorCode: '0', ErrorDesc: '' }, 'idempotent')
  t.strictSame((await list(sim)).map((i) => i.docId), [second.docId], 'the acked item is no longer listed')
  t.match((await list(sim, undefined, G22)), [], 'nothing for G22')
  t.strictSame((await ack(sim, second.docId, H34, 'fail')).reply, { status: 'OK', ErrorCode: '0', ErrorDesc: '' }, '`fail` leaves it listed')
  t.strictSame((await list(sim)).map((i) => i.docId), [second.docId])
  t.equal((await getEdoc(sim, first.docId)).status, 200, 'an acked document can still be fetched')
  t.match((await ack(sim, second.docId, H34, 'read')).reply, { status: 'FAIL', ErrorCode: ERROR_CODES.badRequest })
  t.match((await ack(sim, 'no-such-doc')).reply, { status: 'FAIL', ErrorCode: ERROR_CODES.notFound })
  const foreign = await getEdoc(sim, second.docId, H20)
  t.strictSame([foreign.status, foreign.reply], [200, { status: 'FAIL', ErrorCode: ERROR_CODES.notFound, ErrorDesc: `document ${second.docId} is not in the mailbox of ${H20.systemId}` }])
  t.match((await ack(sim, second.docId, H20)).reply, { status: 'FAIL', ErrorCode: ERROR_CODES.notFound }, 'nor acked by another system')
  t.strictSame((await api(sim, DEFAULT_PATHS.get, [])).reply, { status: 'FAIL', ErrorCode: ERROR_CODES.badRequest, ErrorDesc: 'the docId header is required' })

  const box = sim.mailbox(H34.systemId)
  t.strictSame(box.counts, { total: 2, pending: 1, acknowledged: 1 })
  t.strictSame(box.entries.map((e) => [e.docId, e.acknowledged, e.status]), [[first.docId, true, 'done'], [second.docId, false, 'initial']])
  t.match(sim.stats(), { listed: 5, fetched: 2, acknowledged: 1 })
  const sent = (await api(sim, DEFAULT_PATHS.listSent, [['servicetype', 'eDoc'], ['messagetype', 'edoc']], { system: G22 })).reply
  t.match(sent, { status: 'OK', data: [{ senderDocId: first.docId, fromCode: G22.organId, toCode: H34.organId, receiveStatus: 'done', messageType: 'edoc' }, { senderDocId: second.docId, receiveStatus: 'initial' }] })
})

t.test('status packets from the province: routed to the original sender\'s system', async (t) => {
  const sim = await start(t)
  const incoming = edoc({ from: organ(G22), to: [organ(H34)] })
  sim.deliver(incoming)
  const h = incoming.header
  const packet: StatusPacket = {
    responseFor: { organId: G22.organId, code: `${h.code.number}/${h.code.notation}`, promulgationDate: h.promulgation.date, documentId: h.documentId },
    from: organ(H34), statusCode: '01', timestamp: '2024-05-02T10:00:00+07:00',
  }
  const sent = await sendPackage(sim, buildStatus(packet), 'status')
  t.equal(sent.reply.status, 'OK')
  const inbox = await list(sim, 'status', G22)
  t.strictSame(inbox.map((i) => [i.docId, i.messageType, i.from, i.to]), [[sent.reply.DocId, 'status', H34.organId, G22.organId]])
  t.equal(parseStatus((await getEdoc(sim, inbox[0]!.docId, G22)).raw).statusCode, '01')
  const lost = await sendPackage(sim, buildStatus({ ...packet, responseFor: { ...packet.responseFor, organId: '000.00.00.G98' } }), 'status')
  t.match(lost.reply, { status: 'FAIL', ErrorCode: ERROR_CODES.unknownAgency, ErrorDesc: /000\.00\.00\.G98/ })
  t.match(sim.sent().at(-1), { messageType: 'status', fromSystem: H34.systemId, via: 'api', to: [G22.organId], statusCode: '01', documentId: h.documentId })
})

t.test('control routes: deliver (JSON with base64 attachments, or raw), status, mailbox, sent, agencies, auto-reply', async (t) => {
  const sim = await start(t)
  const doc = edoc({ from: organ(H20), to: [organ(H34)] })
  const asJson = { ...doc, attachments: doc.attachments.map((a) => ({ ...a, data: a.data.toString('base64') })) }
  const delivered = await control(sim, 'POST', '/__sim/deliver', { fromSystem: H20.systemId, edoc: asJson })
  t.match(delivered, { status: 200, json: { docId: UUID } })
  const docId = delivered.json.docId as string
  t.strictSame((await list(sim)).map((i) => [i.docId, i.from]), [[docId, H20.organId]])
  t.strictSame(parseEdoc((await getEdoc(sim, docId)).raw).attachments[0]?.data, doc.attachments[0]?.data)

  const raw = await fetch(`${sim.url}/__sim/deliver`, { method: 'POST', body: new Uint8Array(buildEdoc(edoc({ from: organ(G22), to: [organ(H34)], number: '9' }))), headers: { 'content-type': 'application/xml' } })
  t.equal(raw.status, 200, 'a raw package, from the owner of its From')
  t.match(await control(sim, 'POST', '/__sim/deliver', { fromSystem: 'nobody', edoc: asJson }), { status: 400, json: { error: 'system nobody is not registered', code: ERROR_CODES.unknownAgency } })
  t.match(await control(sim, 'POST', '/__sim/deliver', { fromSystem: G22.systemId, edoc: asJson }), { status: 400, json: { code: ERROR_CODES.badRequest } }, 'H20\'s document from G22')
  t.match(await control(sim, 'POST', '/__sim/deliver', { edoc: { header: asJson.header, attachments: [{ data: '%%%' }] } }), { status: 400, json: { error: /base64/ } })

  const status = await control(sim, 'POST', '/__sim/status', {
    status: { responseFor: { organId: H34.organId, code: '5/UBND-VP', promulgationDate: '2024-05-01', documentId: documentIdOf(H34.organId, '2024-05-01', '5', 'UBND-VP') }, from: organ(G22), statusCode: '02', description: 'Sai địa chỉ' },
  })
  t.match(status, { status: 200, json: { docId: UUID } })
  const statusItem = (await list(sim, 'status'))[0]
  t.match(parseStatus((await getEdoc(sim, statusItem!.docId)).raw), { statusCode: '02', description: 'Sai địa chỉ', from: { organId: G22.organId } })

  t.match(await control(sim, 'GET', `/__sim/mailbox/${H34.systemId}`), { status: 200, json: { systemId: H34.systemId, counts: { total: 3, pending: 3, acknowledged: 0 } } })
  t.equal((await control(sim, 'GET', '/__sim/mailbox/nobody')).status, 404)
  const sentRoute = (await control(sim, 'GET', '/__sim/sent')).json
  t.ok(Array.isArray(sentRoute), '/__sim/sent is a bare array')
  t.match(sentRoute, [{ docId, via: 'deliver', fromSystem: H20.systemId, to: [H34.organId], subject: doc.header.subject }, { via: 'deliver', fromSystem: G22.systemId }, { via: 'inject', statusCode: '02' }])

  const agencies = (await api(sim, DEFAULT_PATHS.agencies, [])).reply
  t.equal(agencies.status, 'OK')
  const data = agencies.data as Array<{ id: string; pid: string; code: string; name: string; mail: string; oldCode: string }>
  t.strictSame(data[0], { id: '1', pid: '', code: H34.organId, name: H34.name, mail: '', oldCode: '' }, 'the axis\'s shape: id, pid, code, name, mail, oldCode')
  t.ok(data.some((a) => a.code === G22.organId) && data.some((a) => a.code === SANDBOX_AXIS.ministry.organId) && data.some((a) => a.code === H20.organId))
  t.equal(data.find((a) => a.code === SANDBOX_PROVINCE_UNIT)?.pid, data.find((a) => a.code === '000.00.32.H34')?.id)

  t.strictSame(await control(sim, 'GET', '/__sim/auto-reply'), { status: 200, json: { autoReply: false } })
  t.strictSame(await control(sim, 'POST', '/__sim/auto-reply', { codes: ['01', '02'], stepMs: 1 }), { status: 200, json: { autoReply: { codes: ['01', '02'], stepMs: 1 } } })
  t.equal((await control(sim, 'POST', '/__sim/auto-reply', { codes: ['99'] })).status, 400)
  await sendPackage(sim, buildEdoc(edoc({ to: [organ(H20)] })), 'edoc')
  await waitFor(() => sim.mailbox(H34.systemId).counts.total === 5, 2000, 'two auto replies')
  t.strictSame(sim.sent().slice(-2).map((r) => r.statusCode), ['01', '02'])
  t.equal((await control(sim, 'GET', '/__sim/nope')).status, 404)
  t.equal((await fetch(`${sim.url}${DEFAULT_PATHS.send}`)).status, 405)
  t.equal((await fetch(`${sim.url}/elsewhere`, { method: 'POST' })).status, 404)
})

t.test('faults: hang until the client gives up, HTTP 503 with count, app faults (transient / refusal), malformed JSON and XML', async (t) => {
  const sim = await start(t)
  const body = ''
  const p: Params = [['servicetype', 'eDoc']]
  sim.setFaults({ hang: true, count: 1 })
  const hung = await call(sim, DEFAULT_PATHS.listReceived, p, body, { signal: AbortSignal.timeout(150) }).then(() => 'answered', (err: Error) => err.name)
  t.equal(hung, 'TimeoutError')
  await waitFor(() => sim.stats().inFlight === 0, 2000, 'the simulator seeing the socket closed')
  t.equal((await control(sim, 'POST', '/__sim/faults', { status: 503, count: 1 })).status, 200)
  const unavailable = await call(sim, DEFAULT_PATHS.listReceived, p, body)
  t.strictSame([unavailable.status, unavailable.text], [503, 'simulated HTTP 503\n'])
  t.equal((await call(sim, DEFAULT_PATHS.listReceived, p, body)).status, 200, 'count spent')

  await control(sim, 'POST', '/__sim/faults', { appFault: 'server', count: 2 })
  const busy = (await sendPackage(sim, buildEdoc(edoc()), 'edoc')).reply
  t.match(busy, { status: 'FAIL', ErrorCode: ERROR_CODES.busy })
  t.ok(TRANSIENT_ERROR_CODES.has(busy.ErrorCode as string), 'a transient code')
  t.match(readReply(JSON.stringify(busy)), { ok: false, error: { kind: 'unavailable' } })
  t.match((await api(sim, DEFAULT_PATHS.listReceived, p)).reply, { status: 'FAIL', ErrorCode: ERROR_CODES.busy })
  t.strictSame(sim.sent(), [], 'nothing routed while busy')
  t.equal((await api(sim, DEFAULT_PATHS.listReceived, p)).reply.status, 'OK', 'count spent')
  sim.setFaults({ appFault: 'client' })
  const refused = (await api(sim, DEFAULT_PATHS.listReceived, p)).reply
  t.match(refused, { status: 'FAIL', ErrorCode: ERROR_CODES.badRequest })
  t.match(readReply(JSON.stringify(refused)), { ok: false, error: { kind: 'rejected' } })

  sim.setFaults({ malformed: true })
  const listed = await call(sim, DEFAULT_PATHS.listReceived, p, body)
  t.match(readReply(listed.raw), { ok: false, error: { kind: 'bad_response' } })
  const xml = await getEdoc(sim, 'any')
  t.match(xml.reply, { status: 'OK', data: /./ })
  t.throws(() => parseEdoc(xml.raw), EdxmlError, 'a package cut short, as base64 data')
  sim.clearFaults()
  t.equal((await call(sim, DEFAULT_PATHS.listReceived, p, '', { headers: { 'x-sim-fault': 'error' } })).status, 500, 'per-request header fault')
  t.equal((await control(sim, 'POST', '/__sim/faults', { status: 502, paths: [DEFAULT_PATHS.get], count: 1 })).status, 200)
  t.equal((await call(sim, DEFAULT_PATHS.listReceived, p, body)).status, 200, 'another path passes and spends no count')
  t.equal(await call(sim, DEFAULT_PATHS.get, [['docId', 'any']], '{}').then((r) => r.status), 502, 'the named path is faulted')
  t.match((await getEdoc(sim, 'any')).reply, { status: 'FAIL', ErrorCode: ERROR_CODES.notFound }, 'count spent')
  t.match(sim.stats(), { requests: 13, faults: { hang: 1, status: 2, 'app-fault': 3, malformed: 2, error: 1 } })
})

t.test('close() does not wait for a hanging request; the auto-responder stops with it', async (t) => {
  const sim = await startDocumentAxisSimulator({ autoReply: { stepMs: 10_000 } })
  t.teardown(() => sim.close()) // only matters when an assertion below fails first
  await sendPackage(sim, buildEdoc(edoc()), 'edoc')
  sim.setFaults({ hang: true })
  const hanging = call(sim, DEFAULT_PATHS.listReceived, [], '').then(() => 'answered', () => 'dropped')
  await waitFor(() => sim.stats().inFlight === 1, 2000, 'the hanging request reaching the simulator')
  await within(sim.close(), 2000, 'close() with a hanging request')
  t.equal(await within(hanging, 2000, 'the client seeing the socket closed'), 'dropped')
  t.equal(sim.stats().autoReplies, 0)
})

t.test('start options are validated: duplicate systems, overlapping organs, bad auto-reply settings', async (t) => {
  await t.rejects(startDocumentAxisSimulator({ systems: [{ ...H34 }, { ...H34 }] }), /registered twice/)
  await t.rejects(startDocumentAxisSimulator({ systems: [{ ...H34 }, { ...G22, organId: '000.01.00.H34' }] }), /both claim organs \*\.H34/)
  await t.rejects(startDocumentAxisSimulator({ systems: [{ ...H34, organId: 'H34' }] }), /NNN\.NN\.NN\.XNN/)
  await t.rejects(startDocumentAxisSimulator({ autoReply: { stepMs: -1 } }), /stepMs/)
  const sim = await start(t, { systems: [{ ...H34 }, { ...G22, responds: true }], autoReply: { codes: ['06'], stepMs: 1 } })
  t.strictSame(sim.systems.map((s) => s.systemId), [H34.systemId, G22.systemId])
  t.throws(() => sim.setAutoReply({ codes: [] }), /codes/)
  t.throws(() => sim.mailbox('nobody'), /no system nobody/)
  t.throws(() => sim.deliver(edoc({ from: organ(H20), to: [organ(H34)] })), /belongs to no registered system/)
})
