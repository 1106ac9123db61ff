import t, { type Test } from 'tap'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import { pino } from 'pino'
import { Value } from 'typebox/value'
import { handlePushRoute, pushEvents, sampleEvent } from '../../../connectors/national-portal/simulator-push.js'
import { startNationalPortalSimulator } from '../../../connectors/national-portal/simulator.js'
import { EVENT_DATA_SCHEMAS, EVENT_TYPES, EventEnvelope } from '../../../schemas/events.js'
import { verifyWebhook } from '../../../src/webhooks/signature.js'

const SECRET = 'whsec_' + Buffer.alloc(32, 9).toString('base64')
const OLD = 'old-raw-secret'

interface Hit { id: string; raw: string; headers: IncomingHttpHeaders }

/** The hub's side in miniature: verify, answer 200 `accepted` the first time an id is seen, `duplicate` after. */
async function hub(t: Test, o: { secrets?: string[]; delayMs?: number } = {}) {
  const hits: Hit[] = []
  const refused: string[] = []
  let inFlight = 0
  let maxInFlight = 0
  const server = createServer((req, res) => {
    inFlight++
    maxInFlight = Math.max(maxInFlight, inFlight)
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const raw = Buffer.concat(chunks)
      const v = verifyWebhook({ headers: req.headers, rawBody: raw, secrets: o.secrets ?? [SECRET] })
      setTimeout(() => {
        inFlight--
        if (!v.ok) {
          refused.push(v.reason)
          return res.writeHead(401).end(v.reason)
        }
        const seen = hits.some((h) => h.id === v.id)
        hits.push({ id: v.id, raw: raw.toString('utf8'), headers: req.headers })
        res.writeHead(200, { 'content-type': 'text/plain' }).end(seen ? 'duplicate' : 'accepted')
      }, o.delayMs ?? 0)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  }))
  const { port } = server.address() as { port: number }
  return { url: `http://127.0.0.1:${port}/v1/webhooks/national-portal`, hits, refused, maxInFlight: () => maxInFlight }
}

const events = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `msg_${i}`, ...sampleEvent('dossier.status_changed', { dossierCode: `HS-${i}` }) }))

t.test('every sample event is valid against its schema, and overrides are shallow', async (t) => {
  for (const type of EVENT_TYPES) {
    const e = sampleEvent(type)
    t.equal(e.type, type)
    t.ok(Value.Check(EVENT_DATA_SCHEMAS[type], e.data), type)
    t.equal((e.data as { agencyCode: string }).agencyCode, '000.00.61.H48')
  }
  const paid = sampleEvent('dossier.payment_updated', { status: 'refunded', amount: 0 })
  t.strictSame(paid.data, { dossierCode: 'H48.99-250601-0001', agencyCode: '000.00.61.H48', amount: 0, status: 'refunded', transactionId: 'PAY-20250601-000123', paidAt: '2025-06-01T08:35:00+07:00' })
  t.notOk(Value.Check(EVENT_DATA_SCHEMAS['feedback.submitted'], sampleEvent('feedback.submitted', { rating: 6 }).data), 'rating is 1–5')
  t.notOk(Value.Check(EVENT_DATA_SCHEMAS['dossier.status_changed'], { ...sampleEvent('dossier.status_changed').data, status: 'done' }), "only the hub's statuses")
  const { dossierCode: _omitted, ...agencyFeedback } = sampleEvent('feedback.submitted').data
  t.ok(Value.Check(EVENT_DATA_SCHEMAS['feedback.submitted'], agencyFeedback), 'feedback may be about the agency alone')
})

t.test('pushes signed envelopes in order and answers each result', async (t) => {
  const h = await hub(t)
  const results = await pushEvents({ url: h.url, secret: SECRET, events: [sampleEvent('dossier.submitted'), { id: 'msg_given', ...sampleEvent('feedback.submitted'), timestamp: '2025-06-05T03:00:00Z' }] })
  t.equal(results.length, 2)
  t.match(results[0], { id: /^msg_[A-Za-z0-9_-]{22}$/, type: 'dossier.submitted', status: 200, body: 'accepted', duplicate: false })
  t.strictSame(results[1], { id: 'msg_given', type: 'feedback.submitted', status: 200, body: 'accepted', duplicate: false })
  t.strictSame(h.hits.map((x) => x.id), results.map((r) => r.id))
  const first = JSON.parse(h.hits[0]!.raw)
  t.ok(Value.Check(EventEnvelope, first))
  t.strictSame(first, { type: 'dossier.submitted', timestamp: first.timestamp, data: sampleEvent('dossier.submitted').data })
  t.strictSame(JSON.parse(h.hits[1]!.raw), { type: 'feedback.submitted', timestamp: '2025-06-05T03:00:00Z', data: sampleEvent('feedback.submitted').data })
  t.equal(h.hits[0]!.headers['content-type'], 'application/json')
  t.strictSame(h.refused, [])
})

t.test('duplicates resend the same id and bytes; the choice follows the seed', async (t) => {
  const h = await hub(t)
  const results = await pushEvents({ url: h.url, secret: SECRET, events: events(5), duplicates: 2, seed: 7 })
  t.equal(results.length, 7)
  t.strictSame(results.slice(0, 5).map((r) => [r.id, r.body, r.duplicate]), events(5).map((e) => [e.id, 'accepted', false]))
  const dups = results.slice(5)
  t.strictSame(dups.map((r) => [r.body, r.duplicate]), [['duplicate', true], ['duplicate', true]])
  t.not(dups[0]!.id, dups[1]!.id, 'two different events repeated')
  for (const d of dups) t.equal(new Set(h.hits.filter((x) => x.id === d.id).map((x) => x.raw)).size, 1, `${d.id}: identical bytes both times`)

  const again = await pushEvents({ url: h.url, secret: SECRET, events: events(5), duplicates: 2, seed: 7 })
  t.strictSame(again.slice(5).map((r) => r.id), dups.map((r) => r.id), 'same seed, same duplicates')
  t.equal((await pushEvents({ url: h.url, secret: SECRET, events: events(2), duplicates: 9 })).length, 4, 'at most one repeat per event')
})

