/**
 * Simulator of the National Public Service Portal on loopback: the same JSON session API as the
 * connector (login, sync and catalogue endpoints, `dstcode` header), sessions that expire, the
 * portal's validation of dossiers, a seeded catalogue, inspection of what it received, and the
 * shared fault injection. Plain node:http so hanging replies and socket teardown are ours to
 * control; the business logic is in simulator-portal.ts. Built for ~1,000 requests/s: nothing
 * heavy and no logging per request.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { send as sendReply, startLoopbackServer, type LoopbackServer } from '../../src/sim/http-server.js'
import type { Logger } from 'pino'
import { Value } from 'typebox/value'
import { Procedure } from '../../schemas/procedure.js'
import { decideFault, faultsFromHeaders, FaultState, faultsControl, type FaultAction, type FaultSettings } from '../../src/sim/faults.js'
import { DEFAULT_PATHS } from './config.js'
import type { Agency } from '../../schemas/portal.js'
import { SANDBOX_PROVINCE_CODE, sandboxAgencies, sandboxProcedures } from './sandbox-catalogue.js'
import { createPortal, PORTAL_CODE, type PortalCounters, type ProgressEntry, type ReceivedVersion, type Reply } from './simulator-portal.js'
import { handlePushRoute } from './simulator-push.js'
import { createPrng } from '../../src/sim/prng.js'
import { createInterlinked, type InterlinkedItem } from './simulator-interlinked.js'
import { createPaymentPlatform } from './simulator-payment.js'

export { SANDBOX_PROCEDURES, SANDBOX_PROVINCE_CODE, SHARED_PAPERS, sandboxAgencies, sandboxProcedures } from './sandbox-catalogue.js'
export { PORTAL_CODE, type ProgressEntry, type ReceivedVersion } from './simulator-portal.js'
export { SANDBOX_INTERLINKED, type InterlinkedItem } from './simulator-interlinked.js'
export { SANDBOX_PAYMENT } from './simulator-payment.js'

/** Obviously fake credentials the sandbox config uses. */
export const SANDBOX_CREDENTIALS = Object.freeze({ username: 'sandbox-lgsp', password: 'sandbox-password-not-real' })
export const SANDBOX_DSTCODE = 'SANDBOX-DSTCODE'
/** The hub's `madonvi` in the sandbox: the sandbox province. */
export const SANDBOX_AGENCY_CODE = SANDBOX_PROVINCE_CODE

export interface SimulatorOptions {
  /** Port on 127.0.0.1. Default 0 (any free port). */
  port?: number
  log?: Logger
  /** Endpoint paths. Default `/api/login`, `/api/dongbo`, `/api/danhmuc`. */
  paths?: { login?: string; sync?: string; catalog?: string }
  /** Accepted at login. Default SANDBOX_CREDENTIALS. */
  credentials?: { username: string; password: string }
  /** Expected `dstcode` header. Default SANDBOX_DSTCODE. */
  dstcode?: string
  /** Session lifetime in ms. Default 30 min. */
  sessionTtlMs?: number
  /** Faults applied to every API request until the control route changes them. Default none. */
  faults?: FaultSettings
  /** Seed of the PRNG behind `errorRate`. Default 1. */
  seed?: number
  /** The catalogue. Default sandboxProcedures() / sandboxAgencies(). */
  procedures?: Procedure[]
  agencies?: Agency[]
  /** Dossiers kept for inspection, oldest forgotten first. Default 200,000. */
  maxStoredDossiers?: number
  /** Largest request body accepted, in bytes. Default 4 MiB. */
  maxRequestBytes?: number
  /**
   * How a `DongBoHoSoMC` call of several dossiers is answered per record: `in-order` (one outcome
   * per record, in request order; the default), `reversed` (the same, last record first) or
   * `refusals-only` (only the refused records listed). The real portal's answer is unverified.
   */
  batchReplies?: 'in-order' | 'reversed' | 'refusals-only'
}

export interface SimulatorStats extends PortalCounters {
  /** Requests to the three API endpoints (control routes not counted), whatever became of them. */
  requests: number
  faults: Record<Exclude<FaultAction['kind'], 'none'>, number>
  inFlight: number
}

export interface NationalPortalSimulator {
  url: string
  close(): Promise<void>
  setFaults(settings: FaultSettings): void
  clearFaults(): void
  stats(): SimulatorStats
  /** Every accepted version of a dossier, in arrival order. */
  received(code: string): ReceivedVersion[]
  /** Every accepted progress entry of a dossier, in arrival order. */
  progress(code: string): ProgressEntry[]
  /** Forgets every received dossier and progress entry. */
  clearReceived(): void
  /** Ends every session: the next call with one gets the session error code. */
  expireSessions(): void
  /** Adds (or replaces) a catalogue procedure. */
  addProcedure(procedure: Procedure): void
}

