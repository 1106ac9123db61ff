/**
 * Split roles (DESIGN §7): an `api` replica accepts work but delivers nothing; a `worker` replica
 * on the same Redis and PostgreSQL delivers it and serves only health and metrics.
 */
import t from 'tap'
import { startTestHub } from '../helpers/hub.js'
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
