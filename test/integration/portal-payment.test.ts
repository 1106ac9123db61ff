/**
 * Payments through the portal's payment platform, played by the portal simulator, through a
 * sandbox hub: INIT gives the payment page, QUERY the status, the platform's signed callback
 * (MaXacThuc) becomes a routed `dossier.payment_updated`, GET_BILL the e-receipt; a replayed or
 * tampered callback is refused.
 */
import t from 'tap'
import { randomBytes } from 'node:crypto'
import { startTestHub } from '../helpers/hub.js'
import { startReceiver } from '../helpers/receiver.js'
import { newCode, putDossier, snapshot } from '../helpers/dossier.js'
import { SANDBOX_PROCEDURES } from '../../connectors/national-portal/simulator.js'

const ONE_STOP = `whsec_${Buffer.from(`one-stop-${randomBytes(8).toString('hex')}`).toString('base64')}`

t.test('payments of a dossier\'s fees', async (t) => {
  const receiver = await startReceiver({ secret: ONE_STOP })
  t.teardown(() => receiver.close())
  const hub = await startTestHub('pglite', {
    webhooks: { scheduleMs: [0, 200, 200], timeoutMs: 2000 },
    subscribers: [{ name: 'quang-ngai-one-stop', url: `${receiver.url}/hooks`, secrets: [ONE_STOP], agencies: ['*.H48'] }],
    portalInbound: { pollEveryMs: 0 },
  }, { listen: true }) // the payment platform (simulator) calls the hub back over HTTP
  t.teardown(() => hub.close())
  const sim = hub.simulators['national-portal']!.url
  const code = newCode('pay')
  const fees = [{ code: 'LP01', name: 'Lệ phí đăng ký', amount: 8000, kind: 'fee' as const }, { name: 'Phí bản sao', amount: 3000, kind: 'charge' as const }]
  t.equal((await putDossier(hub, code, snapshot(1, { procedureCode: SANDBOX_PROCEDURES.birthRegistration, agencyCode: '000.01.20.H34', fees }))).status, 202)

  const noFees = newCode('pay-none')
  await putDossier(hub, noFees, snapshot(1, { procedureCode: SANDBOX_PROCEDURES.birthRegistration, agencyCode: '000.00.61.H48' }))
  t.equal((await hub.call(`/v1/dossiers/${noFees}/payment`, { method: 'POST', body: {} })).status, 400, 'nothing to pay')
  t.equal((await hub.call(`/v1/dossiers/${code}/payment`)).status, 404, 'no payment yet')

  const started = await hub.call(`/v1/dossiers/${code}/payment`, { method: 'POST', body: {} })
  t.equal(started.status, 201, JSON.stringify(started.body))
  t.match(started.body, { dossierCode: code, agencyCode: '000.00.61.H48', amount: 11000, state: 'started', payUrl: `${sim}/__sim/payments/${encodeURIComponent(started.body.reference)}/page` })
  t.match((await hub.call(`/v1/dossiers/${code}/payment`)).body, { state: 'pending' }, 'QUERY: not paid yet')
  t.equal((await hub.call(`/v1/dossiers/${code}/payment/receipt`)).status, 404, 'no receipt before payment')

  const settled = await (await fetch(`${sim}/__sim/payments/${encodeURIComponent(started.body.reference)}/settle`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ outcome: 'paid', callbackUrl: `${hub.url}/v1/payments/callback` }),
  })).json() as any
  t.strictSame([settled.status, JSON.parse(settled.reply)], [200, { MaLoi: '00', MoTaLoi: 'Thành công' }], 'the platform\'s callback was taken')
  const [event] = await receiver.waitFor(1)
  t.equal(event!.type, 'dossier.payment_updated')
  t.strictSame((event!.body as any).data, {
    dossierCode: code, agencyCode: '000.00.61.H48', amount: 11000, status: 'paid', transactionId: settled.callback.MaGiaoDich,
    paidAt: (event!.body as any).data.paidAt,
  })
  t.match((await hub.call(`/v1/dossiers/${code}/payment`)).body, { state: 'paid', transactionId: settled.callback.MaGiaoDich })

  const receipt = await fetch(`${hub.url}/v1/dossiers/${code}/payment/receipt`, { headers: { authorization: 'Bearer lgsp-demo-key-0000-not-a-secret' } })
  t.equal(receipt.status, 200)
  t.equal(receipt.headers.get('content-type'), 'application/pdf')
  t.match(Buffer.from(await receipt.arrayBuffer()).toString('latin1'), /^%PDF-/)

  const callback = (body: unknown) => hub.call('/v1/payments/callback', { body, headers: { authorization: '' } })
  t.equal((await callback(settled.callback)).status, 409, 'a replay is refused')
  const tampered = await callback({ ...settled.callback, SoTien: '1' })
  t.equal(tampered.status, 401, 'a changed field breaks MaXacThuc')
  t.equal((await callback({ nothing: true })).status, 401)
  t.equal((await callback('not an object')).status, 400)
  await new Promise((r) => setTimeout(r, 300))
  t.equal(receiver.received.filter((e) => e.type === 'dossier.payment_updated').length, 1, 'one event for the payment')
})
