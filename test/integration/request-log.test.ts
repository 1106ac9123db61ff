/**
 * One log line per request at info, none for the probes and scrapes (issue 17: two lines per
 * request were 132 MB per 288,000 requests).
 */
import t from 'tap'
import { startTestHub } from '../helpers/hub.js'

t.test('an API request logs one line; /healthz, /readyz and /metrics log none', async (t) => {
  const hub = await startTestHub('pglite')
  t.teardown(() => hub.close())
  const before = hub.logs.length
  t.equal((await hub.call('/healthz')).status, 200)
  t.equal((await hub.call('/readyz')).status, 200)
  t.equal((await hub.call('/metrics')).status, 200)
  const listed = await hub.call('/v1/dossiers?limit=1', { headers: { 'x-request-id': 'req-log-check-1' } })
  t.equal(listed.status, 200)
  const refused = await hub.call('/v1/dossiers', { headers: { authorization: 'Bearer wrong-key', 'x-request-id': 'req-log-check-2' } })
  t.equal(refused.status, 401)

  const lines = hub.logs.slice(before).map((line) => JSON.parse(line) as Record<string, any>)
  const requests = lines.filter((line) => line.msg === 'request completed' || line.msg === 'incoming request')
  t.strictSame(
    requests.map((line) => ({ level: line.level, reqId: line.reqId, method: line.req.method, url: line.req.url, status: line.res.statusCode, timed: typeof line.responseTime === 'number' })),
    [
      { level: 30, reqId: 'req-log-check-1', method: 'GET', url: '/v1/dossiers?limit=1', status: 200, timed: true },
      { level: 30, reqId: 'req-log-check-2', method: 'GET', url: '/v1/dossiers', status: 401, timed: true },
    ],
  )
})

t.test("a caller's request id with a run of 9+ digits (a personal ID may hide there) is replaced, never echoed or logged", async (t) => {
  const hub = await startTestHub('pglite')
  t.teardown(() => hub.close())
  const before = hub.logs.length
  const uuidWithId = '3f2b1c4d-5e6f-4a7b-8c9d-001234567890' // last group: a 12-digit citizen ID
  for (const given of [uuidWithId, 'req-123456789']) {
    const res = await hub.call('/v1/dossiers?limit=1', { headers: { 'x-request-id': given } })
    t.equal(res.status, 200)
    const echoed = res.headers.get('x-request-id')!
    t.not(echoed, given, `${given} is not echoed`)
    t.match(echoed, /^[0-9a-f]{8}-[0-9a-f]{4}-/, 'a fresh id is minted instead')
  }
  const kept = await hub.call('/v1/dossiers?limit=1', { headers: { 'x-request-id': 'one-stop-2026-12-03-00042' } })
  t.equal(kept.headers.get('x-request-id'), 'one-stop-2026-12-03-00042', 'an ordinary caller id is kept')
  const logged = hub.logs.slice(before).join('\n')
  t.notOk(logged.includes('001234567890') || logged.includes('123456789'), 'the digits reach no log line')
})
