/**
 * Simulator of the national document exchange axis (VXP) on loopback: the SDK's signed calls
 * (`XroadVnpt-*` headers, wire.ts) carrying real-layout edXML packages, mailboxes of several registered systems (the sandbox province and simulated remote
 * agencies that answer with status packets), control and inspection routes, and the shared fault
 * injection. Plain node:http so hanging replies and socket teardown are ours to control. The axis
 * logic is in simulator-axis.ts, the registered systems in simulator-sandbox.ts, the `/__sim/`
 * routes in simulator-control.ts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Logger } from 'pino'
import { send as sendReply, startLoopbackServer, type LoopbackServer } from '../../src/sim/http-server.js'
import { decideFault, faultsFromHeaders, FaultState, type FaultAction, type FaultSettings } from '../../src/sim/faults.js'
import type { Edoc, StatusPacket } from './model.js'
import { checkSignature, DEFAULT_PATHS, ERROR_CODES, failReply, type AxisPaths, type AxisReply } from './wire.js'
import { createAxis, parseAutoReply, type AutoReplySettings, type AxisCounters, type MailboxView, type Outcome, type SentRecord } from './simulator-axis.js'
import { createDirectory, sandboxSystems, type AxisSystem } from './simulator-sandbox.js'
import { handleControl } from './simulator-control.js'
import { createPrng } from '../../src/sim/prng.js'
import type { TestPki } from './test-pki.js'

export { SANDBOX_AXIS, SANDBOX_PROVINCE_UNIT, sandboxSystems, type AxisAgency, type AxisSystem } from './simulator-sandbox.js'
export { DEFAULT_AUTO_REPLY, type AutoReplySettings, type MailboxEntry, type MailboxView, type SentRecord } from './simulator-axis.js'
export { edocFromJson, statusFromJson } from './simulator-control.js'

export interface SimulatorOptions {
  /** Port on 127.0.0.1. Default 0 (any free port). */
  port?: number
  log?: Logger
  /** Endpoint paths. Default DEFAULT_PATHS of wire.ts. */
  paths?: Partial<AxisPaths>
  /** Faults applied to every API call until the control route changes them. Default none. */
  faults?: FaultSettings
  /** Seed of the PRNG behind `errorRate`. Default 1. */
  seed?: number
  /** The remote agencies' status answers; missing fields keep the defaults; `false` = silent. Default codes 01, 03, 05, 06, 50 ms apart. */
  autoReply?: Partial<AutoReplySettings> | false
  /** The registered systems. Default sandboxSystems(). */
  systems?: AxisSystem[]
  /** Largest request body accepted, in bytes (above the edXML package limit, so a big package gets a readable FAIL). Default 80 MiB. */
  maxRequestBytes?: number
  /** Documents kept, oldest forgotten first with their mailbox entries. Default 10,000. */
  maxStoredDocuments?: number
  /** A test CA: each registered system gets a certificate from it and signs what it sends; arriving packages are verified against it. Default none (nothing signed). */
  pki?: TestPki
}

export interface SimulatorStats extends AxisCounters {
  /** Requests to the API endpoints (control routes not counted), whatever became of them. */
  requests: number
  /** Calls refused with 401 for their signed headers. */
  signatureRefused: number
  faults: Record<Exclude<FaultAction['kind'], 'none'>, number>
  inFlight: number
}

export interface DocumentAxisSimulator {
  url: string
  /** The registered systems (secrets included: they are the sandbox's). */
  systems: readonly AxisSystem[]
  /** Stops the server and the auto-responder; does not wait for hanging replies. */
  close(): Promise<void>
  setFaults(settings: FaultSettings): void
  clearFaults(): void
  stats(): SimulatorStats
  /** A document from a registered system (default: the owner of its `From`) into its recipients' mailboxes. Throws when the axis refuses it. */
  deliver(edoc: Edoc | string | Uint8Array, fromSystem?: string): { docId: string }
  /** A status packet into the mailbox of the system owning `responseFor.organId`. Throws when the axis refuses it. */
  injectStatus(packet: StatusPacket | string | Uint8Array, fromSystem?: string): { docId: string }
  /** Every entry of a system's mailbox, acknowledged or not. Throws for an unknown system. */
  mailbox(systemId: string): MailboxView
  /** What the axis received, in arrival order. */
  sent(): SentRecord[]
  /** Changes the auto-responder for documents arriving from now on; throws on invalid settings. */
  setAutoReply(settings: Partial<AutoReplySettings> | false): void
}

