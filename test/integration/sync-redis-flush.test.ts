/**
 * Redis FLUSHALL in the middle of a burst and again while retries wait (DESIGN §3.2): every queued
 * wake-up, delayed retry and even the reconciler's schedule vanish; the reconciler (re-registered by its watchdog) finds the
 * open outbox rows in the ledger and everything is delivered. Runs on a private redis-server so
 * the flush touches no other test.
 */
import t from 'tap'
import { Redis } from 'ioredis'
import { startTestHub } from '../helpers/hub.js'
import { startPrivateRedis } from '../helpers/processes.js'
import { snapshot, versionOf, waitFor } from '../helpers/dossier.js'
import { SANDBOX_PROCEDURES, SANDBOX_PROVINCE_CODE } from '../../connectors/national-portal/simulator.js'

const DOSSIERS = 200
const VERSIONS = 5

t.test('FLUSHALL mid-burst: the reconciler restores and everything is delivered', async (t) => {
  const redis = await startPrivateRedis()
  t.teardown(() => redis.stop())
  const hub = await startTestHub('postgres', {
    redis: { url: redis.url },
    sync: { reconcileEveryMs: 300, staleAfterMs: 1000, leaseMs: 2000 },
  })
  t.teardown(() => hub.close())
  const admin = new Redis(redis.url)
  t.teardown(() => admin.quit())
  const simUrl = hub.simulators['national-portal']!.url
  // Slow the portal a little so work is queued when the flush lands.
  await fetch(`${simUrl}/__sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ latencyMs: 20 }) })
  const base = { procedureCode: SANDBOX_PROCEDURES.birthRegistration, agencyCode: SANDBOX_PROVINCE_CODE }
  const code = (i: number) => `HS-FLUSH-${hub.schema}-${i}`

  const work = Array.from({ length: DOSSIERS * VERSIONS }, (_, n) => ({ dossier: n % DOSSIERS, version: Math.floor(n / DOSSIERS) + 1 }))
  const accepted = new Map<number, number>()
  let next = 0
  let flushed = 0
  const flush = async () => {
    flushed++
    await admin.flushall()
  }
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < work.length) {
      const w = work[next++]!
      if (flushed === 0 && next >= work.length / 2) await flush()
      const res = await hub.call(`/v1/dossiers/${code(w.dossier)}`, { method: 'PUT', body: snapshot(w.version, base) })
      if (res.status === 202) accepted.set(w.dossier, Math.max(accepted.get(w.dossier) ?? 0, w.version))
      else t.fail(`unexpected ${res.status} ${JSON.stringify(res.body)}`)
    }
  }))
  // And once more after the burst while changes wait for a retry: the portal is down, so the
  // workers stop delivering and the wake-ups left are mostly delayed jobs, which the flush takes
  // (with the reconciler's schedule): the reconciler must restore the work from the ledger.
  await fetch(`${simUrl}/__sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 503 }) })
  // Batched delivery may have caught up with the whole burst already: one more version per
  // dossier, accepted while the portal is down, guarantees work that waits for a retry.
  for (let i = 0; i < DOSSIERS; i++) {
    const res = await hub.call(`/v1/dossiers/${code(i)}`, { method: 'PUT', body: snapshot(VERSIONS + 1, base) })
    if (res.status === 202) accepted.set(i, VERSIONS + 1)
    else t.fail(`unexpected ${res.status} ${JSON.stringify(res.body)}`)
  }
  await waitFor('changes waiting for a retry', async () => (await hub.call('/admin/queues')).body.targets['national-portal'].retrying > 0, 30_000, 100)
  await flush()
  t.equal(flushed, 2, 'Redis was flushed mid-burst and while retries waited')
  await fetch(`${simUrl}/__sim/faults`, { method: 'DELETE' })

  const received = async (i: number) => ((await (await fetch(`${simUrl}/__sim/dossiers/${code(i)}`)).json()) as any).versions.map((v: any) => versionOf(v.record.TrichYeuHoSo)) as number[]
  await waitFor('every latest version delivered', async () => {
    for (let i = 0; i < DOSSIERS; i++) if ((await received(i)).at(-1) !== accepted.get(i)) return false
    return true
  }, 60_000, 500)
  let stale = 0
  for (let i = 0; i < DOSSIERS; i++) {
    const v = await received(i)
    for (let k = 1; k < v.length; k++) if (v[k]! < v[k - 1]!) stale++
  }
  t.equal(stale, 0, 'no version delivered after a newer one')
  t.ok(hub.logs.some((l) => l.includes('reconciler re-enqueued')), 'the reconciler did the restoring')
})
