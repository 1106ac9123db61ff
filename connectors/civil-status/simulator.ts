/**
 * Simulator of the civil-status database on loopback: the lookup endpoint in the connector's
 * wire format (wire.ts) over the sandbox register (sandbox-records.ts), a static bearer key, and
 * the shared fault injection (`x-sim-*` headers, `POST /__sim/faults`). Nothing is logged per request.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { send, startLoopbackServer, type LoopbackServer } from '../../src/sim/http-server.js'
import { faultsControl, simulatorFaults, type FaultSettings, type SimulatorBaseOptions } from '../../src/sim/faults.js'
import { DEFAULT_LOOKUP_PATH } from './config.js'
import { sandboxEntries, UNKNOWN_OFFICE } from './sandbox-records.js'
import type { Json } from './wire.js'

export { SANDBOX_RECORDS, UNKNOWN_OFFICE } from './sandbox-records.js'

/** Obviously fake key of the sandbox (sent as `Authorization: Bearer …`). */
export const SANDBOX_TOKEN = 'sandbox-civil-status-token-not-real'
export const SANDBOX_PROVINCE = '62'

export type CivilStatusSimulatorOptions = SimulatorBaseOptions

export interface CivilStatusSimulator {
  url: string
  setFaults(settings: FaultSettings): void
  clearFaults(): void
  /** Lookup requests that arrived (whatever became of them), and exchanges still open. */
  stats(): { requests: number; inFlight: number }
  close(): Promise<void>
}

const JSON_TYPE = 'application/json; charset=utf-8'
const reply = (res: ServerResponse, status: number, body: unknown) => send(res, status, JSON.stringify(body), JSON_TYPE)

export async function startCivilStatusSimulator(options: CivilStatusSimulatorOptions = {}): Promise<CivilStatusSimulator> {
  const entries = sandboxEntries()
  const faults = simulatorFaults(options)
  let requests = 0
  let inFlight = 0
  let server!: LoopbackServer

  function lookup(req: IncomingMessage, res: ServerResponse, body: string) {
    if (req.headers.authorization !== `Bearer ${SANDBOX_TOKEN}`) return reply(res, 401, { status: 0, statusDescription: 'Không có quyền truy cập' })
    let q: Json
    try {
      q = JSON.parse(body) as Json
    } catch {
      return reply(res, 400, { status: 0, statusDescription: 'Dữ liệu không hợp lệ' })
    }
    const str = (k: string) => (typeof q[k] === 'string' ? (q[k] as string) : '')
    if (str('maTinh') !== SANDBOX_PROVINCE) return reply(res, 200, { status: 0, statusDescription: 'Mã tỉnh không hợp lệ' })
    if (str('noiDangKy') === UNKNOWN_OFFICE) return reply(res, 200, { status: 0, statusDescription: 'Không tìm thấy nơi đăng ký' })
    const entry = entries.get(`${str('module')}|${str('noiDangKy')}|${str('quyenSo')}|${str('soDangKy')}`)
    reply(res, 200, { status: 1, statusDescription: 'Thành công', value: entry ? [entry] : [] })
  }

  server = await startLoopbackServer({
    name: 'civil-status simulator',
    ...(options.port !== undefined && { port: options.port }),
    ...(options.log !== undefined && { log: options.log }),
    maxRequestBytes: 16 * 1024,
    onRequest(_req, res, route) {
      if (route !== DEFAULT_LOOKUP_PATH) return
      requests++
      inFlight++
      res.on('close', () => inFlight--)
    },
    handle(req, res, body, route) {
      if (route === '/__sim/faults') {
        const r = faultsControl(faults.state, req.method, body)
        return r ? reply(res, r.status, r.body) : reply(res, 405, { error: 'method not allowed' })
      }
      if (route !== DEFAULT_LOOKUP_PATH || req.method !== 'POST') return reply(res, 404, { status: 0, statusDescription: 'Không tìm thấy' })
      faults.decide(server, req, res, route, (action) => {
        if (action.kind === 'hang') return // never answer; the client or close() ends the socket
        if (action.kind === 'status') return send(res, action.status, `simulated HTTP ${action.status}\n`, 'text/plain; charset=utf-8')
        if (action.kind === 'app-fault') return reply(res, action.fault === 'server' ? 500 : 200, { status: 0, statusDescription: 'Lỗi hệ thống' })
        if (action.kind === 'malformed') return send(res, 200, '{"status":1,"value":[{"soDangKy":', JSON_TYPE)
        if (action.kind === 'error') return send(res, 500, '<html><body>500 Internal Server Error</body></html>', 'text/html; charset=utf-8')
        lookup(req, res, body)
      })
    },
    onCrash(res) {
      reply(res, 500, { status: 0, statusDescription: 'Lỗi hệ thống' })
    },
  })

  return {
    url: server.url,
    ...faults.controls,
    stats: () => ({ requests, inFlight }),
    close: () => server.close(),
  }
}

/** The config section that points the connector at a simulator. */
export const sandboxConfig = (url: string) => ({
  baseUrl: url,
  provinceCode: SANDBOX_PROVINCE,
  auth: { type: 'api-key', header: 'Authorization', value: `Bearer ${SANDBOX_TOKEN}` },
})
