import t, { type Test } from 'tap'
import { xroadSignature } from '../../../src/upstream/auth/index.js'
import { UpstreamError } from '../../../src/upstream/errors.js'
import { startPopulationSimulator, SANDBOX_CREDENTIALS, SANDBOX_SERVICE_CODE, UNLICENSED_SERVICE_CODE, type PopulationSimulator, type SimulatorOptions } from '../../../connectors/population/simulator.js'
import { sandboxCitizens, demoCitizens } from '../../../connectors/population/fake-citizens.js'
import { renderLookup } from '../../../connectors/population/simulator-wire.js'
import { buildLookupRequest, buildVerifyRequest, parseLookupResponse, parseVerifyResponse } from '../../../connectors/population/wire.js'
import type { LookupInput, VerifyInput } from '../../../schemas/citizen.js'

const header = { requestId: 'req-1', serviceCode: SANDBOX_SERVICE_CODE, integrationCode: '037', officerId: 'CB-0042' }
const AN = { personalId: '062090001234', fullName: 'Nguyễn Văn An', dateOfBirth: '1990-05-15' }

async function start(t: Test, options: SimulatorOptions = {}): Promise<PopulationSimulator> {
  const sim = await startPopulationSimulator(options)
  t.teardown(() => sim.close())
  return sim
}

interface CallOptions { headers?: Record<string, string>; secret?: string; timestamp?: string; signal?: AbortSignal; unsigned?: boolean }

/** POSTs a SOAP document as the connector would, signed with the sandbox credentials unless told otherwise. */
async function call(sim: PopulationSimulator, xml: string, o: CallOptions = {}) {
  const timestamp = o.timestamp ?? String(Math.floor(Date.now() / 1000))
  const auth: Record<string, string> = o.unsigned ? {} : { timestamp, authorization: xroadSignature(`${sim.url}/`, SANDBOX_CREDENTIALS.username, timestamp, o.secret ?? SANDBOX_CREDENTIALS.secretKey) }
  const res = await fetch(`${sim.url}/`, {
    method: 'POST', body: xml, ...(o.signal && { signal: o.signal }),
    headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: '""', ...auth, ...o.headers },
  })
  return { status: res.status, body: await res.text(), headers: res.headers }
}

const lookup = async (sim: PopulationSimulator, input: LookupInput, h = header, o?: CallOptions) => {
  const r = await call(sim, buildLookupRequest(input, h), o)
  return parseLookupResponse(r.body, { status: r.status, personalId: input.personalId })
}
const verify = async (sim: PopulationSimulator, input: VerifyInput, h = header) => {
  const r = await call(sim, buildVerifyRequest(input, h))
  return parseVerifyResponse(r.body, { status: r.status })
}
const kindOf = (p: Promise<unknown>) => p.then(() => 'resolved', (e: UpstreamError) => `${e.kind}${e.upstreamCode ? ` ${e.upstreamCode}` : ''}`)

t.test('every sandbox citizen survives the simulator renderer and the connector parser unchanged', async (t) => {
  const broken = sandboxCitizens().filter((c) => {
    const parsed = parseLookupResponse(renderLookup('r', [c]), { status: 200, personalId: c.personalId })
    return JSON.stringify(Object.entries(parsed!).sort()) !== JSON.stringify(Object.entries(c).sort())
  })
  t.strictSame(broken.map((c) => c.personalId), [])
})

t.test('lookup: a match on ID + upper-cased name + date of birth returns the whole record', async (t) => {
  const sim = await start(t)
  t.strictSame(await lookup(sim, { ...AN, fullName: 'nguyễn  văn an' }), demoCitizens()[0])
  t.equal((await lookup(sim, { ...AN, dateOfBirth: '1990' }))?.personalId, AN.personalId, 'year only matches a full date in that year')
  const yearOnly = { personalId: '079055000089', fullName: 'Lê Văn Cường' }
  t.equal((await lookup(sim, { ...yearOnly, dateOfBirth: '1955-03-02' }))?.dateOfBirth, '1955', 'a year-only record matches any date in its year')
  t.equal(await lookup(sim, { ...yearOnly, dateOfBirth: '1956' }), null)
})

t.test('lookup: anything that does not match is an empty collection (null)', async (t) => {
  const sim = await start(t)
  t.equal(await lookup(sim, { ...AN, fullName: 'Nguyễn Văn Anh' }), null, 'other name')
  t.equal(await lookup(sim, { ...AN, dateOfBirth: '1990-05-16' }), null, 'other date')
  t.equal(await lookup(sim, { ...AN, personalId: '062090001235' }), null, 'unknown ID')
})

