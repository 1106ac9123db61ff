/**
 * Batch delivery end to end (src/sync/batch-worker.ts): several dossiers per `DongBoHoSoMC` call.
 * One drain at a time (batchConcurrency 1) and a slow portal make the batches predictable: while the
 * worker waits on one call, the next PUTs pile up and go together in the next one.
 */
import t from 'tap'
import { startTestHub, type TestHub } from '../helpers/hub.js'
import { newCode, portalSim, putDossier, receivedVersions, snapshot, syncState, waitFor } from '../helpers/dossier.js'
import { SANDBOX_PROCEDURES, SANDBOX_PROVINCE_CODE } from '../../connectors/national-portal/simulator.js'

const base = { procedureCode: SANDBOX_PROCEDURES.birthRegistration, agencyCode: SANDBOX_PROVINCE_CODE }
const batchCalls = async (hub: TestHub) => ((await portalSim(hub, 'GET', '/__sim/stats')).services.DongBoHoSoMC ?? 0) as number

t.test('batch delivery on postgres', async (t) => {
  const hub = await startTestHub('postgres', {
    sync: {
      reconcileEveryMs: 300, staleAfterMs: 1000,
      targets: { 'national-portal': { batchConcurrency: 1, batchSize: 20, retry: { maxAttempts: 10, baseDelayMs: 100, maxDelayMs: 400 } } },
    },
    connectors: { 'national-portal': { enabled: true, retry: { maxAttempts: 1 }, circuit: { failureThreshold: 1000, windowMs: 10000, openMs: 300 } } },
  })
  t.teardown(() => hub.close())
  t.ok(hub.logs.some((l) => l.includes('batch delivery on')), 'national-portal delivers in batches by default')

  /** PUTs `codes` while the worker is busy with a slow call for another dossier, so they share the next call. */
  async function behindBlocker(codes: Array<[string, unknown]>) {
    await portalSim(hub, 'POST', '/__sim/faults', { latencyMs: 1500 }) // long enough for the PUTs below on a loaded machine (400 ms was not)
    const blocker = newCode('blocker')
    t.equal((await putDossier(hub, blocker, snapshot(1, base))).status, 202)
    await waitFor('the blocker in flight', async () => (await portalSim(hub, 'GET', '/__sim/stats')).inFlight > 0)
    for (const [code, body] of codes) t.equal((await putDossier(hub, code, body)).status, 202)
    await portalSim(hub, 'DELETE', '/__sim/faults')
  }

  await t.test('one refused dossier in a batch: only its change is dead-lettered, the others are delivered', async (t) => {
    const codes = [1, 2, 3, 4, 5].map(() => newCode('mixed'))
    const unknownProcedure = `9.${String(Date.now() % 1_000_000).padStart(6, '0')}`
    const before = await batchCalls(hub)
    await behindBlocker(codes.map((code, i) => [code, snapshot(1, i === 2 ? { ...base, procedureCode: unknownProcedure } : base)]))
    await waitFor('every dossier settled', async () => {
      const states = await Promise.all(codes.map((c) => syncState(hub, c)))
      return states.every((s) => s?.state === 'delivered' || s?.state === 'dead')
    })
    t.equal(await batchCalls(hub) - before, 2, 'the blocker, then the five dossiers in one call')
    t.strictSame(await Promise.all(codes.map((c) => receivedVersions(hub, c))), [[1], [1], [], [1], [1]])
    t.strictSame((await Promise.all(codes.map((c) => syncState(hub, c)))).map((s) => s.state), ['delivered', 'delivered', 'dead', 'delivered', 'delivered'])
    const letters = (await hub.call('/admin/dead-letters?target=national-portal')).body.items.filter((d: any) => codes.includes(d.dossierCode))
    t.equal(letters.length, 1, 'one dead letter')
    t.match(letters[0], { dossierCode: codes[2], kind: 'snapshot', version: 1, attempts: 1, upstreamCode: '2', lastError: /rejected 2 .*MaTTHC/ })
  })

  await t.test('a PUT the ledger cannot store fails alone: the PUTs committed with it are accepted', async (t) => {
    const codes = Array.from({ length: 8 }, () => newCode('accept'))
    const bad = newCode('nul')
    const answers = await Promise.all([
      ...codes.map((c) => putDossier(hub, c, snapshot(1, base))),
      putDossier(hub, bad, snapshot(1, { ...base, summary: 'a NUL \u0000 inside' })),
      ...codes.map((c) => putDossier(hub, c, snapshot(2, base))),
    ])
    t.strictSame(answers.map((a) => a.status), [...codes.map(() => 202), 400, ...codes.map(() => 202)])
    t.match(answers[codes.length]!.body, { code: 'VALIDATION_FAILED', errors: [{ message: /U\+0000/ }] })
    t.equal((await hub.call(`/v1/dossiers/${bad}`)).status, 404, 'nothing of it was kept')
    await waitFor('the others delivered', async () => (await Promise.all(codes.map((c) => syncState(hub, c)))).every((s) => s?.deliveredVersion === 2))
  })

  await t.test('the portal down under a batch: every dossier is retried and delivered once when it returns', async (t) => {
    const codes = [1, 2, 3, 4, 5, 6].map(() => newCode('outage'))
    await portalSim(hub, 'POST', '/__sim/faults', { status: 503 })
    for (const code of codes) t.equal((await putDossier(hub, code, snapshot(1, base))).status, 202)
    await waitFor('all retrying', async () => (await Promise.all(codes.map((c) => syncState(hub, c)))).every((s) => s?.state === 'retrying' && s.attempts >= 1))
    t.strictSame(await Promise.all(codes.map((c) => receivedVersions(hub, c))), codes.map(() => []), 'nothing reached the portal')
    await portalSim(hub, 'DELETE', '/__sim/faults')
    await waitFor('all delivered', async () => (await Promise.all(codes.map((c) => syncState(hub, c)))).every((s) => s?.state === 'delivered'), 20_000)
    t.strictSame(await Promise.all(codes.map((c) => receivedVersions(hub, c))), codes.map(() => [1]), 'each delivered exactly once')
  })

  await t.test('latest wins across batches: versions keep arriving while batches go out; each dossier ends with its highest', async (t) => {
    await portalSim(hub, 'POST', '/__sim/faults', { latencyMs: 30 })
    const before = await batchCalls(hub)
    const codes = Array.from({ length: 20 }, () => newCode('rounds'))
    for (let v = 1; v <= 6; v++) {
      const answers = await Promise.all(codes.map((c) => putDossier(hub, c, snapshot(v, { ...base, summary: `version ${v}` }))))
      t.ok(answers.every((a) => a.status === 202), `round ${v} accepted`)
      await new Promise((r) => setTimeout(r, 20))
    }
    await portalSim(hub, 'DELETE', '/__sim/faults')
    await waitFor('every v6 delivered', async () => (await Promise.all(codes.map((c) => syncState(hub, c)))).every((s) => s?.deliveredVersion === 6), 20_000)
    const all = await Promise.all(codes.map((c) => receivedVersions(hub, c)))
    t.ok(all.every((v) => v.at(-1) === 6), 'the last version each dossier received is its highest')
    t.ok(all.every((v) => v.every((x, i) => i === 0 || x > v[i - 1]!)), 'no version after a newer one, none twice')
    const deliveries = all.reduce((n, v) => n + v.length, 0)
    t.ok(all.every((v) => v.length > 1), `each dossier's versions went out in several batches (${deliveries} deliveries)`)
    t.ok(await batchCalls(hub) - before < deliveries / 2, 'a call carried several dossiers')
  })
})
