import t from 'tap'
import { createHmac } from 'node:crypto'
import { generateSecret, parseSecret, signWebhook, verifyWebhook, type VerifyInput } from '../../../src/webhooks/signature.js'

const NOW_S = 1_750_000_000
const now = () => NOW_S * 1000 + 400 // mid-second: the verifier works in whole seconds
const WHSEC = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
const OLD = 'whsec_' + Buffer.from('an-older-secret-of-24-bytes!').toString('base64')
const BODY = Buffer.from('{"type":"dossier.submitted","timestamp":"2025-06-15T15:06:40Z","data":{"dossierCode":"HS-1","note":"Hồ sơ"}}')

/** Computed here without the module: the key is the base64 part of the whsec secret. */
const independent = (key: Buffer, content: string | Buffer) => createHmac('sha256', key).update(content).digest('base64')

function verify(over: Partial<VerifyInput> & { headers: VerifyInput['headers'] }) {
  return verifyWebhook({ rawBody: BODY, secrets: [WHSEC], now, ...over })
}

t.test('the published Standard Webhooks vector verifies, and an independent HMAC matches signWebhook', async (t) => {
  const body = '{"test": 2432232314}'
  const headers = { 'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek', 'webhook-timestamp': '1614265330', 'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=' }
  t.strictSame(signWebhook({ id: 'msg_p5jXN8AQM9LWM0D4loKWxJek', timestamp: 1614265330, body, secrets: [WHSEC] }), headers)
  t.strictSame(verifyWebhook({ headers, rawBody: Buffer.from(body), secrets: [WHSEC], now: () => 1614265330_000 }), { ok: true, id: 'msg_p5jXN8AQM9LWM0D4loKWxJek', timestamp: 1614265330 })

  const key = Buffer.from('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'base64')
  const expected = independent(key, Buffer.concat([Buffer.from(`msg_1.${NOW_S}.`), BODY]))
  t.strictSame(signWebhook({ id: 'msg_1', timestamp: NOW_S, body: BODY, secrets: [WHSEC] }), { 'webhook-id': 'msg_1', 'webhook-timestamp': String(NOW_S), 'webhook-signature': `v1,${expected}` })
  t.equal(signWebhook({ id: 'msg_1', timestamp: NOW_S, body: BODY.toString('utf8'), secrets: [WHSEC] })['webhook-signature'], `v1,${expected}`, 'a string body signs its UTF-8 bytes')
})

t.test('whsec secrets are base64-decoded; other secrets are UTF-8 bytes', async (t) => {
  t.strictSame(parseSecret(WHSEC), Buffer.from('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'base64'))
  t.strictSame(parseSecret('plain secret ✓'), Buffer.from('plain secret ✓', 'utf8'))
  t.throws(() => parseSecret('whsec_not base64!'), /standard base64/)
  t.throws(() => parseSecret('whsec_'), /standard base64/)
  t.throws(() => parseSecret(''), /empty/)
  t.match(generateSecret(), /^whsec_[A-Za-z0-9+/]{43}=$/)
  t.equal(parseSecret(generateSecret()).length, 32)

  const raw = 'shared-secret-for-onestop'
  const headers = signWebhook({ id: 'msg_raw', timestamp: NOW_S, body: BODY, secrets: [raw] })
  t.equal(headers['webhook-signature'], `v1,${independent(Buffer.from(raw), `msg_raw.${NOW_S}.${BODY.toString()}`)}`)
  t.equal(verify({ headers, secrets: [raw] }).ok, true)
  // A raw secret that looks like base64 is still its own text: only the whsec_ prefix decodes.
  const lookalike = Buffer.from(raw).toString('base64')
  const signedRaw = signWebhook({ id: 'msg_raw', timestamp: NOW_S, body: BODY, secrets: [lookalike] })
  t.match(verify({ headers: signedRaw, secrets: [`whsec_${lookalike}`] }), { ok: false, reason: 'bad_signature' })
  t.match(verify({ headers: signedRaw, secrets: [lookalike] }), { ok: true })
  t.match(verify({ headers, secrets: ['whsec_' + Buffer.from(raw).toString('base64')] }), { ok: true }, 'whsec of the same bytes is the same key')
})

t.test('rotation: either signature matches either secret', async (t) => {
  const both = signWebhook({ id: 'msg_rot', timestamp: NOW_S, body: BODY, secrets: [WHSEC, OLD] })
  const [current, previous] = both['webhook-signature'].split(' ')
  t.not(current, previous)
  t.strictSame(verify({ headers: both, secrets: [OLD] }), { ok: true, id: 'msg_rot', timestamp: NOW_S }, 'receiver still on the old secret')
  t.strictSame(verify({ headers: both, secrets: [WHSEC] }), { ok: true, id: 'msg_rot', timestamp: NOW_S }, 'receiver already on the new secret')
  const onlyOld = { ...both, 'webhook-signature': previous! }
  t.equal(verify({ headers: onlyOld, secrets: [WHSEC, OLD] }).ok, true, 'receiver holding both, sender still on the old one')
  t.match(verify({ headers: onlyOld, secrets: [WHSEC] }), { ok: false, reason: 'bad_signature' })
  t.match(verify({ headers: both, secrets: ['whsec_' + Buffer.alloc(32, 7).toString('base64')] }), { ok: false, reason: 'bad_signature' })
  t.match(verify({ headers: both, secrets: [] }), { ok: false, reason: 'bad_signature' })
})

t.test('timestamps: within tolerance pass; stale, future and non-numeric are refused', async (t) => {
  const at = (ts: number, toleranceS?: number) => verify({ headers: signWebhook({ id: 'msg_t', timestamp: ts, body: BODY, secrets: [WHSEC] }), ...(toleranceS !== undefined && { toleranceS }) })
  t.equal(at(NOW_S - 300).ok, true, 'exactly 300 s old')
  t.equal(at(NOW_S + 300).ok, true, 'exactly 300 s ahead')
  t.strictSame(at(NOW_S - 301), { ok: false, reason: 'timestamp_out_of_tolerance', message: 'webhook-timestamp is more than 300 s old' })
  t.strictSame(at(NOW_S + 301), { ok: false, reason: 'timestamp_out_of_tolerance', message: 'webhook-timestamp is more than 300 s in the future' })
  t.equal(at(NOW_S - 30, 10).ok, false, 'a tighter tolerance')
  t.equal(at(NOW_S - 30, 60).ok, true)
  const good = signWebhook({ id: 'msg_t', timestamp: NOW_S, body: BODY, secrets: [WHSEC] })
  for (const ts of ['', '17e8', '-1', '1750000000.5', ' 1750000000', '0x10', '1234567890123']) {
    t.match(verify({ headers: { ...good, 'webhook-timestamp': ts } }), { ok: false, reason: 'bad_timestamp' }, JSON.stringify(ts))
  }
  // An ISO time is not Unix seconds.
  t.match(verify({ headers: { ...good, 'webhook-timestamp': new Date(NOW_S * 1000).toISOString() } }), { ok: false, reason: 'bad_timestamp' })
})

t.test('anything changed in transit breaks the signature', async (t) => {
  const headers = signWebhook({ id: 'msg_x', timestamp: NOW_S, body: BODY, secrets: [WHSEC] })
  t.equal(verify({ headers }).ok, true)
  const tampered = Buffer.from(BODY)
  tampered[tampered.length - 3] = tampered[tampered.length - 3]! ^ 1
  t.strictSame(verify({ headers, rawBody: tampered }), { ok: false, reason: 'bad_signature', message: 'no webhook-signature entry matches: wrong secret, or the body, id or timestamp changed in transit' })
  t.match(verify({ headers, rawBody: JSON.stringify(JSON.parse(BODY.toString()), null, 1) }), { ok: false, reason: 'bad_signature' }, 're-serialised JSON')
  t.match(verify({ headers: { ...headers, 'webhook-id': 'msg_y' } }), { ok: false, reason: 'bad_signature' })
  t.match(verify({ headers: { ...headers, 'webhook-timestamp': String(NOW_S + 1) } }), { ok: false, reason: 'bad_signature' })
})

t.test('malformed and missing headers', async (t) => {
  const good = signWebhook({ id: 'msg_m', timestamp: NOW_S, body: BODY, secrets: [WHSEC] })
  const sig = good['webhook-signature'].slice(3)
  t.strictSame(verify({ headers: {} }), { ok: false, reason: 'missing_headers', message: 'missing or repeated headers: webhook-id, webhook-timestamp, webhook-signature' })
  t.strictSame(verify({ headers: { 'webhook-id': 'msg_m', 'webhook-timestamp': String(NOW_S) } }), { ok: false, reason: 'missing_headers', message: 'missing or repeated headers: webhook-signature' })
  t.match(verify({ headers: { ...good, 'webhook-id': ['msg_m', 'msg_n'] } }), { ok: false, reason: 'missing_headers' }, 'a repeated id')
  t.match(verify({ headers: { ...good, 'webhook-id': ['msg_m'] } }), { ok: true }, 'a one-element array is the value')
  t.match(verify({ headers: { 'Webhook-Id': 'msg_m', 'WEBHOOK-TIMESTAMP': String(NOW_S), 'Webhook-Signature': good['webhook-signature'] } }), { ok: true }, 'other casings')
  for (const id of ['', 'a'.repeat(257), 'has space', 'dot.ted', 'tab\t', 'é']) {
    t.match(verify({ headers: { ...good, 'webhook-id': id } }), { ok: false, reason: 'missing_headers' }, `id ${JSON.stringify(id.slice(0, 10))}`)
  }
  t.equal(verify({ headers: signWebhook({ id: 'a'.repeat(256), timestamp: NOW_S, body: BODY, secrets: [WHSEC] }) }).ok, true, '256 characters')

  for (const s of ['', sig, 'v1', 'v1,', 'v1,not-base64!', `v1,${sig.slice(0, -1)}`, `v2,${sig}`, `v1a,${sig}`, 'v1,' + Buffer.alloc(16).toString('base64')]) {
    t.match(verify({ headers: { ...good, 'webhook-signature': s } }), { ok: false, reason: 'malformed_signature' }, JSON.stringify(s.slice(0, 12)))
  }
  t.equal(verify({ headers: { ...good, 'webhook-signature': `v1a,${sig}   garbage  ${good['webhook-signature']}` } }).ok, true, 'other schemes and junk entries are skipped')
  t.match(verify({ headers: { ...good, 'webhook-signature': `v1,${Buffer.alloc(32).toString('base64')} v1a,xyz` } }), { ok: false, reason: 'bad_signature' }, 'well-formed but wrong')
})

t.test('signWebhook refuses what a verifier would', async (t) => {
  t.throws(() => signWebhook({ id: 'a.b', timestamp: NOW_S, body: BODY, secrets: [WHSEC] }), /webhook id/)
  t.throws(() => signWebhook({ id: 'msg', timestamp: NOW_S + 0.5, body: BODY, secrets: [WHSEC] }), /Unix seconds/)
  t.throws(() => signWebhook({ id: 'msg', timestamp: NOW_S, body: BODY, secrets: [] }), /at least one secret/)
  t.throws(() => signWebhook({ id: 'msg', timestamp: NOW_S, body: BODY, secrets: ['whsec_!!'] }), /standard base64/)
})