t.test('verify: match, per-field mismatches, unknown ID', async (t) => {
  const sim = await start(t)
  t.strictSame(await verify(sim, { ...AN, gender: 'male', nationality: 'VN', ethnicity: '01', permanentProvinceCode: '62', permanentWardCode: '23284' }), { match: true, mismatches: [] })
  t.strictSame(await verify(sim, { ...AN, fullName: 'Nguyễn Văn Ân', gender: 'female', permanentWardCode: '99999' }),
    { match: false, mismatches: ['fullName', 'gender', 'permanentWardCode'] })
  t.strictSame(await verify(sim, { ...AN, personalId: '062090009999' }), { match: false, mismatches: ['personalId'] })
})

t.test('004 for the unlicensed service code, 005 for blocked officers', async (t) => {
  const sim = await start(t)
  t.equal(await kindOf(lookup(sim, AN, { ...header, serviceCode: UNLICENSED_SERVICE_CODE })), 'rejected 004')
  t.equal(await kindOf(lookup(sim, AN, { ...header, officerId: 'BLOCKED-7' })), 'rejected 005')
  const custom = await start(t, { unlicensedServiceCodes: ['X'], blockedOfficerPrefix: 'NO-' })
  t.equal(await kindOf(lookup(custom, AN, { ...header, serviceCode: 'X' })), 'rejected 004')
  t.equal(await kindOf(lookup(custom, AN, { ...header, officerId: 'BLOCKED-7' })), 'resolved', 'prefix is configurable')
  t.strictSame(sim.stats().refused, { procedureNotLicensed: 1, officerNotAuthorised: 1 })
})

t.test('xroad-basic auth: 401 unless the signature, credentials and timestamp are right', async (t) => {
  const sim = await start(t)
  const xml = buildLookupRequest(AN, header)
  t.equal((await call(sim, xml)).status, 200, 'seconds timestamp')
  t.equal((await call(sim, xml, { timestamp: String(Date.now()) })).status, 200, 'milliseconds timestamp')
  t.equal((await call(sim, xml, { unsigned: true })).status, 401, 'no auth headers')
  t.equal((await call(sim, xml, { secret: 'guessed' })).status, 401, 'wrong secret')
  t.equal((await call(sim, xml, { timestamp: String(Math.floor(Date.now() / 1000) - 3600) })).status, 401, 'stale timestamp')
  t.equal(sim.stats().unauthorized, 3)
  const open = await start(t, { auth: false })
  t.equal((await call(open, xml, { unsigned: true })).status, 200, 'auth: false accepts anything')
})

t.test('strict about the wire format, so a drifting request builder fails here', async (t) => {
  const sim = await start(t)
  const xml = buildLookupRequest(AN, header)
  const fault = async (body: string, o?: CallOptions) => {
    const r = await call(sim, body, o)
    return `${r.status} ${/<faultstring>([^<]*)</.exec(r.body)?.[1] ?? r.body.trim()}`
  }
  t.equal(await fault(xml.replace('<MaDVC>SANDBOX-DVC</MaDVC><MaTichHop>037</MaTichHop>', '<MaTichHop>037</MaTichHop><MaDVC>SANDBOX-DVC</MaDVC>')),
    '500 element 2 must be MaDVC, found MaTichHop')
  t.equal(await fault(xml.replace('NGUYỄN VĂN AN', 'Nguyễn Văn An')), '500 HoVaTen must be upper-case')
  t.equal(await fault(xml.replace('<NgayThangNam>19900515</NgayThangNam>', '<NgayThangNam>1990-05-15</NgayThangNam>')), '500 NgayThangNam must be a yyyyMMdd date')
  t.equal(await fault(xml.replace(' xmlns="http://dancuquocgia.bca"', '')), '500 unknown operation {}TraCuuThongTinCongDan')
  t.equal(await fault(xml.replace('</NgayThangNamSinh>', '</NgayThangNamSinh><GioiTinh>1</GioiTinh>')), '500 unexpected element GioiTinh')
  t.equal(await fault(buildVerifyRequest({ ...AN, gender: 'male', nationality: 'VN' }, header).replace('<GioiTinh>1</GioiTinh><QuocTich>VN</QuocTich>', '<QuocTich>VN</QuocTich><GioiTinh>1</GioiTinh>')),
    '500 unexpected or out-of-order element GioiTinh')
  t.equal(await fault(`<!DOCTYPE x [<!ENTITY e "x">]>${xml.replace(/^<\?xml[^>]*>/, '')}`), '500 DTDs are not allowed in SOAP')
  t.equal(await fault(xml, { headers: { soapaction: '' } }), '200 ' + (await call(sim, xml)).body.trim(), 'an empty SOAPAction is fine')
  t.equal((await call(sim, xml, { headers: { 'content-type': 'application/json' } })).status, 415)
  t.equal((await fetch(`${sim.url}/`)).status, 405)
  t.equal((await call(sim, xml.replace('NGUYỄN VĂN AN', 'A'.repeat(70_000)))).status, 413, 'bounded request size')
})

