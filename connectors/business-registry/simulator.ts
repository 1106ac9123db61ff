/**
 * Simulator of the National Business Registration Database on loopback: the OAuth2 token
 * endpoint and the enterprise detail endpoint in the same wire format as the connector, the
 * sandbox enterprises, tokens that expire, and the shared fault injection. Plain node:http so
 * hanging replies and socket teardown are ours to control; the registry logic is in
 * simulator-registry.ts. Nothing heavy and no logging per request.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { send as sendReply, startLoopbackServer, type LoopbackServer } from '../../src/sim/http-server.js'
import type { Logger } from 'pino'
import type { Enterprise } from '../../schemas/enterprise.js'
import { decideFault, faultsFromHeaders, FaultState, faultsControl, type FaultAction, type FaultSettings } from '../../src/sim/faults.js'
import { DEFAULT_PATHS } from './config.js'
import { sandboxEnterprises } from './sandbox-enterprises.js'
import { createPrng } from '../../src/sim/prng.js'
import { createSimulatedRegistry, type RegistryCounters, type Reply } from './simulator-registry.js'

export { GENERATED_COUNT, SANDBOX_ENTERPRISES, SANDBOX_SEED, sandboxEnterprises } from './sandbox-enterprises.js'

/** Obviously fake consumer key and secret the sandbox config uses. */
export const SANDBOX_CREDENTIALS = Object.freeze({ consumerKey: 'sandbox-consumer-key', consumerSecret: 'sandbox-consumer-secret-not-real' })
export const DEFAULT_TOKEN_PATH = '/token'
/** The LGSP adapter form of the same lookup: `GET /adapter?category=chiTietDoanhNghiep&version=1.1&msdn=` (OCN). */
export const ADAPTER_PATH = '/adapter'
export const ADAPTER_LOOKUP = `${ADAPTER_PATH}?category=chiTietDoanhNghiep&version=1.1`
export const DEFAULT_TOKEN_TTL_MS = 3_600_000

export interface SimulatorOptions {
  /** Port on 127.0.0.1. Default 0 (any free port). */
  port?: number
  log?: Logger
  /** Endpoint paths. Default `/token` and `/chiTietDoanhNghiep`. */
  paths?: { token?: string; lookup?: string }
  /** Client credentials the token endpoint accepts (HTTP Basic). Default SANDBOX_CREDENTIALS. */
  credentials?: { consumerKey: string; consumerSecret: string }
  /** Lifetime of an access token in ms (`expires_in` is it rounded up to whole seconds, at least 1). Default 1 h. */
  tokenTtlMs?: number
  /** How an unknown code is answered: `empty` = 200 with `Data.MainInformation: null`; `404` = 404 with `Data: null`. Default `empty`. */
  notFound?: 'empty' | '404'
  /** Faults applied to every lookup until the control route changes them. Default none. */
  faults?: FaultSettings
  /** Faults applied to every token request (separate from lookup faults). Default none. */
  tokenFaults?: FaultSettings
  /** Seed of the PRNG behind `errorRate`. Default 1. */
  seed?: number
  /** The registry's enterprises. Default sandboxEnterprises(). */
  enterprises?: Enterprise[]
  /** Largest request body accepted, in bytes. Default 16 KiB. */
  maxRequestBytes?: number
}

export interface SimulatorStats extends RegistryCounters {
  /** Requests to the lookup endpoint (token and control routes not counted), whatever became of them. */
  requests: number
  /** Requests to the token endpoint, whatever became of them. */
  tokenRequests: number
  /** Faults applied to lookups and to token requests. */
  faults: Record<Exclude<FaultAction['kind'], 'none'>, number>
  tokenFaults: Record<Exclude<FaultAction['kind'], 'none'>, number>
  /** Open exchanges on both API endpoints. */
  inFlight: number
}

export interface BusinessRegistrySimulator {
  url: string
  close(): Promise<void>
  setFaults(settings: FaultSettings): void
  clearFaults(): void
  setTokenFaults(settings: FaultSettings): void
  clearTokenFaults(): void
  stats(): SimulatorStats
  /** Every issued token stops working: the next lookup with one gets 401 `invalid_token`. */
  expireTokens(): void
}

const emptyFaults = (): SimulatorStats['faults'] => ({ hang: 0, status: 0, 'app-fault': 0, malformed: 0, error: 0 })
const JSON_TYPE = 'application/json; charset=utf-8'
type Endpoint = 'token' | 'lookup'

