/**
 * Wire mapping of the national document axis's VXP-style HTTP calls (reference §4). The ONLY
 * module besides edxml.ts that knows wire names; pure functions, no I/O. The connector and the
 * simulator both use it, so drift between them fails tests.
 *
 * Calls (all POST; JSON bodies except `sendEdoc`, whose body is the edXML package itself):
 *   /sendEdoc            header `messagetype: edoc|status`     → { status, ErrorCode, ErrorDesc, DocId }
 *   /getReceivedEdocList { messageType?: 'edoc'|'status', limit? } → { status, data: ReceivedItem[] }
 *   /getEdoc             { docId }                              → the package (application/xml), or a FAIL reply
 *   /updateStatus        { docId, status: 'done' }              → { status } (acknowledges a received item)
 *   /getAgenciesList     {}                                     → { status, data: [{ code, name, parentCode? }] }
 *
 * Signed headers (scheme inferred, see README): `systemid`, `timestamp` (Unix seconds) and
 * `signature` = base64 HMAC-SHA256 with the system's secret over
 * `systemid \n timestamp \n METHOD \n path \n hex SHA-256 of the body`, so a captured request
 * can be replayed neither against another call nor with another body.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import { UpstreamError } from '../../src/upstream/errors.js'

export const DEFAULT_PATHS = {
  send: '/sendEdoc',
  listReceived: '/getReceivedEdocList',
  get: '/getEdoc',
  updateStatus: '/updateStatus',
  agencies: '/getAgenciesList',
} as const
export type AxisPaths = { [K in keyof typeof DEFAULT_PATHS]: string }

export const HEADERS = { systemId: 'systemid', timestamp: 'timestamp', signature: 'signature', messageType: 'messagetype' } as const
export type MessageType = 'edoc' | 'status'
/** Value of `status` in an acknowledgement (`/updateStatus`). */
export const ACK_STATUS = 'done'
/** Seconds a signed timestamp may be off the receiver's clock. */
export const SIGNATURE_TOLERANCE_S = 300

/** `ErrorCode`s that say "try again later"; any other FAIL is a refusal. */
export const TRANSIENT_ERROR_CODES = new Set(['500', '503', 'BUSY'])
export const ERROR_CODES = {
  badSignature: '401',
  badRequest: '400',
  notFound: '404',
  unknownAgency: '422',
  busy: '503',
} as const

export function canonicalString(systemId: string, timestamp: string, method: string, path: string, body: Uint8Array | string): string {
  const bodyHash = createHash('sha256').update(body).digest('hex')
  return `${systemId}\n${timestamp}\n${method.toUpperCase()}\n${path}\n${bodyHash}`
}

/** Headers that sign one request. `nowS` is injectable for tests. */
export function signRequest(systemId: string, secret: string, method: string, path: string, body: Uint8Array | string, nowS = Math.floor(Date.now() / 1000)): Record<string, string> {
  const timestamp = String(nowS)
  const signature = createHmac('sha256', secret).update(canonicalString(systemId, timestamp, method, path, body)).digest('base64')
  return { [HEADERS.systemId]: systemId, [HEADERS.timestamp]: timestamp, [HEADERS.signature]: signature }
}

/** Checks a request's signature against the secret its `systemid` names; returns why it is refused, or undefined. */
export function checkSignature(
  headers: Record<string, string | string[] | undefined>, secretOf: (systemId: string) => string | undefined,
  method: string, path: string, body: Uint8Array | string, nowS = Math.floor(Date.now() / 1000),
): string | undefined {
  const one = (name: string) => { const v = headers[name]; return Array.isArray(v) ? v[0] : v }
  const systemId = one(HEADERS.systemId)
  const timestamp = one(HEADERS.timestamp)
  const signature = one(HEADERS.signature)
  if (!systemId || !timestamp || !signature) return 'systemid, timestamp and signature headers are required'
  const secret = secretOf(systemId)
  if (secret === undefined) return `system ${systemId} is not registered`
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(nowS - Number(timestamp)) > SIGNATURE_TOLERANCE_S) return 'timestamp is missing or too far from the axis clock'
  const expected = createHmac('sha256', secret).update(canonicalString(systemId, timestamp, method, path, body)).digest()
  const given = Buffer.from(signature, 'base64')
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'signature does not match'
  return undefined
}

/** One entry of `/getReceivedEdocList`. */
export interface ReceivedItem {
  docId: string
  serviceType: string
  messageType: MessageType
  from: string
  to: string
  status: string
  created_time: string
}

export interface AxisReply {
  status: 'OK' | 'FAIL'
  ErrorCode?: string
  ErrorDesc?: string
  DocId?: string
  data?: unknown
}

export const okReply = (extra: Partial<AxisReply> = {}): AxisReply => ({ status: 'OK', ErrorCode: '0', ErrorDesc: '', ...extra })
export const failReply = (code: string, desc: string): AxisReply => ({ status: 'FAIL', ErrorCode: code, ErrorDesc: desc })

/**
 * Reads a JSON reply. A FAIL with a transient code is `unavailable` (retried); an unknown
 * document is `not_found`; a refused signature is `unauthorized`; any other FAIL is `rejected`
 * with the axis's code and description kept for operators.
 */
export function readReply(body: Uint8Array | string): { ok: true; reply: AxisReply } | { ok: false; error: UpstreamError } {
  let parsed: unknown
  try {
    parsed = JSON.parse(typeof body === 'string' ? body : Buffer.from(body).toString('utf8'))
  } catch {
    return { ok: false, error: new UpstreamError('bad_response', 'The document axis answered something that is not JSON.') }
  }
  const reply = parsed as AxisReply
  if (typeof parsed !== 'object' || parsed === null || (reply.status !== 'OK' && reply.status !== 'FAIL')) {
    return { ok: false, error: new UpstreamError('bad_response', 'The document axis reply has no OK/FAIL status.') }
  }
  if (reply.status === 'OK') return { ok: true, reply }
  const code = String(reply.ErrorCode ?? '')
  const reason = typeof reply.ErrorDesc === 'string' ? reply.ErrorDesc : undefined
  const options = { upstreamCode: code, ...(reason !== undefined && { upstreamReason: reason }) }
  if (TRANSIENT_ERROR_CODES.has(code)) return { ok: false, error: new UpstreamError('unavailable', 'The document axis is busy; try again later.', options) }
  if (code === ERROR_CODES.notFound) return { ok: false, error: new UpstreamError('not_found', 'The document axis holds no such document.', options) }
  if (code === ERROR_CODES.badSignature) return { ok: false, error: new UpstreamError('unauthorized', 'The document axis refused the hub\'s signature.', options) }
  return { ok: false, error: new UpstreamError('rejected', 'The document axis refused the request.', options) }
}

/** Validates one received-list entry; undefined when it is not usable. */
export function readReceivedItem(value: unknown): ReceivedItem | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const v = value as Record<string, unknown>
  const str = (k: string) => (typeof v[k] === 'string' ? (v[k] as string) : undefined)
  const docId = str('docId')
  const messageType = str('messageType')
  if (!docId || (messageType !== 'edoc' && messageType !== 'status')) return undefined
  return {
    docId, messageType, serviceType: str('serviceType') ?? 'eDoc', from: str('from') ?? '', to: str('to') ?? '',
    status: str('status') ?? '', created_time: str('created_time') ?? '',
  }
}
