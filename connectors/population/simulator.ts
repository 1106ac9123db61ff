/**
 * Simulator of the National Population Database on loopback: the same SOAP wire format as the
 * connector (checked strictly by simulator-wire.ts), the sandbox citizens, the upstream's
 * X-Road style auth, its 004/005 refusals, and fault injection. Plain node:http so hanging
 * replies, body limits and socket teardown are fully under our control.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { send as sendReply, startLoopbackServer, type LoopbackServer } from '../../src/sim/http-server.js'
import { timingSafeEqual } from 'node:crypto'
import type { Logger } from 'pino'
import type { Citizen } from '../../schemas/citizen.js'
import { xroadSignature } from '../../src/upstream/auth/index.js'
import { sandboxCitizens } from './fake-citizens.js'
import { createPrng } from '../../src/sim/prng.js'
import { DEFAULT_INTEGRATION_CODE, EL, ERROR_CODE } from './wire.js'
import { parseSimRequest, renderErrorCode, renderFault, renderLookup, renderMalformed, renderVerify, SimRequestError, type SimRequest } from './simulator-wire.js'
import { decideFault, faultsFromHeaders, FaultState, faultsControl, type FaultAction, type FaultSettings } from '../../src/sim/faults.js'

/** Obviously fake credentials the sandbox config uses. */
export const SANDBOX_CREDENTIALS = Object.freeze({ username: 'sandbox-user', secretKey: 'sandbox-secret-not-real' })
export const SANDBOX_SERVICE_CODE = 'SANDBOX-DVC'
export const UNLICENSED_SERVICE_CODE = 'UNLICENSED-DVC'
export const BLOCKED_OFFICER_PREFIX = 'BLOCKED-'

export interface SimulatorOptions {
  /** Port on 127.0.0.1. Default 0 (any free port). */
  port?: number
  log?: Logger
  /** SOAP endpoint path. Default `/`. */
  path?: string
  /** xroad-basic credentials checked on every SOAP request, or false to accept any. Default SANDBOX_CREDENTIALS. */
  auth?: { username: string; secretKey: string; maxClockSkewMs?: number } | false
  /** MaDVC values answered with 004. Default [UNLICENSED_SERVICE_CODE]. */
  unlicensedServiceCodes?: string[]
  /** Officer codes starting with this are answered with 005. Default `BLOCKED-`. */
  blockedOfficerPrefix?: string
  /** MaTichHop the simulator accepts. Default `037`. */
  integrationCode?: string
  /** Faults applied to every SOAP request until the control route changes them. Default none. */
  faults?: FaultSettings
  /** Seed of the PRNG behind `errorRate`. Default 1. */
  seed?: number
  /** The population. Default sandboxCitizens(). */
  citizens?: Citizen[]
  /** Largest request body accepted, in bytes. Default 64 KiB. */
  maxRequestBytes?: number
}

export interface SimulatorStats {
  /** Requests to the SOAP endpoint (control routes not counted), whatever became of them. */
  requests: number
  /** Well-formed requests that reached the business logic, by operation; `invalid` = refused as malformed. */
  soap: { lookup: number; verify: number; invalid: number }
  unauthorized: number
  refused: { procedureNotLicensed: number; officerNotAuthorised: number }
  faults: Record<Exclude<FaultAction['kind'], 'none'>, number>
  inFlight: number
}

export interface PopulationSimulator {
  url: string
  close(): Promise<void>
  setFaults(settings: FaultSettings): void
  clearFaults(): void
  stats(): SimulatorStats
}

const emptyStats = (): SimulatorStats => ({
  requests: 0,
  soap: { lookup: 0, verify: 0, invalid: 0 },
  unauthorized: 0,
  refused: { procedureNotLicensed: 0, officerNotAuthorised: 0 },
  faults: { hang: 0, status: 0, 'app-fault': 0, malformed: 0, error: 0 },
  inFlight: 0,
})

/** Upper-case, NFC, single spaces: the simulator's own normalisation (not wire.ts's). */
const normaliseName = (s: string) => s.normalize('NFC').trim().replace(/\s+/g, ' ').toLocaleUpperCase('vi')

/** Dates compare at the precision of the less precise side: a year-only record matches any date in that year. */
function sameBirth(recorded: string, asked: string): boolean {
  if (recorded.slice(0, 4) !== asked.slice(0, 4)) return false
  return recorded.length === 4 || asked.length === 4 || recorded === asked
}

