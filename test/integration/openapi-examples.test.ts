/**
 * Every request example the OpenAPI document gives (schemas/api/examples.ts, what the console at
 * /docs fills in) is sent to a sandbox hub as the document describes it, and must succeed (2xx).
 * The operations run in an order where what one needs exists (the dossier before its payment).
 * Only values the hub or an upstream mints are taken from earlier calls instead of the document,
 * each named below: a document's uuid and file id, a dead letter's id, a dead delivery's seq, a
 * receive failure's docId, the payment platform's signed callback, the webhook's signature
 * headers (their timestamp must be current), the SHA-256 of a file an interlinked item brought
 * (the item is put at the sandbox portal before the poll), a console session's cookie. Every
 * documented operation must be in ORDER, so a new route without examples fails here.
 */
import t from 'tap'
import { createHash } from 'node:crypto'
import { startTestHub } from '../helpers/hub.js'
import { waitFor } from '../helpers/dossier.js'
import { exampleRequest, operations, type DocumentedOperation } from '../helpers/openapi-requests.js'
import { SANDBOX_WEBHOOK_SECRET } from '../../src/server.js'
import { signWebhook } from '../../src/webhooks/signature.js'

const ORDER = [
  'getLiveness', 'getReadiness', 'getAgencyMapping', 'listConnectors', 'getQueueCounts',
  'lookupCitizen', 'verifyCitizen', 'lookupCivilStatusRecord', 'verifyCivilStatusRecord', 'getEnterprise', 'getProcedure', 'registerDocument', 'searchDocuments', 'prefillApplication',
  'receiveNationalPortalWebhook', 'listEvents', 'listUnroutedEvents', 'listSubscribers', 'listDeadDeliveries', 'replayDeadDelivery', 'enableSubscriber',
  'listSampleSubscriberDeliveries',
  'upsertDossier', 'addDossierProgress', 'getDossier', 'listDossiers',
  'startPayment', 'getPayment', 'receivePaymentCallback', 'getPaymentReceipt',
  'listDeadLetters', 'replayDeadLetter', 'replayDeadLettersSince', 'searchAudit',
  'receivePortalForward', 'pollPortalNow', 'getPortalFile', 'listPortalQuarantine',
  'sendEdoc', 'getEdoc', 'getEdocAttachment', 'reportEdocStatus', 'listEdocs',
  'listReceiveFailures', 'retryReceiveFailure', 'inspectReceiveFailure', 'discardReceiveFailure',
  'getIndicators', 'getIndicatorSummary', 'auditAccessReport', 'listUpstreamErrors',
  'consoleSignIn', 'consoleSession', 'consoleSignOut',
]

type Json = Record<string, any>

/** The file of the interlinked item the sandbox portal holds for getPortalFile. */
const PORTAL_FILE = Buffer.from('%PDF-1.4 giay chung sinh (example)')

