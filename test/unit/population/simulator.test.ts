/** The population simulator over real HTTP: both ways in (X-Road signature, LGSP token flow), the real reply shapes, strictness, faults. */
import t, { type Test } from 'tap'
import { lgspAccessToken, lgspAuthHash, xroadSignature } from '../../../src/upstream/auth/index.js'
import { UpstreamError } from '../../../src/upstream/errors.js'
import {
  LGSP_TOKEN_PATH, SANDBOX_LGSP, SANDBOX_OFFICERS, SANDBOX_SERVICE_CODE, SANDBOX_UNIT_ACCOUNT, SANDBOX_XROAD, UNLICENSED_SERVICE_CODE,
  startPopulationSimulator, type PopulationSimulator, type SimulatorOptions,
} from '../../../connectors/population/simulator.js'
import { sandboxCitizens, demoCitizens } from '../../../connectors/population/fake-citizens.js'
import { renderLookup } from '../../../connectors/population/simulator-wire.js'
import { buildLookupRequest, buildVerifyRequest, type RequestHeader } from '../../../connectors/population/wire.js'
import { parseLookupResponse, parseVerifyResponse } from '../../../connectors/population/wire-reply.js'
import type { Citizen, LookupInput } from '../../../schemas/citizen.js'

const header: RequestHeader = { requestId: 'req-1', serviceCode: SANDBOX_SERVICE_CODE, officerCode: 'CB-0042' }
const AN = { personalId: '062090001234', fullName: 'Nguyễn Văn An', dateOfBirth: '1990-05-15' }

async function start(t: Test, options: SimulatorOptions = {}): Promise<PopulationSimulator> {
  const sim = await startPopulationSimulator(options)
  t.teardown(() => sim.close())
  return sim
}

interface CallOptions { headers?: Record<string, string>; secret?: string; timestamp?: string; signal?: AbortSignal; unsigned?: boolean }

/** POSTs a SOAP document the direct way, signed over the sandbox auth URL unless told otherwise. */
async function call(sim: PopulationSimulator, xml: string, o: CallOptions = {}) {
  const timestamp = o.timestamp ?? String(Date.now())
  const auth: Record<string, string> = o.unsigned ? {} : { timestamp, authorization: xroadSignature(SANDBOX_XROAD.authUrl, SANDBOX_XROAD.username, timestamp, o.secret ?? SANDBOX_XROAD.secretKey) }
  const res = await fetch(`${sim.url}/`, {
    method: 'POST', body: xml, ...(o.signal && { signal: o.signal }),
    headers: { 'content-type': 'application/xml; charset=utf-8', soapaction: '""', ...auth, ...o.headers },
  })
  return { status: res.status, body: await res.text(), headers: res.headers }
}

const lookup = async (sim: PopulationSimulator, input: LookupInput, h = header, o?: CallOptions) => {
  const r = await call(sim, buildLookupRequest(input, h), o)
  return parseLookupResponse(r.body, { status: r.status, personalId: input.personalId })
}
const verify = async (sim: PopulationSimulator, input: LookupInput, h = header) => {
  const r = await call(sim, buildVerifyRequest(input, h))
  return parseVerifyResponse(r.body, { status: r.status })
}
const kindOf = (p: Promise<unknown>) => p.then(() => 'resolved', (e: UpstreamError) => `${e.kind}${e.upstreamCode ? ` ${e.upstreamCode}` : ''}`)

/** What the database gives back for a domain citizen: the name upper-case, addresses with a country. */
function asStored(c: Citizen): Citizen {
  const out = structuredClone(c) as Record<string, unknown>
  out['fullName'] = c.fullName.toLocaleUpperCase('vi')
  for (const k of ['birthRegistrationPlace', 'permanentAddress', 'currentAddress', 'hometown']) {
    if (out[k]) out[k] = { country: 'VN', ...(out[k] as object) }
  }
  out['maritalStatus'] ??= 'unknown'
  return out as Citizen
}
const sorted = (o: object) => JSON.stringify(Object.entries(o).sort(), (_k, v) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort()) : v))

t.test('every sandbox citizen survives the simulator renderer and the connector parser', async (t) => {
  const broken = sandboxCitizens().filter((c) => sorted(parseLookupResponse(renderLookup([c]), { status: 200, personalId: c.personalId })!) !== sorted(asStored(c)))
  t.strictSame(broken.map((c) => c.personalId), [])
})