export async function startBusinessRegistrySimulator(options: SimulatorOptions = {}): Promise<BusinessRegistrySimulator> {
  const paths = { token: options.paths?.token ?? DEFAULT_TOKEN_PATH, lookup: options.paths?.lookup ?? DEFAULT_PATHS.lookup }
  const endpoints = new Map<string, Endpoint>([[paths.token, 'token'], [paths.lookup, 'lookup'], [ADAPTER_PATH, 'lookup']])
  const registry = createSimulatedRegistry({
    credentials: options.credentials ?? SANDBOX_CREDENTIALS,
    tokenTtlMs: options.tokenTtlMs ?? DEFAULT_TOKEN_TTL_MS,
    notFound: options.notFound ?? 'empty',
    enterprises: options.enterprises ?? sandboxEnterprises(),
  })
  const maxRequestBytes = options.maxRequestBytes ?? 16 * 1024
  const random = createPrng(options.seed ?? 1)
  const faults = { lookup: new FaultState(options.faults), token: new FaultState(options.tokenFaults) }
  const log = options.log
  let requests = 0
  let tokenRequests = 0
  let inFlight = 0
  let faultCounts = { lookup: emptyFaults(), token: emptyFaults() }
  // Assigned before the first request can arrive; the handlers below only run after that.
  let server!: LoopbackServer

  const send = (res: ServerResponse, status: number, body: string, type = JSON_TYPE, extra: Record<string, string> = {}) =>
    sendReply(res, status, body, type, extra)
  const reply = (res: ServerResponse, r: Reply) => send(res, r.status, r.body, JSON_TYPE, r.headers)

  function applyFault(res: ServerResponse, endpoint: Endpoint, action: FaultAction): boolean {
    if (action.kind === 'none') return false
    faultCounts[endpoint][action.kind]++
    if (action.kind === 'hang') return true // never answer; close() or the client ends the socket
    if (action.kind === 'status') send(res, action.status, `simulated HTTP ${action.status}\n`, 'text/plain; charset=utf-8', action.status === 503 ? { 'retry-after': '1' } : {})
    else if (action.kind === 'app-fault' && action.fault === 'server') send(res, 500, JSON.stringify({ Message: 'An error has occurred.' }))
    else if (action.kind === 'app-fault') send(res, 400, JSON.stringify(endpoint === 'token' ? { error: 'invalid_request' } : { Data: null, Message: 'Yêu cầu không hợp lệ' }))
    else if (action.kind === 'malformed') send(res, 200, endpoint === 'token' ? '{"access_token":"' : '{"Data":{"MainInformation":{"NAME":"CÔNG TY')
    else send(res, 500, '<html><body><h1>500 Internal Server Error</h1></body></html>', 'text/html; charset=utf-8')
    return true
  }

  function handleApi(req: IncomingMessage, res: ServerResponse, body: string, endpoint: Endpoint) {
    const { latencyMs, action } = decideFault({ ...faults[endpoint].take(), ...faultsFromHeaders(req.headers) }, random)
    const proceed = () => {
      if (applyFault(res, endpoint, action)) return
      if (endpoint === 'token') return reply(res, registry.token(req.headers.authorization, req.headers['content-type'], body))
      const url = new URL(req.url ?? '/', 'http://sim')
      const query = url.searchParams
      if (url.pathname === ADAPTER_PATH && query.get('category') !== 'chiTietDoanhNghiep') {
        return send(res, 400, JSON.stringify({ Data: null, DataCount: 0, Status: '0', Message: 'category không hợp lệ' }))
      }
      reply(res, registry.lookup(req.headers.authorization, query.get('msdn')))
    }
    if (latencyMs <= 0) return proceed()
    server.delay(res, latencyMs, proceed)
  }

  function stats(): SimulatorStats {
    return { requests, tokenRequests, ...registry.counters(), faults: { ...faultCounts.lookup }, tokenFaults: { ...faultCounts.token }, inFlight }
  }

  function handleControl(req: IncomingMessage, res: ServerResponse, body: string, route: string) {
    const json = (status: number, value: unknown) => send(res, status, JSON.stringify(value))
    const method = req.method
    const target = route === '/__sim/faults' ? faults.lookup : route === '/__sim/token-faults' ? faults.token : undefined
    const faultReply = target !== undefined ? faultsControl(target, method, body) : undefined
    if (faultReply) return json(faultReply.status, faultReply.body)
    if (route === '/__sim/stats' && method === 'GET') return json(200, stats())
    if (route === '/__sim/stats' && method === 'DELETE') {
      registry.resetCounters()
      faultCounts = { lookup: emptyFaults(), token: emptyFaults() }
      requests = 0
      tokenRequests = 0
      return json(200, stats())
    }
    if (route === '/__sim/tokens/expire' && method === 'POST') {
      registry.expireTokens()
      return json(200, { expired: true })
    }
    return json(404, { error: 'unknown simulator control route' })
  }

  server = await startLoopbackServer({
    name: 'business registry simulator',
    ...(options.port !== undefined && { port: options.port }),
    ...(log !== undefined && { log }),
    maxRequestBytes,
    onRequest(_req, res, route) {
      const endpoint = endpoints.get(route)
      if (endpoint === undefined) return
      if (endpoint === 'lookup') requests++
      else tokenRequests++
      inFlight++
      res.on('close', () => inFlight--)
    },
    handle(req, res, body, route) {
      const endpoint = endpoints.get(route)
      if (route.startsWith('/__sim/')) return handleControl(req, res, body, route)
      const method = endpoint === 'token' ? 'POST' : 'GET'
      if (endpoint !== undefined && req.method === method) return handleApi(req, res, body, endpoint)
      send(res, endpoint !== undefined ? 405 : 404, endpoint !== undefined ? `use ${method} here\n` : 'not found\n', 'text/plain; charset=utf-8', endpoint !== undefined ? { allow: method } : {})
    },
    onCrash(res, err) {
      log?.error({ err }, 'business registry simulator failed')
      send(res, 500, JSON.stringify({ Message: 'An error has occurred.' }))
    },
  })


  return {
    url: server.url,
    setFaults: (settings) => faults.lookup.set(settings),
    clearFaults: () => faults.lookup.clear(),
    setTokenFaults: (settings) => faults.token.set(settings),
    clearTokenFaults: () => faults.token.clear(),
    stats,
    expireTokens: () => registry.expireTokens(),
    close: () => server.close(),
  }
}
