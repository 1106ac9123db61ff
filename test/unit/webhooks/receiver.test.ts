import t, { type Test } from 'tap'
import { startReceiver, type Receiver } from '../../helpers/receiver.js'
import { signWebhook } from '../../../src/webhooks/signature.js'

const SECRET = 'whsec_' + Buffer.alloc(32, 3).toString('base64')
const OTHER = 'whsec_' + Buffer.alloc(32, 4).toString('base64')

async function start(t: Test, secret: string | string[] = SECRET): Promise<Receiver> {
  const r = await startReceiver({ secret })
  t.teardown(() => r.close())
  return r
}

async function deliver(r: Receiver, id: string, o: { secret?: string; type?: string; signal?: AbortSignal; tamper?: boolean } = {}) {
  const body = JSON.stringify({ type: o.type ?? 'dossier.submitted', timestamp: '2025-06-01T01:00:00Z', data: { dossierCode: id } })
  const headers = signWebhook({ id, timestamp: Math.floor(Date.now() / 1000), body, secrets: [o.secret ?? SECRET] })
  const res = await fetch(r.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: o.tamper ? body.replace('01:00', '02:00') : body, ...(o.signal && { signal: o.signal }) })
  await res.text()
  return res.status
}

t.test('records verified deliveries answered 2xx, with their id, type, body and headers', async (t) => {
  const r = await start(t)
  t.equal(await deliver(r, 'msg_1'), 204)
  t.equal(await deliver(r, 'msg_2', { type: 'feedback.submitted' }), 204)
  t.strictSame(r.received.map((d) => ({ id: d.id, type: d.type, body: d.body })), [
    { id: 'msg_1', type: 'dossier.submitted', body: { type: 'dossier.submitted', timestamp: '2025-06-01T01:00:00Z', data: { dossierCode: 'msg_1' } } },
    { id: 'msg_2', type: 'feedback.submitted', body: { type: 'feedback.submitted', timestamp: '2025-06-01T01:00:00Z', data: { dossierCode: 'msg_2' } } },
  ])
  t.equal(r.received[0]!.headers['webhook-id'], 'msg_1')
  t.match(r.received[0]!.headers['webhook-signature'], /^v1,/)
  t.equal(typeof r.received[0]!.at, 'number')
  t.equal(r.received[0]!.rawBody, JSON.stringify(r.received[0]!.body))
  t.strictSame(r.attempts.map((a) => a.outcome), [204, 204])
})

t.test('a bad signature is 401 and not recorded as received', async (t) => {
  const r = await start(t)
  t.equal(await deliver(r, 'msg_wrong', { secret: OTHER }), 401)
  t.equal(await deliver(r, 'msg_tampered', { tamper: true }), 401)
  const unsigned = await fetch(r.url, { method: 'POST', body: '{}' })
  t.equal(unsigned.status, 401)
  await unsigned.text()
  t.strictSame(r.received, [])
  t.strictSame(r.attempts.map((a) => [a.id, a.outcome, a.refused]), [['msg_wrong', 401, 'bad_signature'], ['msg_tampered', 401, 'bad_signature'], [undefined, 401, 'missing_headers']])
})

t.test('several secrets: either verifies (rotation on the subscriber side)', async (t) => {
  const r = await start(t, [SECRET, OTHER])
  t.equal(await deliver(r, 'msg_a', { secret: OTHER }), 204)
  t.equal(await deliver(r, 'msg_b'), 204)
  t.strictSame(r.received.map((d) => d.id), ['msg_a', 'msg_b'])
})

t.test('fail and gone modes for a number of deliveries, then back to ok', async (t) => {
  const r = await start(t)
  r.mode({ fail: 500, times: 2 })
  t.strictSame([await deliver(r, 'msg_1'), await deliver(r, 'msg_1'), await deliver(r, 'msg_1')], [500, 500, 204])
  r.mode({ fail: 400 }, 1)
  t.strictSame([await deliver(r, 'msg_2'), await deliver(r, 'msg_2')], [400, 204])
  r.mode('gone')
  t.strictSame([await deliver(r, 'msg_3'), await deliver(r, 'msg_3')], [410, 410], 'no times: until told otherwise')
  r.mode('ok')
  t.equal(await deliver(r, 'msg_3'), 204)
  t.strictSame(r.received.map((d) => d.id), ['msg_1', 'msg_2', 'msg_3'])
  t.strictSame(r.attempts.map((a) => a.outcome), [500, 500, 204, 400, 204, 410, 410, 204])
  t.throws(() => r.mode({ fail: 42 }), /HTTP status/)
  t.throws(() => r.mode('gone', 0), /positive integer/)
})

t.test('a bad signature does not spend a mode count', async (t) => {
  const r = await start(t)
  r.mode({ fail: 503 }, 1)
  t.equal(await deliver(r, 'msg_x', { secret: OTHER }), 401)
  t.equal(await deliver(r, 'msg_x'), 503)
  t.equal(await deliver(r, 'msg_x'), 204)
})

t.test('hang never answers; the sender gives up, and close() ends it', async (t) => {
  const r = await start(t)
  r.mode({ hang: true }, 1)
  await t.rejects(deliver(r, 'msg_h', { signal: AbortSignal.timeout(300) }), { name: 'TimeoutError' })
  t.equal(await deliver(r, 'msg_h'), 204, 'the next one is answered')
  t.strictSame(r.attempts.map((a) => a.outcome), ['hang', 204])

  r.mode({ hang: true })
  const pending = deliver(r, 'msg_forever').then(() => 'answered', () => 'ended')
  await new Promise((resolve) => setTimeout(resolve, 100))
  await r.close()
  t.equal(await pending, 'ended')
})

t.test('waitFor resolves on the count and rejects after its deadline', async (t) => {
  const r = await start(t)
  const waiting = r.waitFor(2, 5000)
  void deliver(r, 'msg_w1')
  void deliver(r, 'msg_w2')
  t.strictSame((await waiting).map((d) => d.id).sort(), ['msg_w1', 'msg_w2'])
  await t.rejects(r.waitFor(3, 50), /2 of 3 deliveries after 50 ms/)
})
