/**
 * The standing hostile-input suite: for every route in the hub's own OpenAPI document, requests
 * generated from that route's schemas (fast-check, seeded, bounded) mixed with the edge values
 * of finding 6, with and without the key and the officer headers, against a real hub on
 * PostgreSQL holding real personal data (sandbox citizens, dossiers, an event, a document).
 * Every answer must be below 500, every error application/problem+json, and an answer that
 * carries a personal ID the caller did not send must come from a request that was audited.
 */
import t from 'tap'
import fc from 'fast-check'
import pg from 'pg'
import { startTestHub, DEMO_KEY, TEST_DATABASE_URL } from '../helpers/hub.js'
import { snapshot } from '../helpers/dossier.js'
import { arbitraryFor } from './arbitraries.js'
import { sandboxCitizens, demoCitizens } from '../../connectors/population/fake-citizens.js'
import { sampleEvent } from '../../connectors/national-portal/simulator-push.js'
import { signWebhook } from '../../src/webhooks/signature.js'
import { SANDBOX_WEBHOOK_SECRET } from '../../src/server.js'

const SEED = 20261203
const RUNS_PER_ROUTE = Number(process.env.HOSTILE_RUNS ?? 40)
const ID_RUN = /(?<![0-9])(?:[0-9]{12}|[0-9]{9})(?![0-9])/g

type Operation = { parameters?: Array<{ in: string; name: string; required?: boolean; schema?: object }>; requestBody?: { content?: Record<string, { schema?: object }> } }

/** encodeURIComponent, but a lone surrogate goes as the bytes a careless client would send. */
const encode = (v: unknown) => {
  const s = typeof v === 'string' ? v : JSON.stringify(v) ?? ''
  try { return encodeURIComponent(s) } catch { return s.replace(/[\ud800-\udfff]/g, '%ED%A0%80').replace(/[^%\w.-]/g, (c) => { try { return encodeURIComponent(c) } catch { return '' } }) }
}

