/**
 * The document axis simulator's unsigned control and inspection routes (`/__sim/...`), for tests
 * that go through the hub: faults, stats, a remote agency delivering a document (a sample one when
 * the body names none) or a status packet, mailboxes, what the axis received, the auto-responder. Replies are JSON; a refused
 * control request is 400/404 `{ error }` (plus the axis `code` when the axis refused it).
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { send } from '../../src/sim/http-server.js'
import { faultsControl, type FaultState } from '../../src/sim/faults.js'
import { documentIdOf, type Attachment, type Edoc, type EdocHeader, type StatusPacket } from './model.js'
import { parseAutoReply, vnTimestamp, type Axis, type Outcome } from './simulator-axis.js'
import { SANDBOX_AXIS } from './simulator-sandbox.js'

export interface ControlContext {
  faults: FaultState
  axis: Axis
  stats(): unknown
  resetStats(): void
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const BASE64 = /^[A-Za-z0-9+/\s]*={0,2}\s*$/

/**
 * An Edoc from JSON: attachments' `data` as base64 strings. Convenience defaults: no attachments,
 * no trace, `business.docType` new, and `documentId` from From, promulgation date and code.
 * Returns a message when the shape is wrong; the rest is checked by buildEdoc.
 */
export function edocFromJson(value: unknown): Edoc | string {
  if (!isObject(value) || !isObject(value.header)) return 'edoc must be an object with a header'
  const attachments = value.attachments ?? []
  if (!Array.isArray(attachments)) return 'edoc.attachments must be an array'
  const decoded: Attachment[] = []
  for (const [i, a] of attachments.entries()) {
    if (!isObject(a) || typeof a.data !== 'string' || !BASE64.test(a.data)) return `edoc.attachments[${i}].data must be a base64 string`
    decoded.push({ ...a, data: Buffer.from(a.data, 'base64') } as unknown as Attachment)
  }
  const h = value.header as Partial<EdocHeader>
  const documentId = h.documentId ?? (h.from?.organId && h.promulgation?.date && h.code ? documentIdOf(h.from.organId, h.promulgation.date, h.code.number, h.code.notation) : undefined)
  const header = { trace: [], business: { docType: 'new' }, ...h, ...(documentId !== undefined && { documentId }) } as EdocHeader
  return { header, attachments: decoded }
}

/** A StatusPacket from JSON; `timestamp` defaults to now. */
export function statusFromJson(value: unknown): StatusPacket | string {
  if (!isObject(value) || !isObject(value.responseFor) || !isObject(value.from)) return 'status must be an object with responseFor and from'
  return { timestamp: vnTimestamp(), ...value } as unknown as StatusPacket
}

type Json = (status: number, value: unknown) => void

let sampleSeq = 0
/**
 * What `POST /__sim/deliver` with no `edoc` sends: a dispatch from the Government Office to the
 * province, numbered anew each time (so it is never taken for a resend), with one small PDF.
 */
export function sampleEdoc(now = new Date()): Record<string, unknown> {
  const { governmentOffice, province } = SANDBOX_AXIS
  const date = now.toISOString().slice(0, 10)
  return {
    header: {
      from: { organId: governmentOffice.organId, organName: governmentOffice.name }, to: [{ organId: province.organId, organName: province.name }],
      code: { number: `${now.getTime() % 1_000_000}${++sampleSeq}`, notation: 'VPCP-KSTT' }, promulgation: { place: 'Hà Nội', date },
      documentType: { type: '1', typeName: 'Công văn' }, subject: 'V/v đôn đốc số hóa hồ sơ, kết quả giải quyết thủ tục hành chính (văn bản mẫu của sandbox)',
      signer: { fullName: 'Trần Thị Bình', position: 'Phó Chủ nhiệm' },
    },
    attachments: [{ contentId: 'cong-van-mau', name: 'cong-van-mau.pdf', contentType: 'application/pdf', data: Buffer.from('%PDF-1.7\n% văn bản mẫu\n').toString('base64') }],
  }
}

/** `{ fromSystem?, <key>: <model JSON> }`, or the raw package when the body is not JSON. */
function injectRoute(req: IncomingMessage, body: string, json: Json, key: 'edoc' | 'status', run: (input: Edoc | StatusPacket | string, fromSystem?: string) => Outcome) {
  let input: Edoc | StatusPacket | string = body
  let fromSystem: string | undefined
  if (/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
    let parsed: unknown
    try {
      parsed = JSON.parse(body)
    } catch {
      return json(400, { error: 'body must be JSON (or send the raw package with another content type)' })
    }
    if (!isObject(parsed)) return json(400, { error: `body must be { fromSystem?, ${key} }` })
    if (parsed.fromSystem !== undefined && typeof parsed.fromSystem !== 'string') return json(400, { error: 'fromSystem must be a systemId' })
    fromSystem = parsed.fromSystem
    const model = key === 'edoc' ? edocFromJson(parsed.edoc ?? sampleEdoc()) : statusFromJson(parsed.status)
    if (typeof model === 'string') return json(400, { error: model })
    input = model
  }
  let outcome: Outcome
  try {
    outcome = run(input, fromSystem)
  } catch (err) {
    // buildEdoc/buildStatus on a shape they do not expect: the caller's mistake here.
    return json(400, { error: `not a usable ${key}: ${(err as Error).message}` })
  }
  if (outcome.ok) return json(200, { docId: outcome.docId })
  json(400, { error: outcome.reply.ErrorDesc, code: outcome.reply.ErrorCode })
}

export function handleControl(ctx: ControlContext, req: IncomingMessage, res: ServerResponse, body: string, route: string): void {
  const json: Json = (status, value) => send(res, status, JSON.stringify(value), 'application/json; charset=utf-8')
  const parseJson = (): { ok: true; value: unknown } | { ok: false } => {
    try {
      return { ok: true, value: JSON.parse(body || '{}') }
    } catch {
      json(400, { error: 'body must be JSON' })
      return { ok: false }
    }
  }
  const { axis, faults } = ctx
  const method = req.method
  const faultReply = route === '/__sim/faults' ? faultsControl(faults, method, body) : undefined
  if (faultReply) return json(faultReply.status, faultReply.body)
  if (route === '/__sim/stats' && method === 'GET') return json(200, ctx.stats())
  if (route === '/__sim/stats' && method === 'DELETE') {
    ctx.resetStats()
    return json(200, ctx.stats())
  }
  if (route === '/__sim/deliver' && method === 'POST') return injectRoute(req, body, json, 'edoc', (input, from) => axis.deliver(input as Edoc | string, from))
  if (route === '/__sim/status' && method === 'POST') return injectRoute(req, body, json, 'status', (input, from) => axis.injectStatus(input as StatusPacket | string, from))
  if (route === '/__sim/sent' && method === 'GET') return json(200, axis.sent())
  const box = /^\/__sim\/mailbox\/([^/]+)$/.exec(route)
  if (box && method === 'GET') {
    const view = axis.mailbox(decodeURIComponent(box[1]!))
    return view ? json(200, view) : json(404, { error: `no system ${decodeURIComponent(box[1]!)} is registered` })
  }
  if (route === '/__sim/auto-reply') {
    if (method === 'GET') return json(200, { autoReply: axis.autoReply() })
    if (method === 'POST') {
      const p = parseJson()
      if (!p.ok) return
      const settings = parseAutoReply(p.value)
      if (typeof settings === 'string') return json(400, { error: settings })
      axis.setAutoReply(settings)
      return json(200, { autoReply: axis.autoReply() })
    }
  }
  json(404, { error: 'unknown simulator control route' })
}