t.test('lookup: ID (or old ID) + name in any peer format + date of birth returns the whole record', async (t) => {
  const sim = await start(t)
  const an = asStored(demoCitizens()[0]!)
  t.strictSame(await lookup(sim, AN), an)
  t.strictSame(await lookup(sim, { ...AN, personalId: '233123456' }), an, 'old 9-digit ID via SoCMND')
  t.strictSame(await lookup(sim, { ...AN, dateOfBirth: '1990' }), an, 'a year alone matches')
  t.equal(sim.stats().last!.oldId, false)
})

t.test('lookup: anything that does not match is an empty collection (null)', async (t) => {
  const sim = await start(t)
  t.equal(await lookup(sim, { ...AN, fullName: 'Nguyễn Văn Bình' }), null)
  t.equal(await lookup(sim, { ...AN, dateOfBirth: '1990-05-16' }), null)
  t.equal(await lookup(sim, { ...AN, personalId: '062090009999' }), null)
})

t.test('verify: yes or no', async (t) => {
  const sim = await start(t)
  t.equal(await verify(sim, AN), true)
  t.equal(await verify(sim, { ...AN, dateOfBirth: '1991-05-15' }), false)
  t.equal(await verify(sim, { ...AN, personalId: '062090009999' }), false)
  t.strictSame(sim.stats().soap, { lookup: 0, verify: 3, invalid: 0 })
})

t.test('an unlicensed MaDVC and a blocked officer are refused with soap:Client (no invented error codes)', async (t) => {
  const sim = await start(t)
  t.equal(await kindOf(lookup(sim, AN, { ...header, serviceCode: UNLICENSED_SERVICE_CODE })), 'rejected soap:Client')
  t.equal(await kindOf(verify(sim, AN, { ...header, officerCode: 'BLOCKED-1' })), 'rejected soap:Client')
  t.strictSame(sim.stats().refused, { procedureNotLicensed: 1, officerNotAuthorised: 1 })
})

t.test('direct path: 401 unless signed over the configured auth URL with the right secret and a fresh timestamp', async (t) => {
  const sim = await start(t)
  const xml = buildLookupRequest(AN, header)
  t.equal((await call(sim, xml)).status, 200)
  t.equal((await call(sim, xml, { secret: 'wrong' })).status, 401)
  t.equal((await call(sim, xml, { unsigned: true })).status, 401)
  t.equal((await call(sim, xml, { timestamp: String(Date.now() - 3_600_000) })).status, 401)
  const ts = String(Date.now())
  const overEndpoint = { timestamp: ts, authorization: xroadSignature(`${sim.url}/`, SANDBOX_XROAD.username, ts, SANDBOX_XROAD.secretKey) }
  t.equal((await call(sim, xml, { unsigned: true, headers: overEndpoint })).status, 401, 'signing the endpoint URL is refused')
  t.equal((await call(await start(t, { auth: false }), xml, { unsigned: true })).status, 200)
})

t.test('LGSP path: lgspaccesstoken + client_credentials → token; Bearer + lgspaccesstoken + the officer\'s AuthHash', async (t) => {
  const sim = await start(t)
  const lgsp = lgspAccessToken(SANDBOX_LGSP)
  const token = async (headers: Record<string, string>, body = 'grant_type=client_credentials') => {
    const r = await fetch(`${sim.url}${LGSP_TOKEN_PATH}`, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } })
    return { status: r.status, body: (await r.json()) as Record<string, unknown> }
  }
  t.equal((await token({})).status, 401)
  t.equal((await token({ lgspaccesstoken: lgsp }, 'grant_type=password')).status, 400)
  const issued = await token({ lgspaccesstoken: lgsp })
  t.match(issued, { status: 200, body: { access_token: String, token_type: 'Bearer', expires_in: 3600 } })
  const officer = SANDBOX_OFFICERS['CB-0001']!
  const own = lgspAuthHash(officer.keyName, officer.keyPassword)
  const unit = lgspAuthHash(SANDBOX_UNIT_ACCOUNT.keyName, SANDBOX_UNIT_ACCOUNT.keyPassword)
  const bearer = { authorization: `Bearer ${issued.body['access_token']}`, lgspaccesstoken: lgsp }
  const send = (h: RequestHeader, headers: Record<string, string>) => call(sim, buildLookupRequest(AN, h), { unsigned: true, headers })
  const asOfficer = { ...header, officerCode: officer.code }
  t.equal((await send(asOfficer, { ...bearer, authhash: own })).status, 200)
  t.equal((await send(header, { ...bearer, authhash: unit })).status, 200, 'the unit account may name any officer')
  t.equal((await send(header, { ...bearer, authhash: own })).status, 500, 'an officer\'s account naming another officer')
  t.equal((await send(asOfficer, bearer)).status, 401, 'no AuthHash')
  t.equal((await send(asOfficer, { ...bearer, authhash: lgspAuthHash('x', 'y') })).status, 401)
  t.equal((await send(asOfficer, { ...bearer, lgspaccesstoken: lgspAccessToken({ ...SANDBOX_LGSP, appName: 'other' }), authhash: own })).status, 401)
  t.equal((await send(asOfficer, { authorization: 'Bearer forged', lgspaccesstoken: lgsp, authhash: own })).status, 401)
  t.equal(sim.stats().tokensIssued, 1)
})

