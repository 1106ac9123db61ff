/**
 * Outbound dossier sync end to end: hub over HTTP → ledger → BullMQ → national-portal connector →
 * simulator, on real Redis and on both PGlite and PostgreSQL. What the portal received is read
 * through the simulator's inspection route.
 */
import t from 'tap'
import { DB_KINDS, startTestHub, type TestHub } from '../helpers/hub.js'
import { newCode, portalSim, putDossier, receivedVersions, snapshot, syncState, waitFor } from '../helpers/dossier.js'
import { SANDBOX_PROCEDURES, SANDBOX_PROVINCE_CODE } from '../../connectors/national-portal/simulator.js'

const FAST_SYNC = {
  sync: {
    reconcileEveryMs: 300,
    staleAfterMs: 1000,
    targets: { 'national-portal': { concurrency: 8, retry: { maxAttempts: 6, baseDelayMs: 100, maxDelayMs: 800 } } },
  },
  connectors: { 'national-portal': { enabled: true, retry: { maxAttempts: 1 }, circuit: { failureThreshold: 50, windowMs: 10000, openMs: 300 } } },
}
const base = { procedureCode: SANDBOX_PROCEDURES.birthRegistration, agencyCode: SANDBOX_PROVINCE_CODE }

for (const kind of DB_KINDS) {
  t.test(`dossier sync on ${kind}`, async (t) => {
    const hub = await startTestHub(kind, FAST_SYNC)
    t.teardown(() => hub.close())

    await t.test('a snapshot is accepted with 202 and reaches the portal; progress steps follow, once per id', async (t) => {
      const code = newCode('e2e')
      const res = await putDossier(hub, code, snapshot(1, base))
      t.equal(res.status, 202)
      t.match(res.body, { code, version: 1, outcome: 'accepted', targets: ['national-portal'] })
      t.equal(res.headers.get('location'), `/v1/dossiers/${code}`)
      await waitFor('delivery of v1', async () => (await syncState(hub, code))?.state === 'delivered')
      t.same(await receivedVersions(hub, code), [1])
      const first = (await portalSim(hub, 'GET', `/__sim/dossiers/${code}`)).versions[0]
      t.equal(first.isUpdating, false, 'the first delivery is not an update')
      t.equal(first.record.MaTTHC, SANDBOX_PROCEDURES.birthRegistration)

      const step = { id: 'step-1', officer: 'Trần Văn Bình', unit: 'Bộ phận một cửa', at: '2026-11-21T09:00:00+07:00', content: 'Tiếp nhận hồ sơ' }
      t.equal((await hub.call(`/v1/dossiers/${code}/progress`, { body: step })).status, 202)
      t.equal((await hub.call(`/v1/dossiers/${code}/progress`, { body: step })).status, 200, 'the same step again is unchanged')
      t.equal((await hub.call(`/v1/dossiers/${code}/progress`, { body: { ...step, content: 'khác' } })).body.code, 'IDEMPOTENCY_CONFLICT')
      await waitFor('delivery of the step', async () => (await syncState(hub, code))?.steps.delivered === 1)
      t.equal((await portalSim(hub, 'GET', `/__sim/progress/${code}`)).entries.length, 1, 'the step reached the portal once')

      t.equal((await putDossier(hub, code, snapshot(2, { ...base, status: 'processed' }))).status, 202)
      await waitFor('delivery of v2', async () => (await syncState(hub, code))?.deliveredVersion === 2)
      const versions = (await portalSim(hub, 'GET', `/__sim/dossiers/${code}`)).versions
      t.equal(versions.at(-1).isUpdating, true, 'later deliveries are updates')
      t.equal(String(versions.at(-1).record.TrangThaiHoSo), '9', 'status mapped through the table')
    })

    await t.test('versions out of order: v3 then v2 → 409 STALE_VERSION, the portal ends with v3', async (t) => {
      const code = newCode('order')
      t.equal((await putDossier(hub, code, snapshot(3, base))).status, 202)
      const stale = await putDossier(hub, code, snapshot(2, base))
      t.equal(stale.status, 409)
      t.equal(stale.body.code, 'STALE_VERSION')
      t.match(stale.headers.get('content-type'), /application\/problem\+json/)
      await waitFor('delivery of v3', async () => (await syncState(hub, code))?.deliveredVersion === 3)
      t.same(await receivedVersions(hub, code), [3])
    })

    await t.test('same version + same body → no second delivery; different body → 409', async (t) => {
      const code = newCode('idem')
      t.equal((await putDossier(hub, code, snapshot(1, base))).status, 202)
      const again = await putDossier(hub, code, snapshot(1, base))
      t.equal(again.status, 200)
      t.equal(again.body.outcome, 'unchanged')
      t.equal((await putDossier(hub, code, snapshot(1, { ...base, summary: 'changed' }))).body.code, 'IDEMPOTENCY_CONFLICT')
      await waitFor('delivery', async () => (await syncState(hub, code))?.state === 'delivered')
      await new Promise((r) => setTimeout(r, 300))
      t.same(await receivedVersions(hub, code), [1])
    })

    await t.test('50 concurrent PUTs of different versions → the last version the portal received is the highest', async (t) => {
      const code = newCode('race')
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => putDossier(hub, code, snapshot(i + 1, base))))
      const accepted = results.map((r, i) => (r.status === 202 ? i + 1 : 0)).filter(Boolean)
      t.ok(results.every((r) => r.status === 202 || (r.status === 409 && r.body.code === 'STALE_VERSION')), 'every answer is 202 or STALE_VERSION')
      t.ok(accepted.includes(50) || results[49]!.status === 202, 'the highest version was accepted')
      await waitFor('delivery of v50', async () => (await syncState(hub, code))?.deliveredVersion === 50)
      const got = await receivedVersions(hub, code)
      t.equal(got.at(-1), 50, 'the portal ends with v50')
      t.same(got, [...got].sort((a, b) => a - b), 'versions arrived in increasing order')
    })

    await t.test('an upstream rejection is dead-lettered with the reason, then fixed and replayed', async (t) => {
      const code = newCode('dead')
      const procedureCode = `9.${String(Date.now() % 1_000_000).padStart(6, '0')}`
      t.equal((await putDossier(hub, code, snapshot(1, { ...base, procedureCode }))).status, 202)
      await waitFor('dead letter', async () => (await syncState(hub, code))?.state === 'dead')
      const listed = await hub.call(`/admin/dead-letters?target=national-portal`)
      const letter = listed.body.items.find((d: any) => d.dossierCode === code)
      t.ok(letter, 'listed under /admin/dead-letters')
      t.match(letter, { kind: 'snapshot', version: 1, attempts: 1 })
      t.match(letter.lastError, /rejected/)
      t.ok(letter.upstreamCode, 'the upstream code is kept')
      t.same(await receivedVersions(hub, code), [])
      const dead = await hub.call('/v1/dossiers?syncState=dead')
      t.ok(dead.body.items.some((d: any) => d.code === code), 'listed by syncState=dead')

      await portalSim(hub, 'POST', '/__sim/procedures', { code: procedureCode, name: 'Thủ tục bổ sung', fields: [], channels: [], requiredPapers: [], results: [], agencies: [], active: true })
      t.equal((await hub.call(`/admin/dead-letters/${letter.id}/replay`, { method: 'POST' })).status, 202)
      await waitFor('delivery after replay', async () => (await syncState(hub, code))?.state === 'delivered')
      t.same(await receivedVersions(hub, code), [1])
      t.equal((await hub.call(`/admin/dead-letters/${letter.id}/replay`, { method: 'POST' })).status, 404, 'a replayed letter is no longer dead')
    })

    await t.test('the portal down for a while → retried and delivered after it returns', async (t) => {
      const code = newCode('down')
      await portalSim(hub, 'POST', '/__sim/faults', { status: 503 })
      t.equal((await putDossier(hub, code, snapshot(1, base))).status, 202)
      await waitFor('retrying state', async () => (await syncState(hub, code))?.state === 'retrying')
      const state = await syncState(hub, code)
      t.ok(state.attempts >= 1 && state.lastError, 'attempts and last error are visible')
      const queues = await hub.call('/admin/queues')
      t.ok(queues.body.targets['national-portal'].retrying >= 1, '/admin/queues counts it')
      await portalSim(hub, 'DELETE', '/__sim/faults')
      await waitFor('delivery after recovery', async () => (await syncState(hub, code))?.state === 'delivered', 20_000)
      t.same(await receivedVersions(hub, code), [1])
    })

    await t.test('bad input is a 4xx problem, never a 5xx', async (t) => {
      const bad = await putDossier(hub, newCode('bad'), { ...snapshot(1, base), status: 'lost', extra: 1 })
      t.equal(bad.status, 400)
      t.equal(bad.body.code, 'VALIDATION_FAILED')
      t.equal((await hub.call(`/v1/dossiers/${newCode('none')}/progress`, { body: { id: 's', officer: 'a', unit: 'b', at: '2026-11-21T09:00:00+07:00', content: 'c' } })).status, 404)
      t.equal((await putDossier(hub, 'bad code!', snapshot(1, base))).status, 400)
    })

    await t.test('metrics expose queue depth, ledger states and the accept-to-delivery lag', async (t) => {
      const text = (await hub.call('/metrics')).body
      t.match(text, /lgsp_sync_lag_seconds_count\{target="national-portal",kind="snapshot"\} [1-9]/)
      t.match(text, /lgsp_sync_queue_jobs\{target="national-portal",state="waiting"\}/)
      t.match(text, /lgsp_sync_outbox_rows\{target="national-portal",state="dead"\}/)
      t.match(text, /lgsp_sync_deliveries_total\{target="national-portal",kind="snapshot",outcome="delivered"\}/)
    })
  })
}