t.test('every documented request example succeeds against the sandbox', async (t) => {
  const hub = await startTestHub('pglite', {
    sandbox: { sampleSubscriber: true },
    edocs: { pollEveryMs: 200 },
    webhooks: { scheduleMs: [0, 200, 200] },
    sync: { reconcileEveryMs: 500, staleAfterMs: 1000 },
    log: { level: 'warn' },
  })
  t.teardown(() => hub.close())
  const portal = hub.simulators['national-portal']!.url
  const axis = hub.simulators['document-axis']!.url
  const doc = (await hub.call('/openapi.json')).body as Json
  const ops = new Map(operations(doc).map((op) => [op.operationId, op]))
  t.strictSame([...ops.keys()].sort(), [...ORDER].sort(), 'every documented operation is exercised here')

  const post = async (url: string, body: unknown, method = 'POST') => {
    const res = await fetch(url, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    return { status: res.status, body: await res.json().catch(() => undefined) as Json }
  }
  const results = new Map<string, Json>()
  const send = async (op: DocumentedOperation, override: Parameters<typeof exampleRequest>[1] = {}) => {
    const req = exampleRequest(op, override)
    const res = await hub.call(req.path, { method: req.method, headers: req.headers, ...(req.body !== undefined && { body: req.body }) })
    return { req, res }
  }

  // A console session (cookie, no bearer key), signed in once with the sign-in example.
  let consoleCookie: string | undefined
  const consoleHeaders = async () => {
    if (consoleCookie === undefined) {
      const signIn = await send(ops.get('consoleSignIn')!)
      consoleCookie = /lgsp_console=[^;]+/.exec(signIn.res.headers.get('set-cookie') ?? '')?.[0] ?? ''
    }
    return { authorization: '', cookie: consoleCookie, 'x-lgsp-console': '1' }
  }

  // Values the hub or an upstream mints, taken from earlier calls (see the header comment).
  const minted: Record<string, () => Promise<Parameters<typeof exampleRequest>[1]>> = {
    async receiveNationalPortalWebhook() {
      // The sample subscriber refuses this one delivery (400), so a dead delivery exists to replay.
      t.equal((await post((await hub.call('/admin/sandbox/subscriber/deliveries')).body.subscriber.controlUrl, { answer: 400, times: 1 })).status, 200)
      const op = ops.get('receiveNationalPortalWebhook')!
      const body = exampleRequest(op).body
      const id = exampleRequest(op).headers['webhook-id']!
      return { headers: { ...signWebhook({ id, timestamp: Math.floor(Date.now() / 1000), body: JSON.stringify(body), secrets: [SANDBOX_WEBHOOK_SECRET] }) } }
    },
    async replayDeadDelivery() {
      const dead = await waitFor('a dead delivery', async () => (await hub.call('/admin/deliveries/dead')).body.items?.[0])
      return { params: { subscriber: dead.subscriber, seq: dead.seq } }
    },
    async receivePaymentCallback() {
      const payment = (await hub.call(`/v1/dossiers/${encodeURIComponent('HS-2026-000123')}/payment`)).body
      const settled = await post(`${portal}/__sim/payments/${encodeURIComponent(payment.reference)}/settle`, { outcome: 'paid' })
      return { body: settled.body.callback }
    },
    async replayDeadLetter() {
      // A second dossier naming a procedure the portal does not know: refused, a dead letter.
      const upsert = ops.get('upsertDossier')!
      const body = { ...(exampleRequest(upsert).body as Json), procedureCode: '9.999999' }
      const put = await send(upsert, { params: { code: 'HS-2026-000124' }, body })
      t.equal(put.res.status, 202)
      const dead = await waitFor('a dead letter', async () => (await hub.call('/admin/dead-letters?target=national-portal')).body.items?.[0])
      return { params: { id: dead.id } }
    },
    async getEdoc() {
      return { params: { id: results.get('sendEdoc')!.id } }
    },
    async getEdocAttachment() {
      return { params: { id: results.get('sendEdoc')!.id, contentId: results.get('getEdoc')!.attachments[0].contentId } }
    },
    async reportEdocStatus() {
      // A document the sandbox axis delivers to the province (README: the documented way).
      t.equal((await post(`${axis}/__sim/deliver`, {})).status, 200)
      const received = await waitFor('edoc.received at the sample subscriber', async () =>
        ((await hub.call('/admin/sandbox/subscriber/deliveries')).body.deliveries as Json[]).find((d) => d.type === 'edoc.received' && d.edocId))
      return { params: { id: received.edocId } }
    },
    async retryReceiveFailure() {
      // The axis fails every getEdoc: the next delivered package waits in the mailbox as `retrying`.
      t.equal((await post(`${axis}/__sim/faults`, { status: 500, paths: ['/getEdoc'] })).status, 200)
      t.equal((await post(`${axis}/__sim/deliver`, {})).status, 200)
      const failure = await waitFor('a receive failure', async () => (await hub.call('/admin/edocs/receive-failures')).body.failures?.[0])
      return { params: { docId: failure.docId } }
    },
    async inspectReceiveFailure() {
      return { params: { docId: (await hub.call('/admin/edocs/receive-failures')).body.failures[0].docId } }
    },
    async pollPortalNow() {
      // An interlinked item carrying a file waits at the sandbox portal; the poll takes it.
      const item = {
        id: 'ex-1', maDonVi: 23011, maTTHC: '1.001193', module: 'KS', maHoSo: 'KS-EXAMPLE-0001', ngayTiepNhan: '20261120081500', techId: 'techid-example',
        hoTich: { nycHoTen: 'Trần Thị Mai', nycSoGiayToTuyThan: '051190001234', nksHoTen: 'Trần Minh An' },
        fileDinhKem: [{ id: 1, loaiGiayTo: 1, tenGiayTo: 'Giấy chứng sinh', tenTepDinhKem: 'giay-chung-sinh.pdf', huyGiayTo: 0, duLieuTepDinhKem: PORTAL_FILE.toString('base64') }],
      }
      t.equal((await post(`${portal}/__sim/interlinked/items`, item)).status, 201)
      return {}
    },
    async getPortalFile() {
      return { params: { sha256: createHash('sha256').update(PORTAL_FILE).digest('hex') } }
    },
    async consoleSession() {
      return { headers: await consoleHeaders() }
    },
    async consoleSignOut() {
      return { headers: await consoleHeaders() }
    },
    async discardReceiveFailure() {
      return { params: { docId: (await hub.call('/admin/edocs/receive-failures')).body.failures[0].docId } }
    },
  }

  for (const id of ORDER) {
    const op = ops.get(id)
    if (!op) continue
    const override = minted[id] ? await minted[id]() : {}
    const { req, res } = await send(op, override)
    results.set(id, res.body)
    t.ok(res.status >= 200 && res.status < 300, `${id}: ${req.method} ${req.path} → ${res.status}`, { body: res.body })
  }
  await fetch(`${axis}/__sim/faults`, { method: 'DELETE' })
})
