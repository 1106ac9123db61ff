/**
 * Fault injection shared by every simulator. Faults come from three places, most specific
 * first: `x-sim-*` request headers (for tests that call the simulator directly), the control
 * route `POST /__sim/faults` (for tests that go through the hub, which does not forward
 * arbitrary headers), and the options given at start.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http'
import type { Logger } from 'pino'
import type { LoopbackServer } from './http-server.js'
import { createPrng } from './prng.js'

export interface FaultSettings {
  /** Delay before answering, in ms. */
  latencyMs?: number
  /** Probability (0–1) of an `error` reply: HTTP 500 with a non-SOAP body, like a crashed server. */
  errorRate?: number
  /** Never answer; the connection stays open until the client gives up. */
  hang?: boolean
  /** Answer 200 with a truncated, non-well-formed SOAP document. */
  malformed?: boolean
  /**
   * Answer with the upstream's own error in its wire format: `client` (a refusal of the request)
   * or `server` (a transient failure) — a SOAP fault, a non-zero `error_code`, … per simulator.
   * `soapFault` is accepted as an alias on the control route.
   */
  appFault?: 'client' | 'server'
  /** Answer this HTTP status with a short plain-text body (e.g. 503). */
  status?: number
  /** Control route only: apply to the next `count` SOAP requests, then clear. */
  count?: number
  /** Control route only: apply only to requests on these paths (others pass untouched and spend no `count`). */
  paths?: string[]
}

/** What the simulator does with one request, after its latency. */
export type FaultAction =
  | { kind: 'none' }
  | { kind: 'hang' }
  | { kind: 'status'; status: number }
  | { kind: 'app-fault'; fault: 'client' | 'server' }
  | { kind: 'malformed' }
  | { kind: 'error' }

const KEYS = ['latencyMs', 'errorRate', 'hang', 'malformed', 'appFault', 'soapFault', 'status', 'count', 'paths'] as const

/** Validates a control-route body; returns the settings or a message saying what is wrong. */
export function parseFaultSettings(body: unknown): FaultSettings | string {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'body must be a JSON object'
  const b = body as Record<string, unknown>
  const unknown = Object.keys(b).filter((k) => !(KEYS as readonly string[]).includes(k))
  if (unknown.length > 0) return `unknown properties: ${unknown.join(', ')} (allowed: ${KEYS.join(', ')})`
  const isInt = (v: unknown, min: number, max: number) => Number.isInteger(v) && (v as number) >= min && (v as number) <= max
  if (b.latencyMs !== undefined && !isInt(b.latencyMs, 0, 600_000)) return 'latencyMs must be an integer 0–600000'
  if (b.errorRate !== undefined && !(typeof b.errorRate === 'number' && b.errorRate >= 0 && b.errorRate <= 1)) return 'errorRate must be a number 0–1'
  if (b.hang !== undefined && typeof b.hang !== 'boolean') return 'hang must be a boolean'
  if (b.malformed !== undefined && typeof b.malformed !== 'boolean') return 'malformed must be a boolean'
  for (const k of ['appFault', 'soapFault'] as const) {
    if (b[k] !== undefined && b[k] !== 'client' && b[k] !== 'server') return `${k} must be "client" or "server"`
  }
  if (b.status !== undefined && !isInt(b.status, 200, 599)) return 'status must be an HTTP status 200–599'
  if (b.count !== undefined && !isInt(b.count, 1, 1_000_000)) return 'count must be a positive integer'
  if (b.paths !== undefined && !(Array.isArray(b.paths) && b.paths.length > 0 && b.paths.every((p) => typeof p === 'string' && p.startsWith('/')))) return 'paths must be a non-empty array of paths starting with /'
  const { soapFault, ...rest } = b
  return (soapFault !== undefined && rest.appFault === undefined ? { ...rest, appFault: soapFault } : rest) as FaultSettings
}

const HEADER_FAULTS: Record<string, FaultSettings> = {
  error: { errorRate: 1 },
  hang: { hang: true },
  malformed: { malformed: true },
  'app-fault-server': { appFault: 'server' },
  'app-fault-client': { appFault: 'client' },
  'soap-fault-server': { appFault: 'server' },
  'soap-fault-client': { appFault: 'client' },
  'http-503': { status: 503 },
}

