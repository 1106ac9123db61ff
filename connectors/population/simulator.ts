/**
 * Simulator of the National Population Database on loopback, speaking only the real shapes
 * (reference §1): raw SOAP over `application/xml`, `CongdanCollection` replies without a
 * wrapper, yes/no verify. It plays both ways in: the direct X-Road style signature (over the
 * configured auth URL) and the provincial LGSP's token flow (`lgspaccesstoken`, client
 * credentials, Bearer, the officer's AuthHash). Plus the sandbox citizens and fault injection.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { send as sendReply, startLoopbackServer, type LoopbackServer } from '../../src/sim/http-server.js'
import type { Citizen } from '../../schemas/citizen.js'
import { sandboxCitizens } from './fake-citizens.js'
import { parseSimRequest, renderFault, renderLookup, renderMalformed, renderVerify, SimRequestError, type SimRequest } from './simulator-wire.js'
import { createSimulatorAuth, SANDBOX_LGSP, SANDBOX_OFFICERS, SANDBOX_UNIT_ACCOUNT, SANDBOX_XROAD, type SimulatorAuthOptions } from './simulator-auth.js'
import { faultsControl, simulatorFaults, type FaultAction, type FaultSettings, type SimulatorBaseOptions } from '../../src/sim/faults.js'

export { SANDBOX_LGSP, SANDBOX_OFFICERS, SANDBOX_UNIT_ACCOUNT, SANDBOX_XROAD }
export const SANDBOX_SERVICE_CODE = 'SANDBOX-DVC'
export const UNLICENSED_SERVICE_CODE = 'UNLICENSED-DVC'
export const BLOCKED_OFFICER_PREFIX = 'BLOCKED-'
export const LGSP_TOKEN_PATH = '/lgsp/token'

export interface SimulatorOptions extends SimulatorBaseOptions {
  /** SOAP endpoint path. Default `/`. */
  path?: string
  /** Who may call: the X-Road style account and/or the LGSP keys and officer accounts; false = anyone. Default both sandbox schemes. */
  auth?: Partial<SimulatorAuthOptions> | false
  /** MaDVC values refused with a soap:Client fault. Default [UNLICENSED_SERVICE_CODE]. */
  unlicensedServiceCodes?: string[]
  /** Officer codes (MaCanBo) starting with this are refused with a soap:Client fault. Default `BLOCKED-`. */
  blockedOfficerPrefix?: string
  /** The population. Default sandboxCitizens(). */
  citizens?: Citizen[]
  /** Largest request body accepted, in bytes. Default 64 KiB. */
  maxRequestBytes?: number
}

export interface SimulatorStats {
  /** Requests to the SOAP endpoint (token, health and control routes not counted), whatever became of them. */
  requests: number
  /** Well-formed requests that reached the business logic, by operation; `invalid` = refused as malformed. */
  soap: { lookup: number; verify: number; invalid: number }
  unauthorized: number
  tokensIssued: number
  refused: { procedureNotLicensed: number; officerNotAuthorised: number }
  faults: Record<Exclude<FaultAction['kind'], 'none'>, number>
  inFlight: number
  /** The last request as parsed (tests check MaDVC, MaCanBo, MaDonVi). */
  last?: SimRequest
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
  tokensIssued: 0,
  refused: { procedureNotLicensed: 0, officerNotAuthorised: 0 },
  faults: { hang: 0, status: 0, 'app-fault': 0, malformed: 0, error: 0 },
  inFlight: 0,
})

/** The simulator's own name comparison: no diacritics, letters and digits only, so every name format peers send compares equal. */
const compact = (s: string) => s.replace(/[Đđ]/g, 'D').normalize('NFD').replace(/\p{M}/gu, '').replace(/[^A-Za-z0-9]/g, '').toUpperCase()

/** Dates compare at the precision of the less precise side: a year-only record matches any date in that year. */
function sameBirth(recorded: string, asked: string): boolean {
  if (recorded.slice(0, 4) !== asked.slice(0, 4)) return false
  return recorded.length === 4 || asked.length === 4 || recorded === asked
}