t.test('faults by request header', async (t) => {
  const sim = await start(t)
  const xml = buildLookupRequest(AN, header)
  const kind = async (fault: string) => {
    const r = await call(sim, xml, { headers: { 'x-sim-fault': fault } })
    return kindOf(Promise.resolve().then(() => parseLookupResponse(r.body, { status: r.status, personalId: AN.personalId })))
      .then((k) => `${r.status} ${k}`)
  }
  t.equal(await kind('soap-fault-server'), '500 unavailable soap:Server')
  t.equal(await kind('soap-fault-client'), '500 rejected soap:Client')
  t.equal(await kind('malformed'), '200 bad_response')
  t.equal(await kind('error'), '500 unavailable')
  t.equal((await call(sim, xml, { headers: { 'x-sim-fault': 'http-503' } })).status, 503)
  const started = Date.now()
  t.equal((await call(sim, xml, { headers: { 'x-sim-latency-ms': '150' } })).status, 200)
  t.ok(Date.now() - started >= 140, 'latency applied')
  t.strictSame(sim.stats().faults, { hang: 0, status: 1, 'app-fault': 2, malformed: 1, error: 1 })
})

t.test('hang: no answer until the client aborts; close() still ends hung connections', async (t) => {
  const sim = await startPopulationSimulator()
  const xml = buildLookupRequest(AN, header)
  const aborted = await call(sim, xml, { headers: { 'x-sim-fault': 'hang' }, signal: AbortSignal.timeout(200) }).then(() => 'answered', (e: Error) => e.name)
  t.equal(aborted, 'TimeoutError')
  const pending = call(sim, xml, { headers: { 'x-sim-fault': 'hang' } }).then(() => 'answered', () => 'connection closed')
  await new Promise((r) => setTimeout(r, 100))
  const started = Date.now()
  await sim.close()
  t.ok(Date.now() - started < 1000, 'close() did not wait for the hung request')
  t.equal(await pending, 'connection closed')
})

t.test('control route: faults for the next N requests, then back to normal; stats', async (t) => {
  const sim = await start(t)
  const control = (method: string, path: string, body?: unknown) =>
    fetch(`${sim.url}${path}`, { method, ...(body !== undefined && { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) })
      .then(async (r) => ({ status: r.status, body: await r.json() }))
  t.equal((await control('POST', '/__sim/faults', { soapFault: 'server', count: 2 })).status, 200)
  const statuses: number[] = []
  for (let i = 0; i < 3; i++) statuses.push((await call(sim, buildLookupRequest(AN, header))).status)
  t.strictSame(statuses, [500, 500, 200])
  await control('POST', '/__sim/faults', { status: 503 })
  t.equal((await call(sim, buildLookupRequest(AN, header))).status, 503)
  t.strictSame(await control('DELETE', '/__sim/faults'), { status: 200, body: { faults: {} } })
  t.equal((await call(sim, buildLookupRequest(AN, header))).status, 200)
  t.strictSame(await control('POST', '/__sim/faults', { latency: 5 }), { status: 400, body: { error: 'unknown properties: latency (allowed: latencyMs, errorRate, hang, malformed, appFault, soapFault, status, count, paths)' } })
  t.equal((await control('POST', '/__sim/faults', { errorRate: 2 })).status, 400)
  const stats = await control('GET', '/__sim/stats')
  t.match(stats.body, { requests: 5, soap: { lookup: 2, verify: 0, invalid: 0 }, faults: { 'app-fault': 2, status: 1 }, unauthorized: 0, inFlight: 0 })
})

t.test('start options: initial faults and a seeded error rate that repeats run to run', async (t) => {
  const pattern = async () => {
    const sim = await start(t, { faults: { errorRate: 0.5 }, seed: 42 })
    const out: number[] = []
    for (let i = 0; i < 12; i++) out.push((await call(sim, buildLookupRequest(AN, header))).status)
    return out
  }
  const first = await pattern()
  t.strictSame(await pattern(), first)
  t.ok(first.includes(500) && first.includes(200), `a mix of errors and answers: ${first.join(',')}`)
})

t.test('two simulators serve the same citizens', async (t) => {
  const a = await start(t)
  const b = await start(t)
  const sample = sandboxCitizens().filter((_, i) => i % 97 === 0)
  for (const c of sample) {
    const input = { personalId: c.personalId, fullName: c.fullName, dateOfBirth: c.dateOfBirth }
    const [ra, rb] = [await call(a, buildLookupRequest(input, header)), await call(b, buildLookupRequest(input, header))]
    t.equal(ra.body, rb.body, c.personalId)
    t.strictSame(parseLookupResponse(ra.body, { status: ra.status, personalId: c.personalId }), c)
  }
})