const parseLoose = (body: string): unknown => {
  try {
    return body === '' ? undefined : JSON.parse(body)
  } catch {
    return undefined
  }
}
const emptyFaults = (): SimulatorStats['faults'] => ({ hang: 0, status: 0, 'app-fault': 0, malformed: 0, error: 0 })
const JSON_TYPE = 'application/json; charset=utf-8'

export async function startNationalPortalSimulator(options: SimulatorOptions = {}): Promise<NationalPortalSimulator> {
  const paths = { login: options.paths?.login ?? DEFAULT_PATHS.login, sync: options.paths?.sync ?? DEFAULT_PATHS.sync, catalog: options.paths?.catalog ?? DEFAULT_PATHS.catalog }
  const endpoints = new Map<string, 'login' | 'sync' | 'catalog'>([[paths.login, 'login'], [paths.sync, 'sync'], [paths.catalog, 'catalog']])
  const portal = createPortal({
    credentials: options.credentials ?? SANDBOX_CREDENTIALS,
    dstcode: options.dstcode ?? SANDBOX_DSTCODE,
    sessionTtlMs: options.sessionTtlMs ?? 30 * 60 * 1000,
    maxStoredDossiers: options.maxStoredDossiers ?? 200_000,
    procedures: options.procedures ?? sandboxProcedures(),
    agencies: options.agencies ?? sandboxAgencies(),
    batchReplies: options.batchReplies ?? 'in-order',
  })
  const interlinked = createInterlinked()
  const payments = createPaymentPlatform()
  const maxRequestBytes = options.maxRequestBytes ?? 4 * 1024 * 1024
  const random = createPrng(options.seed ?? 1)
  const faults = new FaultState(options.faults)
  const log = options.log
  let requests = 0
  let inFlight = 0
  let faultCounts = emptyFaults()
  // Assigned before the first request can arrive; the handlers below only run after that.
  let server!: LoopbackServer

  const send = (res: ServerResponse, status: number, body: string, type = JSON_TYPE, extra: Record<string, string> = {}) =>
    sendReply(res, status, body, type, extra)
  const reply = (res: ServerResponse, r: Reply) => send(res, 200, JSON.stringify(r))

  function applyFault(res: ServerResponse, action: FaultAction): boolean {
    if (action.kind === 'none') return false
    faultCounts[action.kind]++
    if (action.kind === 'hang') return true // never answer; close() or the client ends the socket
    if (action.kind === 'status') send(res, action.status, `simulated HTTP ${action.status}\n`, 'text/plain; charset=utf-8', action.status === 503 ? { 'retry-after': '1' } : {})
    else if (action.kind === 'app-fault' && action.fault === 'server') reply(res, { error_code: PORTAL_CODE.transient, message: 'Hệ thống đang bận, vui lòng thử lại sau' })
    else if (action.kind === 'app-fault') reply(res, { error_code: PORTAL_CODE.refused, message: 'Yêu cầu bị từ chối' })
    else if (action.kind === 'malformed') send(res, 200, '{"error_code":0,"message":"Th')
    else send(res, 500, '<html><body><h1>500 Internal Server Error</h1></body></html>', 'text/html; charset=utf-8')
    return true
  }

  function handleApi(req: IncomingMessage, res: ServerResponse, body: string, endpoint: 'login' | 'sync' | 'catalog') {
    const { latencyMs, action } = decideFault({ ...faults.take(), ...faultsFromHeaders(req.headers) }, random)
    const proceed = () => {
      if (applyFault(res, action)) return
      if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) return send(res, 415, 'send Content-Type: application/json\n', 'text/plain; charset=utf-8')
      let parsed: unknown
      try {
        parsed = JSON.parse(body)
      } catch {
        parsed = undefined // refused below as "not the expected format"
      }
      const dstcode = req.headers['dstcode']
      const dst = Array.isArray(dstcode) ? dstcode[0] : dstcode
      reply(res, endpoint === 'login' ? portal.login(dst, parsed) : portal.call(endpoint, dst, parsed))
    }
    if (latencyMs <= 0) return proceed()
    server.delay(res, latencyMs, proceed)
  }

  function stats(): SimulatorStats {
    return { requests, ...portal.counters(), faults: { ...faultCounts }, inFlight }
  }

  function handleControl(req: IncomingMessage, res: ServerResponse, body: string, route: string) {
    const json = (status: number, value: unknown) => send(res, status, JSON.stringify(value))
    const parse = (): { ok: true; value: unknown } | { ok: false } => {
      try {
        return { ok: true, value: JSON.parse(body || '{}') }
      } catch {
        json(400, { error: 'body must be JSON' })
        return { ok: false }
      }
    }
    const method = req.method
    const faultReply = route === '/__sim/faults' ? faultsControl(faults, method, body) : undefined
    if (faultReply) return json(faultReply.status, faultReply.body)
    if (route === '/__sim/stats' && method === 'GET') return json(200, stats())
    if (route === '/__sim/stats' && method === 'DELETE') {
      portal.resetCounters()
      faultCounts = emptyFaults()
      requests = 0
      return json(200, stats())
    }
    if (route === '/__sim/sessions/expire' && method === 'POST') {
      portal.expireSessions()
      return json(200, { expired: true })
    }
    if (route === '/__sim/procedures' && method === 'POST') {
      const p = parse()
      if (!p.ok) return
      if (!Value.Check(Procedure, p.value)) {
        const first = [...Value.Errors(Procedure, p.value)][0]
        return json(400, { error: `not a Procedure: ${first?.instancePath || '/'} ${first?.message ?? 'is invalid'}` })
      }
      portal.addProcedure(p.value)
      return json(201, { code: p.value.code })
    }
    if (route === '/__sim/push' && method === 'POST') {
      const p = parse()
      if (p.ok) void handlePushRoute(p.value).then((r) => json(r.status, r.body)) // never rejects
      return
    }
    if (route === '/__sim/interlinked/items' && method === 'POST') {
      const p = parse()
      if (!p.ok) return
      const item = p.value as InterlinkedItem
      if (typeof item?.id !== 'string' || typeof item.maHoSo !== 'string' || typeof item.hoTich !== 'object' || item.hoTich === null || !Array.isArray(item.fileDinhKem)) {
        return json(400, { error: 'an item needs id, maHoSo, hoTich (element → text) and fileDinhKem (a list)' })
      }
      interlinked.add(item)
      return json(201, { id: item.id })
    }
    if (route === '/__sim/interlinked' && method === 'GET') return json(200, interlinked.view())
    const settle = /^\/__sim\/payments\/([^/]+)\/settle$/.exec(route)
    if (settle && method === 'POST') {
      const p = parse()
      if (!p.ok) return
      const { outcome, callbackUrl } = (p.value ?? {}) as { outcome?: string; callbackUrl?: string }
      const callback = payments.settle(decodeURIComponent(settle[1]!), outcome === 'failed' ? 'failed' : 'paid')
      if (!callback) return json(404, { error: 'no such payment' })
      if (!callbackUrl) return json(200, { callback })
      void fetch(callbackUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(callback), signal: AbortSignal.timeout(10_000) })
        .then(async (r) => json(200, { callback, status: r.status, reply: await r.text() }), (err: Error) => json(200, { callback, status: 0, reply: err.message }))
      return
    }
    if (route === '/__sim/received' && method === 'DELETE') {
      portal.clearReceived()
      return json(200, { cleared: true })
    }
    const inspect = /^\/__sim\/(dossiers|progress)\/([^/]+)$/.exec(route)
    if (inspect && method === 'GET') {
      const code = decodeURIComponent(inspect[2]!)
      return inspect[1] === 'dossiers' ? json(200, { code, versions: portal.received(code) }) : json(200, { code, entries: portal.progress(code) })
    }
    return json(404, { error: 'unknown simulator control route' })
  }

  server = await startLoopbackServer({
    name: 'national portal simulator',
    ...(options.port !== undefined && { port: options.port }),
    ...(log !== undefined && { log }),
    maxRequestBytes,
    onRequest(_req, res, route) {
      if (!endpoints.has(route)) return
      requests++
      inFlight++
      res.on('close', () => inFlight--)
    },
    handle(req, res, body, route) {
      const endpoint = endpoints.get(route)
      if (route.startsWith('/__sim/')) return handleControl(req, res, body, route)
      if (endpoint !== undefined && req.method === 'POST') return handleApi(req, res, body, endpoint)
      const paid = payments.handle(route, req.headers.authorization, parseLoose(body), server.url)
      if (paid) return send(res, paid.status, paid.body as string, paid.type)
      if (interlinked.owns(req.method ?? 'GET', route)) {
        // Faults reach the interlinked service too; `paths` on the control route aims them at one path.
        const { latencyMs, action } = decideFault({ ...faults.take(route), ...faultsFromHeaders(req.headers) }, random)
        const proceed = () => {
          if (applyFault(res, action)) return
          const linked = interlinked.handle(req.method ?? 'GET', route, req.headers.authorization, parseLoose(body))!
          send(res, linked.status, JSON.stringify(linked.body))
        }
        return latencyMs <= 0 ? proceed() : server.delay(res, latencyMs, proceed)
      }
      send(res, endpoint !== undefined ? 405 : 404, endpoint !== undefined ? 'POST JSON here\n' : 'not found\n', 'text/plain; charset=utf-8')
    },
    onCrash(res, err) {
      log?.error({ err }, 'national portal simulator failed')
      send(res, 500, JSON.stringify({ error_code: PORTAL_CODE.transient, message: 'Lỗi hệ thống' }))
    },
  })


  return {
    url: server.url,
    setFaults: (settings) => faults.set(settings),
    clearFaults: () => faults.clear(),
    stats,
    received: (code) => portal.received(code),
    progress: (code) => portal.progress(code),
    clearReceived: () => portal.clearReceived(),
    expireSessions: () => portal.expireSessions(),
    addProcedure: (procedure) => portal.addProcedure(procedure),
    close: () => server.close(),
  }
}