t.test('strict about the wire format, so a drifting request builder fails here', async (t) => {
  const sim = await start(t)
  const xml = buildLookupRequest(AN, header)
  const fault = async (body: string, o?: CallOptions) => {
    const r = await call(sim, body, o)
    return `${r.status} ${/<faultstring>([^<]*)</.exec(r.body)?.[1] ?? r.body.trim()}`
  }
  t.match(await fault(xml.replace('<dan:MaDVC>SANDBOX-DVC</dan:MaDVC><dan:MaTichHop>037</dan:MaTichHop>', '<dan:MaTichHop>037</dan:MaTichHop><dan:MaDVC>SANDBOX-DVC</dan:MaDVC>')), /^500 elements must be MaYeuCau, MaDVC, MaTichHop, MaCanBo, SoDinhDanh, HoVaTen, NgayThangNamSinh; found MaYeuCau, MaTichHop/)
  t.equal(await fault(xml.replace('<dan:MaTichHop>037', '<dan:MaTichHop>003')), '500 MaTichHop 003 is not licensed for TraCuuThongTinCongDan')
  t.equal(await fault(xml.replace('<dan:MaYeuCau>req-1<', `<dan:MaYeuCau>${'r'.repeat(41)}<`)), '500 MaYeuCau is longer than 40 characters')
  t.equal(await fault(xml.replace('<dan:NgayThangNam>19900515', '<dan:NgayThangNam>15/05/1990')), '500 NgayThangNam must be a date (yyyyMMdd or yyyy-MM-dd)')
  t.equal(await fault(xml.replace(' xmlns:dan="http://dancuquocgia.bca"', ' xmlns:dan="urn:other"')), '500 unknown operation {urn:other}TraCuuThongTinCongDan')
  t.match(await fault(xml.replace('</dan:NgayThangNamSinh>', '</dan:NgayThangNamSinh><dan:GioiTinh>1</dan:GioiTinh>')), /^500 elements must be/)
  t.equal(await fault(`<!DOCTYPE x [<!ENTITY e "x">]>${xml.replace(/^<\?xml[^>]*>/, '')}`), '500 DTDs are not allowed in SOAP')
  t.equal((await call(sim, xml, { headers: { 'content-type': 'text/xml; charset=utf-8' } })).status, 415, 'peers send application/xml')
  t.equal((await call(sim, xml.replace('NGUYENVANAN', 'A'.repeat(70_000)))).status, 413, 'bounded request size')
})

t.test('the service description answers a GET without personal data, and only to an authorised caller', async (t) => {
  const sim = await start(t)
  t.equal((await fetch(`${sim.url}/?wsdl`)).status, 401)
  const ts = String(Date.now())
  const r = await fetch(`${sim.url}/?wsdl`, { headers: { timestamp: ts, authorization: xroadSignature(SANDBOX_XROAD.authUrl, SANDBOX_XROAD.username, ts, SANDBOX_XROAD.secretKey) } })
  t.equal(r.status, 200)
  t.match(await r.text(), /<definitions /)
  t.equal(sim.stats().requests, 0, 'not a SOAP request')
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
    t.equal(parseLookupResponse(ra.body, { status: ra.status, personalId: c.personalId })!.personalId, c.personalId)
  }
})
