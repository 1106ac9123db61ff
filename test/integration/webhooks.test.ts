/**
 * Inbound webhooks end to end: the portal simulator's push (Standard Webhooks signatures) → the
 * hub's verification, dedupe and inbox → ordered, signed delivery to a one-stop receiver that
 * fails, hangs or answers 410 on demand; the pull feed. Real Redis, PGlite.
 */
import t from 'tap'
import { randomBytes } from 'node:crypto'
import { startTestHub, type TestHub } from '../helpers/hub.js'
import { startReceiver, type Receiver } from '../helpers/receiver.js'
import { waitFor } from '../helpers/dossier.js'
import { pushEvents, sampleEvent } from '../../connectors/national-portal/simulator-push.js'
import { signWebhook } from '../../src/webhooks/signature.js'

const secret = (label: string) => `whsec_${Buffer.from(`${label}-${randomBytes(8).toString('hex')}`).toString('base64')}`
const PORTAL_OLD = secret('portal-old')
const PORTAL_NEW = secret('portal-new')
const ONE_STOP = secret('one-stop')

t.test('inbound webhooks', async (t) => {
  const receiver: Receiver = await startReceiver({ secret: ONE_STOP })
  t.teardown(() => receiver.close())
  const hub: TestHub = await startTestHub('pglite', {
    webhooks: { nationalPortal: { secrets: [PORTAL_NEW, PORTAL_OLD], bodyLimitBytes: 4096 }, scheduleMs: [0, 200, 200, 300, 300, 300], timeoutMs: 500 },
    subscribers: [{ name: 'kontum-one-stop', url: `${receiver.url}/hooks`, secrets: [ONE_STOP], agencies: ['*.H34'] }],
    sync: { reconcileEveryMs: 300, staleAfterMs: 1000 },
  }, { listen: true }) // the portal simulator pushes over HTTP, as the portal does
  t.teardown(() => hub.close())
  const url = `${hub.url}/v1/webhooks/national-portal`
  let n = 0
  const dossier = () => `H34-WH-${++n}-${randomBytes(3).toString('hex')}`
  const push = (events: Parameters<typeof pushEvents>[0]['events'], extra: Partial<Parameters<typeof pushEvents>[0]> = {}) => pushEvents({ url, secret: PORTAL_NEW, events, ...extra })

  await t.test('refusals: bad signature, stale timestamp, oversize body — each a problem+json 4xx with the reason', async (t) => {
    const bad = await push([sampleEvent('dossier.status_changed')], { secret: secret('stranger') })
    t.equal(bad[0]!.status, 401)
    t.match(JSON.parse(bad[0]!.body), { code: 'UNAUTHORIZED', detail: /bad_signature/ })
    const stale = await push([sampleEvent('dossier.status_changed')], { now: () => Date.now() - 10 * 60_000 })
    t.equal(stale[0]!.status, 401)
    t.match(JSON.parse(stale[0]!.body).detail, /timestamp_out_of_tolerance/)
    const big = await push([{ type: 'x.big', data: { agencyCode: '000.01.20.H34', blob: 'x'.repeat(8000) } }])
    t.equal(big[0]!.status, 413)
    const noHeaders = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
    t.equal(noHeaders.status, 401)
    const body = '{not json'
    const signed = signWebhook({ id: 'msg_notjson', timestamp: Math.floor(Date.now() / 1000), body, secrets: [PORTAL_NEW] })
    const notJson = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...signed }, body })
    t.equal(notJson.status, 400)
    const wrongShape = await push([{ type: 'dossier.status_changed', data: { dossierCode: 'x', agencyCode: '000.01.20.H34', status: 'lost', changedAt: 'now' } }])
    t.equal(wrongShape[0]!.status, 400, 'a known type with bad data is refused')
    const metrics = await (await fetch(`${hub.url}/metrics`)).text()
    t.match(metrics, /lgsp_webhooks_received_total\{source="national-portal",outcome="refused_bad_signature"\} 1/)
    t.match(metrics, /outcome="refused_too_large"\} 1/)
  })

  await t.test('a rotated key: the old secret still verifies; a duplicate id answers 200 and creates nothing', async (t) => {
    const code = dossier()
    const [first] = await push([{ id: `msg_rot_${code}`, ...sampleEvent('dossier.submitted', { dossierCode: code }) }], { secret: PORTAL_OLD })
    t.equal(first!.status, 202)
    const [again] = await push([{ id: `msg_rot_${code}`, ...sampleEvent('dossier.submitted', { dossierCode: code }) }])
    t.equal(again!.status, 200)
    t.equal(JSON.parse(again!.body).duplicate, true)
    await receiver.waitFor(1)
    await new Promise((r) => setTimeout(r, 300))
    t.equal(receiver.received.filter((d) => (d.body as any).data.dossierCode === code).length, 1, 'delivered once')
    const got = receiver.received.find((d) => (d.body as any).data.dossierCode === code)!
    t.equal(got.id, `msg_rot_${code}`, 'the stable event id travels on')
    t.equal(got.type, 'dossier.submitted')
  })

  await t.test('receiver down, then up: every event delivered once, in order per dossier', async (t) => {
    const code = dossier()
    const before = receiver.received.length
    receiver.mode({ fail: 503 }, 3)
    const events = ['registered', 'received', 'processing', 'processed'].map((status, i) => ({ id: `msg_ord_${code}_${i}`, ...sampleEvent('dossier.status_changed', { dossierCode: code, status: status as any }) }))
    for (const r of await push(events)) t.equal(r.status, 202)
    await receiver.waitFor(before + 4, 15_000)
    await new Promise((r) => setTimeout(r, 300))
    const mine = receiver.received.filter((d) => (d.body as any).data.dossierCode === code)
    t.same(mine.map((d) => (d.body as any).data.status), ['registered', 'received', 'processing', 'processed'], 'in order, each once')
  })

  await t.test('a receiver hanging past the timeout is retried', async (t) => {
    const code = dossier()
    receiver.mode({ hang: true }, 1)
    const [r] = await push([sampleEvent('dossier.payment_updated', { dossierCode: code })])
    t.equal(r!.status, 202)
    await waitFor('delivery after a hang', async () => receiver.received.some((d) => (d.body as any).data.dossierCode === code), 10_000)
    t.ok(receiver.attempts.filter((a) => a.outcome === 'hang').length >= 1, 'one attempt hung')
  })

  await t.test('410 Gone disables the subscriber until an admin re-enables it', async (t) => {
    const code = dossier()
    receiver.mode('gone', 1)
    await push([sampleEvent('feedback.submitted', { dossierCode: code })])
    await waitFor('disabled', async () => (await hub.call('/admin/subscribers')).body.subscribers[0].disabledAt !== null, 10_000)
    await push([sampleEvent('dossier.status_changed', { dossierCode: dossier() })])
    await new Promise((r) => setTimeout(r, 500))
    t.notOk(receiver.received.some((d) => (d.body as any).data.dossierCode === code), 'nothing delivered while disabled')
    t.equal((await hub.call('/admin/subscribers/kontum-one-stop/enable', { method: 'POST' })).status, 200)
    await waitFor('delivered after re-enabling', async () => receiver.received.some((d) => (d.body as any).data.dossierCode === code), 10_000)
  })

  await t.test('an unknown type is stored and delivered as-is; an event no subscriber serves is kept for admins', async (t) => {
    const code = dossier()
    const [unknown] = await push([{ type: 'dossier.archived', data: { dossierCode: code, agencyCode: '000.01.20.H34', shelf: 'B-12' } }])
    t.equal(unknown!.status, 202)
    await waitFor('unknown type delivered', async () => receiver.received.some((d) => d.type === 'dossier.archived' && (d.body as any).data.shelf === 'B-12'), 10_000)
    const [elsewhere] = await push([sampleEvent('dossier.status_changed', { dossierCode: dossier(), agencyCode: '000.00.00.H44' })])
    t.equal(JSON.parse(elsewhere!.body).routedTo.length, 0)
    const unrouted = await hub.call('/admin/events/unrouted')
    t.ok(unrouted.body.events.some((e: any) => e.agencyCode === '000.00.00.H44'), 'visible under /admin/events/unrouted')
  })

  await t.test('a refused delivery (400) is dead-lettered and replayable', async (t) => {
    const code = dossier()
    receiver.mode({ fail: 400 }, 1)
    await push([sampleEvent('dossier.status_changed', { dossierCode: code })])
    const dead = await waitFor('dead delivery', async () => (await hub.call('/admin/deliveries/dead')).body.items.find((d: any) => d.lastStatus === 400), 10_000)
    t.equal(dead.attempts, 1, 'not retried')
    t.equal((await hub.call(`/admin/deliveries/${dead.subscriber}/${dead.seq}/replay`, { method: 'POST' })).status, 202)
    await waitFor('delivered after replay', async () => receiver.received.some((d) => (d.body as any).data.dossierCode === code), 10_000)
  })

  await t.test('the pull feed pages through 1,000 events with no gap or repeat', async (t) => {
    const start = (await hub.call('/v1/events?after=0&limit=1000')).body.next
    const events = Array.from({ length: 1000 }, (_, i) => ({ id: `msg_feed_${i}_${randomBytes(3).toString('hex')}`, ...sampleEvent('dossier.status_changed', { dossierCode: `H34-FEED-${i % 50}` }) }))
    const results = await push(events, { concurrency: 16, duplicates: 50, shuffle: true })
    t.equal(results.filter((r) => r.status === 202).length, 1000)
    t.equal(results.filter((r) => r.status === 200).length, 50, 'duplicates answered 200')
    const seen: number[] = []
    const ids = new Set<string>()
    let after = start
    for (let page = 0; page < 100; page++) {
      const res = await hub.call(`/v1/events?after=${after}&limit=77`)
      if (res.body.events.length === 0) break
      for (const e of res.body.events) {
        seen.push(e.seq)
        ids.add(e.id)
      }
      after = res.body.next
    }
    const feedIds = [...ids].filter((id) => id.startsWith('msg_feed_'))
    t.equal(feedIds.length, 1000, 'every event once')
    t.ok(seen.every((s, i) => i === 0 || s === seen[i - 1]! + 1), 'sequence numbers have no gap')
  })
})