export async function startPopulationSimulator(options: SimulatorOptions = {}): Promise<PopulationSimulator> {
  const path = options.path ?? '/'
  const unlicensed = new Set(options.unlicensedServiceCodes ?? [UNLICENSED_SERVICE_CODE])
  const blockedPrefix = options.blockedOfficerPrefix ?? BLOCKED_OFFICER_PREFIX
  const maxRequestBytes = options.maxRequestBytes ?? 64 * 1024
  const all = options.citizens ?? sandboxCitizens()
  const byId = new Map(all.map((c) => [c.personalId, c]))
  const byOldId = new Map(all.filter((c) => c.oldIdNumber !== undefined).map((c) => [c.oldIdNumber!, c]))
  const faults = simulatorFaults(options)
  const log = options.log
  let stats = emptyStats()
  // Assigned before the first request can arrive; the handlers below only run after that.
  let server!: LoopbackServer
  let auth!: ReturnType<typeof createSimulatorAuth>

  const send = (res: ServerResponse, status: number, body: string, type = 'application/xml; charset=utf-8', extra: Record<string, string> = {}) =>
    sendReply(res, status, body, type, extra)

  /** The upstream's business logic once the request is known to be well-formed and authorised. */
  function answer(req: SimRequest): { status: number; body: string } {
    if (unlicensed.has(req.serviceCode)) {
      stats.refused.procedureNotLicensed++
      return { status: 500, body: renderFault('Client', 'Thủ tục hành chính chưa được cấp quyền khai thác') }
    }
    if (req.officerCode.startsWith(blockedPrefix)) {
      stats.refused.officerNotAuthorised++
      return { status: 500, body: renderFault('Client', 'Tài khoản cán bộ chưa được cấp quyền khai thác') }
    }
    const record = (req.oldId ? byOldId : byId).get(req.personalId)
    const found = record !== undefined && compact(record.fullName) === compact(req.fullName) && sameBirth(record.dateOfBirth, req.dateOfBirth)
    if (req.operation === 'verify') return { status: 200, body: renderVerify(found) }
    return { status: 200, body: renderLookup(found ? [record] : []) }
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
    faults.decide(server, req, res, undefined, (action) => {
      if (applyFault(res, action)) return
      const caller = auth.check(req)
      if (!caller.ok) {
        stats.unauthorized++
        return send(res, 401, '{"error":"unauthorized"}', 'application/json', { 'www-authenticate': caller.challenge })
      }
      if (!/^application\/xml\b/i.test(req.headers['content-type'] ?? '')) return send(res, 415, 'Send the SOAP envelope as Content-Type: application/xml\n', 'text/plain; charset=utf-8')
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
      stats.last = parsed
      // An officer's own account must be the one named in MaCanBo (the unit's account may name anyone).
      if (!caller.officerMatches(parsed.officerCode)) {
        stats.refused.officerNotAuthorised++
        return send(res, 500, renderFault('Client', 'AuthHash không khớp với MaCanBo'))
      }
      const { status, body: reply } = answer(parsed)
      send(res, status, reply)
    })
  }

  function handleControl(req: IncomingMessage, res: ServerResponse, body: string, route: string) {
    const json = (status: number, value: unknown) => send(res, status, JSON.stringify(value), 'application/json')
    const faultReply = route === '/__sim/faults' ? faultsControl(faults.state, req.method, body) : undefined
    if (faultReply) return json(faultReply.status, faultReply.body)
    if (route === '/__sim/stats' && req.method === 'GET') return json(200, structuredClone(stats))
    if (route === '/__sim/stats' && req.method === 'DELETE') {
      stats = { ...emptyStats(), inFlight: stats.inFlight }
      return json(200, structuredClone(stats))
    }
    return json(404, { error: 'unknown simulator control route' })
  }

  server = await startLoopbackServer({
    name: 'population simulator',
    ...(options.port !== undefined && { port: options.port }),
    ...(log !== undefined && { log }),
    maxRequestBytes,
    onRequest(req, res, route) {
      if (route !== path || req.method !== 'POST') return
      stats.requests++
      stats.inFlight++
      res.on('close', () => stats.inFlight--)
    },
    handle(req, res, body, route) {
      if (route.startsWith('/__sim/')) return handleControl(req, res, body, route)
      if (route === LGSP_TOKEN_PATH && req.method === 'POST') {
        const r = auth.token(req, body)
        if (r.status === 200) stats.tokensIssued++
        return send(res, r.status, r.body, 'application/json')
      }
      if (route === path && req.method === 'POST') return handleSoap(req, res, body)
      // The service description: what a health probe may fetch without touching personal data.
      if (route === path && req.method === 'GET') {
        if (!auth.check(req, false).ok) return send(res, 401, '{"error":"unauthorized"}', 'application/json')
        return send(res, 200, `<?xml version="1.0" encoding="UTF-8"?><definitions xmlns="http://schemas.xmlsoap.org/wsdl/" name="DanCuQuocGia"/>`, 'text/xml; charset=utf-8')
      }
      send(res, 404, 'not found\n', 'text/plain; charset=utf-8')
    },
    onCrash(res, err) {
      log?.error({ err }, 'population simulator failed')
      send(res, 500, renderFault('Server', 'Simulator error'))
    },
  })
  auth = createSimulatorAuth(options.auth)

  return {
    url: server.url,
    ...faults.controls,
    stats: () => structuredClone(stats),
    close: () => server.close(),
  }
}

/** The connector config that points at a simulator with the sandbox credentials: the LGSP path, as provinces go. */
export function sandboxConfig(url: string): Record<string, unknown> {
  return {
    baseUrl: url,
    path: '/',
    serviceCode: SANDBOX_SERVICE_CODE,
    auth: { type: 'lgsp-token', tokenUrl: `${url}${LGSP_TOKEN_PATH}`, ...SANDBOX_LGSP },
    officers: {
      accounts: Object.fromEntries(Object.entries(SANDBOX_OFFICERS).map(([id, a]) => [id, { code: a.code, keyName: a.keyName, keyPassword: a.keyPassword }])),
      unmapped: 'forward',
      unitAccount: SANDBOX_UNIT_ACCOUNT,
    },
  }
}

/** The same simulator reached the direct way (X-Road style signature over the configured auth URL). */
export function directSandboxConfig(url: string): Record<string, unknown> {
  return {
    baseUrl: url,
    path: '/',
    serviceCode: SANDBOX_SERVICE_CODE,
    auth: { type: 'xroad-basic', ...SANDBOX_XROAD, timestampUnit: 'ms' },
  }
}