t.test('shuffle is deterministic per seed and sends everything once', async (t) => {
  const h = await hub(t)
  const a = await pushEvents({ url: h.url, secret: SECRET, events: events(12), shuffle: true, seed: 42 })
  const b = await pushEvents({ url: h.url, secret: SECRET, events: events(12), shuffle: true, seed: 42 })
  const c = await pushEvents({ url: h.url, secret: SECRET, events: events(12), shuffle: true, seed: 43 })
  const ids = (r: typeof a) => r.map((x) => x.id)
  t.strictSame(ids(a), ids(b))
  t.notSame(ids(a), ids(c))
  t.notSame(ids(a), events(12).map((e) => e.id), 'not the given order')
  t.strictSame([...ids(a)].sort(), events(12).map((e) => e.id).sort())
  t.strictSame(h.hits.slice(0, 12).map((x) => x.id), ids(a), 'sent in the shuffled order')
})

t.test('concurrency overlaps requests and keeps results in sending order', async (t) => {
  const h = await hub(t, { delayMs: 40 })
  const results = await pushEvents({ url: h.url, secret: SECRET, events: events(8), concurrency: 4 })
  t.strictSame(results.map((r) => r.id), events(8).map((e) => e.id))
  t.ok(h.maxInFlight() > 1 && h.maxInFlight() <= 4, `max in flight ${h.maxInFlight()}`)
})

t.test('several secrets sign one entry each: a receiver still on the old one verifies', async (t) => {
  const h = await hub(t, { secrets: [OLD] })
  const [r] = await pushEvents({ url: h.url, secret: [SECRET, OLD], events: events(1) })
  t.equal(r!.status, 200)
  t.equal(String(h.hits[0]!.headers['webhook-signature']).split(' ').length, 2)
  const [wrong] = await pushEvents({ url: h.url, secret: SECRET, events: events(1) })
  t.strictSame([wrong!.status, wrong!.body], [401, 'bad_signature'])
})

t.test('a skewed clock gives stale timestamps the receiver refuses', async (t) => {
  const h = await hub(t)
  const [r] = await pushEvents({ url: h.url, secret: SECRET, events: events(1), now: () => Date.now() - 600_000 })
  t.strictSame([r!.status, r!.body], [401, 'timestamp_out_of_tolerance'])
})

t.test('no answer is status 0 with the error; a bad id throws before sending', async (t) => {
  const h = await hub(t)
  const [r] = await pushEvents({ url: 'http://127.0.0.1:1/nothing', secret: SECRET, events: events(1) })
  t.match(r, { id: 'msg_0', status: 0, body: /fetch failed|ECONNREFUSED/ })
  await t.rejects(pushEvents({ url: h.url, secret: SECRET, events: [...events(1), { id: 'has.dot', type: 'x.y', data: {} }] }), /webhook id/)
  t.strictSame(h.hits, [], 'nothing was sent')
})

t.test('POST /__sim/push on the simulator pushes and answers the results', async (t) => {
  const h = await hub(t)
  const sim = await startNationalPortalSimulator({ log: pino({ level: 'silent' }) })
  t.teardown(() => sim.close())
  const post = async (body: unknown) => {
    const res = await fetch(`${sim.url}/__sim/push`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    return { status: res.status, json: (await res.json()) as { results?: { id: string; type: string; status: number; body: string; duplicate: boolean }[]; error?: string } }
  }
  const ok = await post({ url: h.url, secret: SECRET, events: [{ id: 'msg_sim1', type: 'dossier.submitted' }, { id: 'msg_sim2', ...sampleEvent('dossier.payment_updated') }], duplicates: 1, seed: 3 })
  t.equal(ok.status, 200)
  t.strictSame(ok.json.results!.slice(0, 2), [
    { id: 'msg_sim1', type: 'dossier.submitted', status: 200, body: 'accepted', duplicate: false },
    { id: 'msg_sim2', type: 'dossier.payment_updated', status: 200, body: 'accepted', duplicate: false },
  ])
  t.match(ok.json.results![2], { status: 200, body: 'duplicate', duplicate: true })
  t.strictSame(JSON.parse(h.hits[0]!.raw).data, sampleEvent('dossier.submitted').data, 'no data: the sample payload')

  t.strictSame(await post({ secret: SECRET, events: [] }), { status: 400, json: { error: 'url must be an http(s) URL' } })
  t.strictSame(await post({ url: h.url, secret: SECRET, events: [{ type: 'unknown.event' }] }), { status: 400, json: { error: 'events[0]: no data, and no sample for type unknown.event' } })
  t.strictSame(await post({ url: h.url, secret: 'whsec_???', events: [{ type: 'feedback.submitted' }] }), { status: 400, json: { error: 'webhook secret: the part after "whsec_" must be standard base64 (with padding); generate one with generateSecret()' } })
  t.strictSame(await handlePushRoute('nope'), { status: 400, body: { error: 'body must be a JSON object' } })
})
