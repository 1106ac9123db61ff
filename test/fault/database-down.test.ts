/**
 * Findings 1 and 2 under load: PostgreSQL stopped (`pg_ctl stop -m fast`) in the middle of a burst
 * of dossier PUTs and signed webhooks, then started again. The hub must not crash, must answer
 * 503 (never 500) while the database is away — on every route the attack run saw answer 500 —
 * and must deliver everything it answered 202 once the database is back. The database is a
 * throwaway cluster of this test's own on a spare port.
 */
import t from 'tap'
import { startPgCluster } from '../helpers/pg-cluster.js'
import { startFaultHub } from '../helpers/fault-hub.js'
import { startLoad, portalVersions } from '../helpers/load.js'
import { waitFor } from '../helpers/dossier.js'
import { edocBody } from '../helpers/edocs.js'
import { signWebhook } from '../../src/webhooks/signature.js'
import { SANDBOX_WEBHOOK_SECRET } from '../../src/server.js'

const ONE_STOP = `whsec_${Buffer.from('fault-one-stop-secret-not-real').toString('base64')}`

t.test('PostgreSQL stopped under load: no crash, 503 while down, every 202 delivered after', async (t) => {
  const cluster = await startPgCluster()
  t.teardown(() => cluster.remove())
  const { hub, receiver, crashes } = await startFaultHub(t, { secret: ONE_STOP, overrides: { database: { url: cluster.url, schema: 'fault' } }, logLevel: 'warn' })

  const load = startLoad(hub, { dossiers: 40, tag: 'dbdown' })
  await load.more(202, 40) // mid-burst: work accepted and in flight
  await cluster.stop('fast')
  await load.more(503, 10) // the load meets the outage

  // Every route the attack run saw answer 500 with the database away.
  const doc = { code: '062090001234.KS', title: 'Giấy khai sinh', url: 'https://files.example/ks.pdf', sha256: 'b'.repeat(64) }
  const step = { id: 'step-1', officer: 'CB-0001', unit: 'Một cửa', at: '2026-11-21T08:00:00+07:00', content: 'ok' }
  const probes: Array<[string, string, unknown?]> = [
    ['POST', '/v1/dossiers/HS-dbdown-1/progress', step], ['GET', '/v1/dossiers/HS-dbdown-1'], ['GET', '/v1/dossiers'],
    ['POST', '/v1/documents/search', { ownerId: '062090001234' }], ['POST', '/v1/documents', doc],
    ['GET', '/v1/events'], ['GET', '/admin/queues'], ['GET', '/admin/dead-letters'], ['POST', '/v1/edocs', edocBody()], ['GET', '/readyz'],
  ]
  const down: Record<string, number> = {}
  for (const [method, path, body] of probes) down[`${method} ${path}`] = (await hub.call(path, { method, ...(body !== undefined && { body }) })).status
  const hookBody = JSON.stringify({ type: 'dossier.status_changed', timestamp: new Date().toISOString(), data: { dossierCode: 'H34-X', agencyCode: '000.01.20.H34', status: 'processing', changedAt: '2026-11-21T08:00:00+07:00' } })
  const hook = await hub.call('/v1/webhooks/national-portal', { body: hookBody, headers: { authorization: '', 'x-officer-id': '', 'x-purpose': '', ...signWebhook({ id: 'msg_dbdown_probe', timestamp: Math.floor(Date.now() / 1000), body: hookBody, secrets: [SANDBOX_WEBHOOK_SECRET] }) } })
  down['POST /v1/webhooks/national-portal'] = hook.status
  t.strictSame(down, Object.fromEntries([...probes.map(([m, p]) => [`${m} ${p}`, 503]), ['POST /v1/webhooks/national-portal', 503]]), 'every route answers 503 while the database is down')

  await cluster.start()
  await load.more(202, 40) // accepting again
  const result = await load.stop()
  t.strictSame(result.failures, [], 'no 5xx other than 503')
  t.ok((result.statuses.get(503) ?? 0) > 0, `503s were answered while down (${JSON.stringify([...result.statuses])})`)
  t.ok(result.accepted.size > 0 && result.events.length > 0, 'work was accepted before and after')
  t.strictSame(crashes, [], 'the process never crashed')

  await waitFor('every accepted version delivered', async () => {
    for (const [code, version] of result.accepted) if ((await portalVersions(hub, code)).at(-1) !== version) return false
    return true
  }, 60_000, 300)
  const received = await receiver.waitForIds(result.events, 60_000)
  const got = new Set(received.map((d) => d.id))
  t.strictSame(result.events.filter((id) => !got.has(id)), [], 'every webhook answered 202 reached the subscriber')
  t.equal((await hub.call('/readyz')).status, 200, 'ready again')
})
