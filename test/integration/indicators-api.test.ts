/**
 * `GET /v1/indicators` and `/v1/indicators/summary` over HTTP on the sandbox sample (36 dossiers
 * and 12 feedback events sent through the real API): the shape the console reads, CSV, the scope,
 * agency restrictions, bad periods, the OpenAPI operation ids and the gauges.
 */
import t from 'tap'
import { sha256Hex } from '../../src/plugins/auth.js'
import { seedSandboxSample } from '../../src/indicators/sandbox-sample.js'
import { startListeningHub } from '../helpers/hub.js'

const RESTRICTED = 'indicators-restricted-key-not-a-secret'
const NO_SCOPE = 'no-indicators-scope-key-not-a-secret'
const NOV = 'from=2026-11-01&to=2026-11-30'

t.test('indicators API on the sandbox sample', async (t) => {
  const hub = await startListeningHub('pglite', {
    clients: [
      { name: 'commune-10', keySha256: sha256Hex(RESTRICTED), scopes: ['indicators:read'], agencies: ['*.10.H48'] },
      { name: 'no-scope', keySha256: sha256Hex(NO_SCOPE), scopes: ['dossiers:read'] },
    ],
  })
  t.teardown(() => hub.close())
  t.strictSame(await seedSandboxSample(hub), { dossiers: 36, feedback: 12 })
  t.strictSame(await seedSandboxSample(hub), { dossiers: 36, feedback: 12 }, 'a second load changes nothing (unchanged versions, known webhook ids)')
  const as = (key: string) => ({ headers: { authorization: `Bearer ${key}` } })

  const all = await hub.call(`/v1/indicators?${NOV}`)
  t.equal(all.status, 200)
  t.strictSame(Object.keys(all.body), ['from', 'to', 'groupBy', 'rows'])
  t.strictSame([all.body.from, all.body.to, all.body.groupBy, all.body.rows.map((r: { key: string }) => r.key)], ['2026-11-01', '2026-11-30', 'none', ['all']])
  const ind = all.body.rows[0].indicators
  t.strictSame(ind.onlineShare, { available: true, value: 0.5, numerator: 18, denominator: 36 }, 'channels cycle online, in person, online, post')
  t.strictSame(ind.satisfactionRate, { available: true, value: 0.6667, numerator: 8, denominator: 12 }, 'four of the twelve ratings are 2, the rest 5')
  t.strictSame(ind.onTimeRate, { available: true, value: 0.7778, numerator: 21, denominator: 27 }, '27 finished dossiers (n % 4 ≠ 3), 6 of them late (n % 5 = 0)')
  t.strictSame(ind.edocElectronicShare.available, false)
  t.match(ind.edocElectronicShare.needs, /on paper/)

  const byAgency = await hub.call(`/v1/indicators?${NOV}&groupBy=agency`)
  t.strictSame(byAgency.body.rows.map((r: { key: string }) => r.key), ['000.00.10.H48', '000.00.13.H48', '000.00.61.H48'], 'the old Kon Tum code counts under the code it became')

  await t.test('a client restricted to some agencies sees those only', async (t) => {
    const mine = await hub.call(`/v1/indicators?${NOV}&groupBy=agency`, as(RESTRICTED))
    t.strictSame(mine.body.rows.map((r: { key: string }) => r.key), ['000.00.10.H48'])
    t.strictSame(mine.body.rows[0], byAgency.body.rows[0], 'the same figures the province sees for it')
    const other = await hub.call(`/v1/indicators?${NOV}&agency=000.00.61.H48&groupBy=agency`, as(RESTRICTED))
    t.strictSame(other.body.rows, [], 'another agency asked for by name: nothing')
    const summary = await hub.call(`/v1/indicators/summary?${NOV}`, as(RESTRICTED))
    t.strictSame(summary.body.agencies.map((a: { agency: string }) => a.agency), ['000.00.10.H48'])
  })

  await t.test('the scope is required', async (t) => {
    const res = await hub.call(`/v1/indicators?${NOV}`, as(NO_SCOPE))
    t.strictSame([res.status, res.body.code], [403, 'FORBIDDEN'])
  })

  await t.test('CSV for the reports, by format=csv or Accept: text/csv', async (t) => {
    const csv = await hub.call(`/v1/indicators?${NOV}&groupBy=agency&format=csv`)
    t.equal(csv.status, 200)
    t.match(csv.headers.get('content-type'), /^text\/csv/)
    const lines = String(csv.body).trimEnd().split('\r\n')
    t.equal(lines[0], 'from,to,groupBy,key,indicator,available,value,numerator,denominator,needs')
    t.equal(lines.length, 1 + 3 * 18, 'one line per agency and indicator')
    const online = byAgency.body.rows[0].indicators.onlineShare
    t.ok(lines.includes(`2026-11-01,2026-11-30,agency,000.00.10.H48,onlineShare,true,${online.value},${online.numerator},${online.denominator},`))
    const needs = byAgency.body.rows[0].indicators.satisfactionRate.needs // the sample's feedback is on the other agencies
    t.ok(lines.includes(`2026-11-01,2026-11-30,agency,000.00.10.H48,satisfactionRate,false,,,,${needs}`))
    const accept = await hub.call(`/v1/indicators?${NOV}&groupBy=agency`, { headers: { accept: 'text/csv' } })
    t.equal(accept.body, csv.body)
    // The q-values count: the console asks every route for `application/json, text/csv;q=0.9` and
    // must get JSON here (it got CSV, and its indicators table failed, when any text/csv meant CSV).
    for (const [accept, type] of [['application/json, text/csv;q=0.9', /^application\/json/], ['*/*', /^application\/json/], ['text/csv;q=0.5, application/*', /^application\/json/], ['application/json;q=0.5, text/csv', /^text\/csv/]] as const) {
      t.match((await hub.call(`/v1/indicators?${NOV}&groupBy=agency`, { headers: { accept } })).headers.get('content-type'), type, `Accept: ${accept}`)
    }
  })

  await t.test('a bad period is a 400 with the field, never a 5xx', async (t) => {
    for (const [query, path] of [['from=2026-11-31&to=2026-12-01', '/from'], ['from=2026-11-02&to=2026-11-01', '/to'], ['from=2020-01-01&to=2026-01-01', '/to']] as const) {
      const res = await hub.call(`/v1/indicators?${query}`)
      t.strictSame([res.status, res.body.code, res.body.errors?.[0]?.path], [400, 'VALIDATION_FAILED', path], query)
    }
    const res = await hub.call(`/v1/indicators?${NOV}&groupBy=week`)
    t.equal(res.status, 400)
  })

  await t.test('the summary: five groups per agency, points from the configured weights', async (t) => {
    const res = await hub.call(`/v1/indicators/summary?${NOV}`)
    t.equal(res.status, 200)
    const first = res.body.agencies[0]
    t.strictSame(first.groups.map((g: { id: string; maxPoints: number }) => [g.id, g.maxPoints]), [['publicity', 18], ['progress', 20], ['digitization', 22], ['online', 22], ['satisfaction', 18]])
    const progress = first.groups[1]
    const onTime = progress.rates.onTimeRate
    t.equal(progress.points, Math.round(onTime.value * 20 * 100) / 100, 'progress: the on-time rate × its 20 points (target 100 %)')
    t.equal(first.groups[0].points, null, 'publicity scores a rate that needs the national procedure database')
  })

  await t.test('OpenAPI operation ids and the gauges', async (t) => {
    const doc = (await hub.call('/openapi.json')).body
    t.equal(doc.paths['/v1/indicators'].get.operationId, 'getIndicators')
    t.equal(doc.paths['/v1/indicators/summary'].get.operationId, 'getIndicatorSummary')
    const metrics = await fetch(`${hub.url}/metrics`).then((r) => r.text())
    t.match(metrics, /lgsp_indicator_dead_letters \d+/)
  })
})
