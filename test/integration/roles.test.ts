/**
 * Split roles (DESIGN §7): an `api` replica accepts work but delivers nothing; a `worker` replica
 * on the same Redis and PostgreSQL delivers it and serves only health and metrics.
 */
import t from 'tap'
import { createHash, randomBytes } from 'node:crypto'
import { DEMO_KEY, startTestHub } from '../helpers/hub.js'
import { startChildHub } from '../helpers/processes.js'
import { startReceiver } from '../helpers/receiver.js'
import { signWebhook } from '../../src/webhooks/signature.js'
import { SCOPES } from '../../schemas/config.js'
import { snapshot, waitFor } from '../helpers/dossier.js'
import { SANDBOX_PROCEDURES, SANDBOX_PROVINCE_CODE } from '../../connectors/national-portal/simulator.js'

t.test('an api replica and a worker replica share the work', async (t) => {
  const api = await startTestHub('postgres', { role: 'api' })
  t.teardown(() => api.close())
  const code = `H34-ROLES-${Date.now()}`
  const put = await api.call(`/v1/dossiers/${code}`, { method: 'PUT', body: snapshot(1, { procedureCode: SANDBOX_PROCEDURES.birthRegistration, agencyCode: SANDBOX_PROVINCE_CODE }) })
  t.equal(put.status, 202)
  await new Promise((r) => setTimeout(r, 500))
  t.match((await api.call(`/v1/dossiers/${code}`)).body, { sync: { 'national-portal': { state: 'pending' } } }, 'the api replica runs no delivery worker')

  // The worker replica reaches the api replica's portal simulator, ledger and queues.
  const worker = await startTestHub('postgres', {
    role: 'worker',
    redis: { keyPrefix: api.prefix },
    database: { schema: api.schema },
    connectors: { 'national-portal': api.config.connectors['national-portal'] },
  })
  t.teardown(() => worker.close())
  await waitFor('delivered by the worker', async () => {
    const view = await api.call(`/v1/dossiers/${code}`)
    return view.body.sync?.['national-portal']?.state === 'delivered' ? view.body : undefined
  })
  t.equal((await worker.call('/healthz')).status, 200)
  t.equal((await worker.call('/readyz')).status, 200)
  t.match((await worker.call('/metrics')).body, /lgsp_sync_deliveries_total/)
  const refused = await worker.call(`/v1/dossiers/${code}`)
  t.equal(refused.status, 404, 'a worker replica serves no API route')
  t.equal(refused.headers.get('content-type'), 'application/problem+json; charset=utf-8')
})

/**
 * The deployment of compose.yaml without Docker: two `api` processes and one `worker` process on
 * one PostgreSQL schema and one Redis prefix, the sandbox off (real config, key hashes), the portal
 * simulator and a one-stop receiver in this test. Dossier versions and progress steps are PUT to
 * both api replicas, webhooks pushed to both (some twice, to the other replica); the worker
 * delivers. Nothing may be handled twice (a version or step at the portal twice, a webhook-id at
 * the receiver twice) and nothing lost (every dossier's last version, every step, every event).
 */
