/**
 * A delivery round that outlives the lease it started with: a slow axis (700 ms per send) and a
 * 1 s lease, with a document's three status reports queued before its worker wakes. The worker
 * renews the lease between messages, so the reconciler's wake-ups find it busy and no status is
 * sent twice.
 */
import t from 'tap'
import { startTestHub } from '../helpers/hub.js'
import { waitFor } from '../helpers/dossier.js'
import { SANDBOX_AXIS, SANDBOX_PROVINCE_UNIT } from '../../connectors/document-axis/simulator.js'
import { DEFAULT_PATHS } from '../../connectors/document-axis/wire.js'

t.test('the lease is renewed within a slow round: each status sent once', async (t) => {
  const hub = await startTestHub('pglite', {
    edocs: { pollEveryMs: 200 },
    sync: { leaseMs: 1000, reconcileEveryMs: 200, staleAfterMs: 300 },
  })
  t.teardown(() => hub.close())
  const sim = hub.simulators['document-axis']!.url
  const post = (path: string, body: unknown) => fetch(`${sim}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  const g22 = SANDBOX_AXIS.governmentOffice
  await (await post('/__sim/deliver', {
    fromSystem: g22.systemId,
    edoc: {
      header: {
        from: { organId: g22.organId, organName: g22.name }, to: [{ organId: SANDBOX_PROVINCE_UNIT, organName: 'Trung tâm Phục vụ hành chính công' }],
        code: { number: `${Date.now() % 100000}`, notation: 'VPCP-KSTT' }, promulgation: { place: 'Hà Nội', date: '2026-11-25' },
        documentType: { type: '1', typeName: 'Công văn' }, subject: 'Lease test', signer: { fullName: 'Lê Thị Dung' },
      },
    },
  })).json()
  const id = await waitFor('received', async () => {
    const feed = await hub.call('/v1/events?limit=100')
    return feed.body.events?.find((e: any) => e.type === 'edoc.received')?.body.data.edocId as string | undefined
  })
  // Every send is slow from now on; the reports are accepted faster than one send.
  await post('/__sim/faults', { latencyMs: 700, paths: [DEFAULT_PATHS.send] })
  for (const statusCode of ['01', '03', '05']) t.equal((await hub.call(`/v1/edocs/${id}/status`, { body: { statusCode } })).status, 202)
  await waitFor('three statuses delivered', async () => {
    const view = await hub.call(`/v1/edocs/${id}`)
    return view.body.statuses?.filter((s: any) => s.direction === 'outgoing' && s.delivery?.state === 'delivered').length === 3
  }, 20_000)
  await new Promise((r) => setTimeout(r, 1500)) // room for a duplicate send from a lapsed lease
  const sent = (await (await fetch(`${sim}/__sim/sent`)).json()) as Array<{ messageType: string; documentId: string; statusCode?: string }>
  const mine = sent.filter((s) => s.messageType === 'status' && s.documentId.startsWith(`${g22.organId},2026/11/25`))
  t.same(mine.map((s) => s.statusCode), ['01', '03', '05'], 'each status on the axis once, in order')
})