/** `x-sim-latency-ms`, `x-sim-fault`, `x-sim-error-rate`; unknown values are ignored. */
export function faultsFromHeaders(headers: IncomingHttpHeaders): FaultSettings {
  const out: FaultSettings = {}
  const one = (name: string) => {
    const v = headers[name]
    return Array.isArray(v) ? v[0] : v
  }
  const latency = Number(one('x-sim-latency-ms'))
  if (Number.isInteger(latency) && latency >= 0 && latency <= 600_000) out.latencyMs = latency
  const rate = Number(one('x-sim-error-rate'))
  if (one('x-sim-error-rate') !== undefined && rate >= 0 && rate <= 1) out.errorRate = rate
  const fault = one('x-sim-fault')
  if (fault !== undefined) {
    const status = /^http-(\d{3})$/.exec(fault)
    Object.assign(out, status ? { status: Number(status[1]) } : HEADER_FAULTS[fault])
  }
  return out
}

/** Fault state set through the control route, with its optional request budget. */
export class FaultState {
  #settings: FaultSettings | undefined
  #remaining: number | undefined

  constructor(private readonly initial: FaultSettings = {}) {}

  set(settings: FaultSettings): void {
    const { count, ...rest } = settings
    this.#settings = rest
    this.#remaining = count
  }

  clear(): void {
    this.#settings = undefined
    this.#remaining = undefined
  }

  /**
   * Settings for the next API request on `route`: control state (spending one of its count) over
   * the start options. Control state limited to other `paths` leaves this request alone.
   */
  take(route?: string): FaultSettings {
    const controlled = this.#settings
    if (controlled?.paths && (route === undefined || !controlled.paths.includes(route))) return { ...this.initial }
    if (controlled && this.#remaining !== undefined && --this.#remaining <= 0) this.clear()
    const { paths: _paths, ...rest } = controlled ?? {}
    return { ...this.initial, ...rest }
  }

  current(): FaultSettings & { remaining?: number } {
    return { ...this.initial, ...this.#settings, ...(this.#remaining !== undefined && { remaining: this.#remaining }) }
  }
}

/** One decision per request; `random` is the simulator's seeded PRNG so error rates are reproducible. */
export function decideFault(settings: FaultSettings, random: () => number): { latencyMs: number; action: FaultAction } {
  const latencyMs = settings.latencyMs ?? 0
  if (settings.hang) return { latencyMs, action: { kind: 'hang' } }
  if (settings.status !== undefined) return { latencyMs, action: { kind: 'status', status: settings.status } }
  if (settings.appFault) return { latencyMs, action: { kind: 'app-fault', fault: settings.appFault } }
  if (settings.malformed) return { latencyMs, action: { kind: 'malformed' } }
  if (settings.errorRate !== undefined && settings.errorRate > 0 && random() < settings.errorRate) return { latencyMs, action: { kind: 'error' } }
  return { latencyMs, action: { kind: 'none' } }
}

/**
 * The `/__sim/faults` control route every simulator serves: GET shows the settings, POST sets
 * them (a JSON body checked by parseFaultSettings), DELETE clears them. Returns the reply, or
 * undefined for another method (the simulator goes on to its other routes).
 */
export function faultsControl(state: FaultState, method: string | undefined, body: string): { status: number; body: unknown } | undefined {
  const current = () => ({ status: 200, body: { faults: state.current() } })
  if (method === 'GET') return current()
  if (method === 'DELETE') {
    state.clear()
    return current()
  }
  if (method !== 'POST') return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(body || '{}')
  } catch {
    return { status: 400, body: { error: 'body must be JSON' } }
  }
  const settings = parseFaultSettings(parsed)
  if (typeof settings === 'string') return { status: 400, body: { error: settings } }
  state.set(settings)
  return current()
}

/** The options every simulator takes beside its own. */
export interface SimulatorBaseOptions {
  /** Port on 127.0.0.1. Default 0 (any free port). */
  port?: number
  log?: Logger
  /** Faults applied to every API request until the control route changes them. Default none. */
  faults?: FaultSettings
  /** Seed of the PRNG behind `errorRate`. Default 1. */
  seed?: number
}

/**
 * A simulator's injected faults: the control state over the start options (`state`, for
 * `faultsControl`), the seeded PRNG, and `decide`, which picks a request's fault (the state for
 * `route`, then the request's `x-sim-*` headers) and runs `then` with it once its latency has
 * passed (on the server, so it dies with the response). `controls` are the handle's methods.
 */
export function simulatorFaults(options: SimulatorBaseOptions) {
  const state = new FaultState(options.faults)
  const random = createPrng(options.seed ?? 1)
  return {
    state,
    decide(server: LoopbackServer, req: IncomingMessage, res: ServerResponse, route: string | undefined, then: (action: FaultAction) => void): void {
      const { latencyMs, action } = decideFault({ ...state.take(route), ...faultsFromHeaders(req.headers) }, random)
      if (latencyMs > 0) server.delay(res, latencyMs, () => then(action))
      else then(action)
    },
    controls: {
      setFaults: (settings: FaultSettings) => state.set(settings),
      clearFaults: () => state.clear(),
    },
  }
}