type Endpoint = keyof AxisPaths
const emptyFaults = (): SimulatorStats['faults'] => ({ hang: 0, status: 0, 'app-fault': 0, malformed: 0, error: 0 })
const JSON_TYPE = 'application/json; charset=utf-8'

function autoReplyOrThrow(value: unknown): AutoReplySettings | false {
  const settings = parseAutoReply(value)
  if (typeof settings === 'string') throw new Error(`document axis simulator: ${settings}`)
  return settings
}

function unwrap(outcome: Outcome, what: string): { docId: string } {
  if (outcome.ok) return { docId: outcome.docId }
  throw new Error(`document axis simulator refused the ${what}: ${outcome.reply.ErrorDesc} (ErrorCode ${outcome.reply.ErrorCode})`)
}

export async function startDocumentAxisSimulator(options: SimulatorOptions = {}): Promise<DocumentAxisSimulator> {
  const paths: AxisPaths = { ...DEFAULT_PATHS, ...options.paths }
  const endpoints = new Map<string, Endpoint>((Object.keys(paths) as Endpoint[]).map((k) => [paths[k], k]))
  const directory = createDirectory(options.systems ?? sandboxSystems())
  const log = options.log
  const axis = createAxis({
    directory,
    autoReply: autoReplyOrThrow(options.autoReply ?? {}),
    maxStoredDocuments: options.maxStoredDocuments ?? 10_000,
    ...(options.pki !== undefined && { pki: options.pki }),
    onAutoReplyError: (err) => log?.error({ err }, 'document axis simulator could not build an auto-reply'),
  })
  const random = createPrng(options.seed ?? 1)
  const faults = new FaultState(options.faults)
  let requests = 0
  let signatureRefused = 0
  let inFlight = 0
  let faultCounts = emptyFaults()
  // Assigned before the first request can arrive; the handlers below only run after that.
  let server!: LoopbackServer

  const json = (res: ServerResponse, status: number, reply: AxisReply) => sendReply(res, status, JSON.stringify(reply), JSON_TYPE)

  function applyFault(res: ServerResponse, endpoint: Endpoint, action: FaultAction): boolean {
    if (action.kind === 'none') return false
    faultCounts[action.kind]++
    if (action.kind === 'hang') return true // never answer; close() or the client ends the socket
    if (action.kind === 'status') sendReply(res, action.status, `simulated HTTP ${action.status}\n`, 'text/plain; charset=utf-8', action.status === 503 ? { 'retry-after': '1' } : {})
    else if (action.kind === 'app-fault' && action.fault === 'server') json(res, 200, failReply(ERROR_CODES.busy, 'Hệ thống đang bận, vui lòng thử lại sau (simulated)'))
    else if (action.kind === 'app-fault') json(res, 200, failReply(ERROR_CODES.badRequest, 'Yêu cầu không hợp lệ (simulated)'))
    else if (action.kind === 'malformed' && endpoint === 'get') {
      const cut = '<?xml version="1.0" encoding="UTF-8"?><edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"><edXML:edXMLEnvelope xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016"><edXML:edXMLHeader><edXML:MessageHeader><edXML:From><edXML:OrganId>000.0'
      json(res, 200, { status: 'OK', ErrorCode: '0', ErrorDesc: '', data: Buffer.from(cut).toString('base64') })
    }
    else if (action.kind === 'malformed') sendReply(res, 200, '{"status":"OK","ErrorCode":"0","data":[{"docId":"', JSON_TYPE)
    else sendReply(res, 500, '<html><body><h1>500 Internal Server Error</h1></body></html>', 'text/html; charset=utf-8')
    return true
  }

  function answer(req: IncomingMessage, res: ServerResponse, body: string, endpoint: Endpoint) {
    const checked = checkSignature(req.headers, directory.secretOf)
    if ('refused' in checked) {
      signatureRefused++
      return json(res, 401, failReply(ERROR_CODES.badSignature, checked.refused))
    }
    const { params } = checked
    const systemId = params.get('systemid')!
    if (endpoint === 'send') return json(res, 200, axis.send(systemId, params, Buffer.from(body, 'utf8')))
    if (endpoint === 'listReceived') return json(res, 200, axis.list(systemId, params))
    if (endpoint === 'updateStatus') return json(res, 200, axis.ack(systemId, params))
    if (endpoint === 'listSent') return json(res, 200, axis.listSent(systemId, params))
    if (endpoint === 'agencies') return json(res, 200, axis.agencies())
    json(res, 200, axis.get(systemId, params))
  }

  function handleApi(req: IncomingMessage, res: ServerResponse, body: string, route: string, endpoint: Endpoint) {
    const { latencyMs, action } = decideFault({ ...faults.take(route), ...faultsFromHeaders(req.headers) }, random)
    const proceed = () => {
      if (!applyFault(res, endpoint, action)) answer(req, res, body, endpoint)
    }
    if (latencyMs <= 0) return proceed()
    server.delay(res, latencyMs, proceed)
  }

  function stats(): SimulatorStats {
    return { requests, signatureRefused, ...axis.counters(), faults: { ...faultCounts }, inFlight }
  }

  function resetStats() {
    axis.resetCounters()
    faultCounts = emptyFaults()
    requests = 0
    signatureRefused = 0
  }

  server = await startLoopbackServer({
    name: 'document axis simulator',
    ...(options.port !== undefined && { port: options.port }),
    ...(log !== undefined && { log }),
    maxRequestBytes: options.maxRequestBytes ?? 80 * 1024 * 1024,
    onRequest(_req, res, route) {
      if (!endpoints.has(route)) return
      requests++
      inFlight++
      res.on('close', () => inFlight--)
    },
    handle(req, res, body, route) {
      if (route.startsWith('/__sim/')) return handleControl({ faults, axis, stats, resetStats }, req, res, body, route)
      const endpoint = endpoints.get(route)
      if (endpoint !== undefined && req.method === 'POST') return handleApi(req, res, body, route, endpoint)
      sendReply(res, endpoint !== undefined ? 405 : 404, endpoint !== undefined ? 'use POST here\n' : 'not found\n', 'text/plain; charset=utf-8', endpoint !== undefined ? { allow: 'POST' } : {})
    },
    onCrash(res, err) {
      log?.error({ err }, 'document axis simulator failed')
      json(res, 500, failReply('500', 'Lỗi hệ thống (simulated axis crashed)'))
    },
  })

  return {
    url: server.url,
    systems: directory.systems.map((s) => structuredClone(s)),
    setFaults: (settings) => faults.set(settings),
    clearFaults: () => faults.clear(),
    stats,
    deliver: (edoc, fromSystem) => unwrap(axis.deliver(edoc, fromSystem), 'delivery'),
    injectStatus: (packet, fromSystem) => unwrap(axis.injectStatus(packet, fromSystem), 'status packet'),
    mailbox(systemId) {
      const view = axis.mailbox(systemId)
      if (view === undefined) throw new Error(`document axis simulator: no system ${systemId} is registered`)
      return view
    },
    sent: () => axis.sent(),
    setAutoReply: (settings) => axis.setAutoReply(autoReplyOrThrow(settings)),
    async close() {
      axis.close()
      await server.close()
    },
  }
}