t.test('api ×2 and worker as separate processes: nothing handled twice, nothing lost', async (t) => {
  const portalModule = (await import('../../connectors/national-portal/index.js')).default
  const portal = await portalModule.startSimulator!({ port: 0 })
  t.teardown(() => portal.close())
  const oneStop = `whsec_${Buffer.from('roles-one-stop-not-real').toString('base64')}`
  const portalSecret = `whsec_${Buffer.from('roles-portal-not-real').toString('base64')}`
  const receiver = await startReceiver({ secret: oneStop })
  t.teardown(() => receiver.close())

  const config = (shared?: { prefix: string; schema: string }) => (role: string) => () => ({
    role,
    sandbox: { enabled: false },
    ...(shared && { redis: { keyPrefix: shared.prefix }, database: { schema: shared.schema } }),
    clients: [{ name: 'roles-test', keySha256: createHash('sha256').update(DEMO_KEY).digest('hex'), scopes: [...SCOPES], rateLimitPerMinute: 1_000_000 }],
    connectors: { population: { enabled: false }, 'business-registry': { enabled: false }, 'document-axis': { enabled: false }, 'civil-status': { enabled: false }, 'national-portal': portal.config },
    subscribers: [{ name: 'one-stop', url: receiver.url, secrets: [oneStop] }],
    webhooks: { nationalPortal: { secrets: [portalSecret] }, scheduleMs: [0, 200, 500, 1000] },
    sync: { reconcileEveryMs: 500, staleAfterMs: 2000 },
    portalInbound: { pollEveryMs: 0 },
  })
  const api1 = await startChildHub(t, config()('api'))
  const shared = { prefix: api1.prefix, schema: api1.schema }
  const [api2, worker] = await Promise.all([startChildHub(t, config(shared)('api')), startChildHub(t, config(shared)('worker'))])
  const apis = [api1, api2]
  const call = (i: number, path: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}) =>
    fetch(`${apis[i % 2]!.url}${path}`, { method: init.method ?? 'POST', headers: { authorization: `Bearer ${DEMO_KEY}`, 'content-type': 'application/json', ...init.headers }, ...(init.body !== undefined && { body: init.body }) })

  const run = randomBytes(3).toString('hex')
  const codes = Array.from({ length: 30 }, (_, i) => `H48-SPLIT-${run}-${i}`)
  const statuses: number[] = []
  for (const [i, code] of codes.entries()) {
    for (const version of [1, 2, 3]) {
      const body = snapshot(version, { procedureCode: SANDBOX_PROCEDURES.birthRegistration, agencyCode: SANDBOX_PROVINCE_CODE })
      statuses.push((await call(i + version, `/v1/dossiers/${code}`, { method: 'PUT', body: JSON.stringify(body) })).status)
    }
    const step = { id: `step-${i}`, officer: 'Trần Văn Bình', unit: 'Bộ phận một cửa', at: '2026-11-26T09:00:00+07:00', content: 'Tiếp nhận hồ sơ' }
    statuses.push((await call(i + 1, `/v1/dossiers/${code}/progress`, { body: JSON.stringify(step) })).status)
  }
  const eventIds = Array.from({ length: 30 }, (_, i) => `msg_roles_${run}_${i}`)
  for (const [i, id] of eventIds.entries()) {
    const body = JSON.stringify({ type: 'feedback.submitted', timestamp: new Date().toISOString(), data: { agencyCode: SANDBOX_PROVINCE_CODE, rating: 1 + (i % 5), submittedAt: new Date().toISOString() } })
    const headers = { ...signWebhook({ id, timestamp: Math.floor(Date.now() / 1000), body, secrets: [portalSecret] }) }
    statuses.push((await call(i, '/v1/webhooks/national-portal', { body, headers })).status)
    // A resend of every third one reaches the other replica: deduplicated there by webhook-id.
    if (i % 3 === 0) statuses.push((await call(i + 1, '/v1/webhooks/national-portal', { body, headers })).status)
  }
  t.ok(statuses.every((s) => s === 200 || s === 202), `every request accepted (${statuses.length})`)

  const inspect = async (kind: 'dossiers' | 'progress', code: string) => (await (await fetch(`${portal.url}/__sim/${kind}/${encodeURIComponent(code)}`)).json()) as { versions?: Array<{ record: Record<string, unknown> }>; entries?: unknown[] }
  await waitFor('every dossier at version 3 and every step at the portal', async () => {
    for (const code of codes) {
      const versions = (await inspect('dossiers', code)).versions ?? []
      if (versions.at(-1)?.record.TrichYeuHoSo !== 'version 3' || (await inspect('progress', code)).entries?.length !== 1) return false
    }
    return receiver.received.length >= eventIds.length
  }, 60_000, 250)
  await new Promise((r) => setTimeout(r, 1500)) // a late duplicate would arrive now

  for (const code of codes) {
    const versions = (await inspect('dossiers', code)).versions!
    // The snapshot helper writes `version N` into the summary (TrichYeuHoSo on the wire).
    const sent = versions.map((v) => v.record.TrichYeuHoSo)
    t.equal(new Set(sent).size, sent.length, `${code}: no version delivered twice (${sent.join(', ')})`)
    t.equal(sent.at(-1), 'version 3', `${code}: the last version delivered last`)
    t.equal((await inspect('progress', code)).entries!.length, 1, `${code}: its step delivered once`)
  }
  const received = receiver.received.map((d) => d.id)
  t.strictSame([...new Set(received)].sort(), [...eventIds].sort(), 'every event delivered to the one-stop')
  t.equal(received.length, eventIds.length, 'none delivered twice')
  const view = await (await call(0, `/v1/dossiers/${codes[0]}`, { method: 'GET', headers: { 'x-officer-id': 'CB-0001', 'x-purpose': 'roles-test' } })).json() as { sync: Record<string, { state: string; deliveredVersion: number }> }
  t.match(view.sync['national-portal'], { state: 'delivered', deliveredVersion: 3 }, 'the ledger agrees: the last version delivered')
  t.equal((await fetch(`${worker.url}/v1/events`)).status, 404, 'the worker process serves no API route')
})