t.test('every route, generated and edge input: no 5xx, problem+json, no unaudited personal ID', async (t) => {
  const hub = await startTestHub('postgres', { server: { authFailuresPerMinute: 1_000_000 }, log: { level: 'fatal' } })
  t.teardown(() => hub.close())
  const db = new pg.Client({ connectionString: TEST_DATABASE_URL })
  await db.connect()
  t.teardown(() => db.end())

  // Personal data the hub holds: dossiers, an inbound event, a document, the population register.
  const people = demoCitizens().slice(0, 4)
  const known = new Set<string>()
  for (const c of [...sandboxCitizens(), ...demoCitizens()]) for (const id of JSON.stringify(c).match(ID_RUN) ?? []) known.add(id)
  const codes = people.map((_, i) => `HS-HOSTILE-${hub.schema}-${i}`)
  for (const [i, c] of people.entries()) {
    const res = await hub.call(`/v1/dossiers/${codes[i]}`, { method: 'PUT', body: snapshot(1, { procedureCode: '1.000001', agencyCode: '000.00.00.H34', applicant: { type: 'citizen', id: c.personalId, name: c.fullName } }) })
    t.equal(res.status, 202, 'seed dossier')
    await hub.call('/v1/documents', { body: { code: `${c.personalId}.KS`, title: 'Giấy khai sinh', url: 'https://files.example/ks.pdf', sha256: String(i).repeat(64).slice(0, 64) } })
  }
  const event = sampleEvent('dossier.submitted', { applicant: { type: 'citizen', id: people[0]!.personalId, name: people[0]!.fullName } } as never)
  const body = JSON.stringify({ ...event, timestamp: new Date().toISOString() })
  await hub.call('/v1/webhooks/national-portal', { body, headers: { authorization: '', 'x-officer-id': '', 'x-purpose': '', ...signWebhook({ id: 'msg_hostile_seed', timestamp: Math.floor(Date.now() / 1000), body, secrets: [SANDBOX_WEBHOOK_SECRET] }) } })
  const ids = people.map((c) => c.personalId)

  const doc = (await hub.app.inject({ url: '/openapi.json' })).json() as { paths: Record<string, Record<string, Operation>> }
  const operations = Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method: method.toUpperCase(), op })))
    .filter((o) => !o.path.startsWith('/docs'))
  t.ok(operations.length >= 30, `${operations.length} operations`)

  let n = 0
  const problems: string[] = []
  const statuses = new Map<number, number>()
  let auditedAnswers = 0
  for (const { path, method, op } of operations) {
    const params = op.parameters ?? []
    const part = (where: string) => fc.record(Object.fromEntries(params.filter((p) => p.in === where && !p.name.startsWith('x-')).map((p) => [p.name, p.in === 'path' && /code|id/i.test(p.name) ? fc.oneof(fc.constantFrom(...codes, ...ids), arbitraryFor(p.schema, ids)) : arbitraryFor(p.schema, ids)])), { requiredKeys: params.filter((p) => p.in === where && p.required).map((p) => p.name) })
    const bodySchema = op.requestBody?.content?.['application/json']?.schema
    const request = fc.record({
      path: part('path'), query: part('query'),
      body: bodySchema ? arbitraryFor(bodySchema, ids) : fc.constant(undefined),
      auth: fc.constantFrom('demo', 'demo', 'demo', 'wrong', 'none'),
      officer: fc.constantFrom(true, true, false),
    })
    await fc.assert(fc.asyncProperty(request, async (r) => {
      const url = path.replace(/\{(\w+)\}/g, (_, name: string) => encode((r.path as Record<string, unknown>)[name] ?? 'x')) +
        (Object.keys(r.query).length ? `?${Object.entries(r.query).map(([k, v]) => `${k}=${encode(v)}`).join('&')}` : '')
      const requestId = `hostile-${++n}`
      const headers: Record<string, string> = { 'x-request-id': requestId }
      if (r.auth !== 'none') headers.authorization = `Bearer ${r.auth === 'demo' ? DEMO_KEY : 'not-a-key'}`
      if (r.officer) Object.assign(headers, { 'x-officer-id': 'CB-HOSTILE', 'x-purpose': 'HS-HOSTILE-0001' })
      const sent = r.body === undefined ? undefined : JSON.stringify(r.body)
      const res = await hub.app.inject({ method: method as 'GET', url, headers: { ...headers, ...(sent !== undefined && { 'content-type': 'application/json' }) }, ...(sent !== undefined && { payload: sent }) })
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
      const where = `${method} ${url} ${sent?.slice(0, 200) ?? ''}`
      if (res.statusCode >= 500) problems.push(`${res.statusCode} on ${where}: ${res.body.slice(0, 300)}`)
      if (res.statusCode >= 400 && !String(res.headers['content-type']).startsWith('application/problem+json')) problems.push(`${res.statusCode} without problem+json on ${where}`)
      const leaked = (res.body.match(ID_RUN) ?? []).filter((id) => known.has(id) && !url.includes(id) && !(sent ?? '').includes(id))
      if (leaked.length > 0) {
        const audited = await db.query(`SELECT 1 FROM "${hub.schema}".audit_log WHERE request_id = $1`, [requestId])
        if (audited.rowCount! > 0) auditedAnswers++
        else problems.push(`unaudited personal ID ${leaked[0]} in ${res.statusCode} of ${where}`)
      }
    }), { seed: SEED, numRuns: RUNS_PER_ROUTE, endOnFailure: true })
  }
  t.strictSame(problems.slice(0, 20), [], `${n} requests over ${operations.length} operations`)
  const ok = [...statuses].filter(([s]) => s < 300).reduce((a, [, c]) => a + c, 0)
  t.ok(auditedAnswers > 5, `answers carrying personal IDs were checked against the audit log (${auditedAnswers})`)
  t.ok(ok > n / 10, `enough requests got through validation to reach handlers (${JSON.stringify(Object.fromEntries(statuses))})`)
})