/** Wire names of the supplied fields that disagree with the record (verify). */
function mismatches(citizen: Citizen | undefined, req: SimRequest): string[] {
  if (!citizen) return [EL.personalId]
  const out: string[] = []
  if (normaliseName(citizen.fullName) !== normaliseName(req.fullName)) out.push(EL.fullName)
  if (!sameBirth(citizen.dateOfBirth, req.dateOfBirth)) out.push(EL.dateOfBirth)
  const c = req.checks
  if (c.gender !== undefined && c.gender !== citizen.gender) out.push(EL.gender)
  if (c.nationality !== undefined && c.nationality !== citizen.nationality) out.push(EL.nationality)
  if (c.ethnicity !== undefined && c.ethnicity !== citizen.ethnicity) out.push(EL.ethnicity)
  if (c.permanentProvinceCode !== undefined && c.permanentProvinceCode !== citizen.permanentAddress?.provinceCode) out.push(`${EL.permanentAddress}/${EL.provinceCode}`)
  if (c.permanentWardCode !== undefined && c.permanentWardCode !== citizen.permanentAddress?.wardCode) out.push(`${EL.permanentAddress}/${EL.wardCode}`)
  return out
}

export async function startPopulationSimulator(options: SimulatorOptions = {}): Promise<PopulationSimulator> {
  const path = options.path ?? '/'
  const auth = options.auth === undefined ? SANDBOX_CREDENTIALS : options.auth
  const maxSkewMs = (auth && 'maxClockSkewMs' in auth && auth.maxClockSkewMs) || 300_000
  const unlicensed = new Set(options.unlicensedServiceCodes ?? [UNLICENSED_SERVICE_CODE])
  const blockedPrefix = options.blockedOfficerPrefix ?? BLOCKED_OFFICER_PREFIX
  const integrationCode = options.integrationCode ?? DEFAULT_INTEGRATION_CODE
  const maxRequestBytes = options.maxRequestBytes ?? 64 * 1024
  const citizens = new Map((options.citizens ?? sandboxCitizens()).map((c) => [c.personalId, c]))
  const random = createPrng(options.seed ?? 1)
  const faults = new FaultState(options.faults)
  const log = options.log
  let stats = emptyStats()
  // Assigned before the first request can arrive; the handlers below only run after that.
  let server!: LoopbackServer

  const send = (res: ServerResponse, status: number, body: string, type = 'text/xml; charset=utf-8', extra: Record<string, string> = {}) =>
    sendReply(res, status, body, type, extra)

  function authorised(req: IncomingMessage): boolean {
    if (!auth) return true
    const timestamp = req.headers['timestamp']
    const given = req.headers['authorization']
    if (typeof timestamp !== 'string' || !/^\d{10,13}$/.test(timestamp) || typeof given !== 'string') return false
    // Clients disagree on seconds vs milliseconds; 13 digits is milliseconds.
    const ms = timestamp.length >= 13 ? Number(timestamp) : Number(timestamp) * 1000
    if (Math.abs(Date.now() - ms) > maxSkewMs) return false
    const url = `http://${req.headers.host ?? ''}${req.url ?? '/'}`
    const expected = Buffer.from(xroadSignature(url, auth.username, timestamp, auth.secretKey))
    const actual = Buffer.from(given)
    return expected.length === actual.length && timingSafeEqual(expected, actual)
  }

  /** The upstream's business logic once the request is known to be well-formed and authorised. */
  function answer(req: SimRequest): { status: number; body: string } {
    if (req.integrationCode !== integrationCode) return { status: 500, body: renderFault('Client', `Unknown ${EL.integrationCode}`) }
    if (unlicensed.has(req.serviceCode)) {
      stats.refused.procedureNotLicensed++
      return { status: 200, body: renderErrorCode(req.operation, req.requestId, ERROR_CODE.procedureNotLicensed, 'Thủ tục hành chính chưa được cấp quyền khai thác CSDLQG về dân cư') }
    }
    if (req.officerId.startsWith(blockedPrefix)) {
      stats.refused.officerNotAuthorised++
      return { status: 200, body: renderErrorCode(req.operation, req.requestId, ERROR_CODE.officerNotAuthorised, 'Tài khoản cán bộ chưa được cấp quyền khai thác') }
    }
    const citizen = citizens.get(req.personalId)
    const differ = mismatches(citizen, req)
    if (req.operation === 'verify') return { status: 200, body: renderVerify(req.requestId, differ) }
    const found = citizen && !differ.includes(EL.fullName) && !differ.includes(EL.dateOfBirth) ? [citizen] : []
    return { status: 200, body: renderLookup(req.requestId, found) }
  }

  function applyFault(res: ServerResponse, action: FaultAction): boolean {
    if (action.kind === 'none') return false
    stats.faults[action.kind]++
    if (action.kind === 'hang') return true // never answer; close() or the client ends the socket
    if (action.kind === 'status') send(res, action.status, `simulated HTTP ${action.status}\n`, 'text/plain; charset=utf-8', action.status === 503 ? { 'retry-after': '1' } : {})
    else if (action.kind === 'app-fault') send(res, 500, renderFault(action.fault === 'client' ? 'Client' : 'Server', `Simulated ${action.fault} fault`))
    else if (action.kind === 'malformed') send(res, 200, renderMalformed())
    else send(res, 500, '<html><body><h1>500 Internal Server Error</h1></body></html>', 'text/html; charset=utf-8')
    return true
  }

  function handleSoap(req: IncomingMessage, res: ServerResponse, body: string) {
    const { latencyMs, action } = decideFault({ ...faults.take(), ...faultsFromHeaders(req.headers) }, random)
    const proceed = () => {
      if (applyFault(res, action)) return
      if (!authorised(req)) {
        stats.unauthorized++
        return send(res, 401, '{"error":"unauthorized"}', 'application/json', { 'www-authenticate': 'Basic realm="population"' })
      }
      if (!/^text\/xml\b/i.test(req.headers['content-type'] ?? '')) return send(res, 415, 'SOAP 1.1 requires Content-Type: text/xml\n', 'text/plain; charset=utf-8')
      if (req.headers['soapaction'] === undefined) {
        stats.soap.invalid++
        return send(res, 500, renderFault('Client', 'Missing SOAPAction header'))
      }
      let parsed: SimRequest
      try {
        parsed = parseSimRequest(body)
      } catch (err) {
        if (!(err instanceof SimRequestError)) throw err
        stats.soap.invalid++
        log?.debug({ reason: err.message }, 'population simulator refused a malformed request')
        return send(res, 500, renderFault('Client', err.message))
      }
      stats.soap[parsed.operation]++
      const { status, body: reply } = answer(parsed)
      send(res, status, reply)
    }
    if (latencyMs <= 0) return proceed()
    server.delay(res, latencyMs, proceed)
  }

  function handleControl(req: IncomingMessage, res: ServerResponse, body: string, route: string) {
    const json = (status: number, value: unknown) => send(res, status, JSON.stringify(value), 'application/json')
    const faultReply = route === '/__sim/faults' ? faultsControl(faults, req.method, body) : undefined
    if (faultReply) return json(faultReply.status, faultReply.body)
    if (route === '/__sim/stats' && req.method === 'GET') return json(200, snapshot())
    if (route === '/__sim/stats' && req.method === 'DELETE') {
      stats = { ...emptyStats(), inFlight: stats.inFlight }
      return json(200, snapshot())
    }
    return json(404, { error: 'unknown simulator control route' })
  }

  function snapshot(): SimulatorStats {
    return structuredClone(stats)
  }

  server = await startLoopbackServer({
    name: 'population simulator',
    ...(options.port !== undefined && { port: options.port }),
    ...(log !== undefined && { log }),
    maxRequestBytes,
    onRequest(_req, res, route) {
      if (route.startsWith('/__sim/')) return
      stats.requests++
      stats.inFlight++
      res.on('close', () => stats.inFlight--)
    },
    handle(req, res, body, route) {
      if (route.startsWith('/__sim/')) return handleControl(req, res, body, route)
      if (route === path && req.method === 'POST') return handleSoap(req, res, body)
      send(res, route === path ? 405 : 404, route === path ? 'POST SOAP requests here\n' : 'not found\n', 'text/plain; charset=utf-8')
    },
    onCrash(res, err) {
      log?.error({ err }, 'population simulator failed')
      send(res, 500, renderFault('Server', 'Simulator error'))
    },
  })


  return {
    url: server.url,
    setFaults: (settings) => faults.set(settings),
    clearFaults: () => faults.clear(),
    stats: snapshot,
    close: () => server.close(),
  }
}
