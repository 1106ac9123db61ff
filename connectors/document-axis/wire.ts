/**
 * Wire mapping of the national document axis's VXP calls, as VNPT's SDK 2.0.1 puts them on the
 * wire (reference edxml-vxp.md §B; docs/edocs.md). The ONLY module besides the edxml-*.ts files
 * that knows wire names; pure functions, no I/O. The connector and the simulator both use it, so
 * drift between them fails tests.
 *
 * Every call is POST `<endpoint>/<operation>`; its parameters travel as `XroadVnpt-<name>` headers,
 * never in the body (empty, `{}`, or for sendEdoc the package bytes + CRLF as octet-stream):
 *   /sendEdoc            from, servicetype=eDoc, messagetype=edoc|status, hash-file → { status, ErrorCode, ErrorDesc, DocId }
 *   /getReceivedEdocList servicetype, messagetype                          → { …, data: ReceivedItem[] }
 *   /getEdoc             docId, filePath                                   → { …, data: base64 of the package }
 *   /updateStatus        docId, status=done                                → { … }
 *   /getSentEdocList     servicetype, messagetype, docId?                  → { …, data: SentItem[] }
 *   /getAgenciesList     —                                                 → { …, data: [{ id, pid, code, name, mail, oldCode }] }
 *
 * Signing (SDK `VnptService`): the header map = timestamp, systemid, Content-Type and the call's
 * parameters; each goes out as `XroadVnpt-<name>`; `XroadVnpt-sign-header` is that map as compact
 * JSON with prefixed names, in Java HashMap iteration order, `XroadVnpt-sign-header-key` the bare
 * names joined by `;`, and `XroadVnpt-hash-header` the lowercase hex HMAC-SHA256 of the sign-header
 * string keyed by the system's secret. Whether the axis checks the clock is not known; the
 * simulator checks the HMAC and that every signed header arrived with the value it signs.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import { UpstreamError } from '../../src/upstream/errors.js'
import type { AgencyItem, MessageType, ReceivedItem, SentItem } from './model.js'

export const DEFAULT_PATHS = {
  send: '/sendEdoc',
  listReceived: '/getReceivedEdocList',
  get: '/getEdoc',
  updateStatus: '/updateStatus',
  listSent: '/getSentEdocList',
  agencies: '/getAgenciesList',
} as const
export type AxisPaths = { [K in keyof typeof DEFAULT_PATHS]: string }

export const PREFIX = 'XroadVnpt-'
export const HEADERS = {
  signHeader: 'XroadVnpt-sign-header',
  signHeaderKey: 'XroadVnpt-sign-header-key',
  hashHeader: 'XroadVnpt-hash-header',
  version: 'XroadVnpt-version',
} as const
export const SDK_VERSION = '3.0.201608'
export const USER_AGENT = 'JAVASDKAgent/1.0.0 XRoad/VPCP'
export const SERVICE_TYPE = 'eDoc'
export type { MessageType } from './model.js'
/** Value of `status` in an acknowledgement (`/updateStatus`) after a good fetch. */
export const ACK_STATUS = 'done'

/**
 * `ErrorCode`s. Only "0" (success) is known from the SDK; the others are the simulator's own, so the
 * connector can tell "try later" from "refused"; against the real axis any other FAIL is a refusal.
 */
export const ERROR_CODES = {
  ok: '0',
  badSignature: '401',
  badRequest: '400',
  notFound: '404',
  unknownAgency: '422',
  busy: '503',
} as const
export const TRANSIENT_ERROR_CODES = new Set(['500', '503', 'BUSY'])

const pad = (n: number, width = 2) => String(n).padStart(width, '0')

/** SDK timestamp `ddMMyyyy'T'HHmmss'+'SSSS` in Vietnam time (`+SSSS` is milliseconds, 4 digits, not a zone). */
export function vxpTimestamp(ms = Date.now()): string {
  const t = new Date(ms + 7 * 3_600_000)
  return `${pad(t.getUTCDate())}${pad(t.getUTCMonth() + 1)}${t.getUTCFullYear()}T${pad(t.getUTCHours())}${pad(t.getUTCMinutes())}${pad(t.getUTCSeconds())}+${pad(t.getUTCMilliseconds(), 4)}`
}

/** The SDK's `hash-file`: SHA-256 as hex without per-byte zero padding (`Integer.toHexString` of each byte). */
export function hashFile(data: Uint8Array): string {
  const digest = createHash('sha256').update(data).digest()
  let out = ''
  for (const b of digest) out += b.toString(16)
  return out
}

/** Java `String.hashCode` (UTF-16 code units, 32-bit). */
function javaHash(s: string): number {
  let h = 0
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0
  return h
}

/** Keys in the order a `java.util.HashMap` built by inserting them would iterate them (default capacity, load 0.75). */
export function javaHashMapOrder(keys: string[]): string[] {
  let capacity = 16
  while (keys.length > capacity * 0.75) capacity *= 2
  const buckets = new Map<number, string[]>()
  for (const key of keys) {
    const h = javaHash(key)
    const index = ((h ^ (h >>> 16)) & (capacity - 1)) >>> 0
    buckets.set(index, [...(buckets.get(index) ?? []), key])
  }
  return [...buckets.keys()].sort((a, b) => a - b).flatMap((i) => buckets.get(i)!)
}

export interface SignedCall {
  systemId: string
  secret: string
  /** The call's parameters (bare names), in the order the SDK inserts them. */
  params: Array<[string, string]>
  contentType: 'application/json' | 'application/octet-stream'
  /** `vxpTimestamp()` unless given. */
  timestamp?: string
}

/** The HTTP headers of one SDK call: every parameter as `XroadVnpt-<name>`, the sign-header, its key list and the HMAC. */
export function signHeaders(call: SignedCall): Record<string, string> {
  const map = new Map<string, string>([['timestamp', call.timestamp ?? vxpTimestamp()], ['systemid', call.systemId], ['Content-Type', call.contentType], ...call.params])
  const order = javaHashMapOrder([...map.keys()])
  const signHeader = JSON.stringify(Object.fromEntries(order.map((k) => [`${PREFIX}${k}`, map.get(k)!])))
  const headers: Record<string, string> = {}
  for (const k of order) headers[`${PREFIX}${k}`] = map.get(k)!
  return {
    ...headers,
    'Content-Type': call.contentType,
    'User-Agent': USER_AGENT,
    [HEADERS.version]: SDK_VERSION,
    [HEADERS.signHeader]: signHeader,
    [HEADERS.signHeaderKey]: order.join(';'),
    [HEADERS.hashHeader]: createHmac('sha256', call.secret).update(signHeader, 'utf8').digest('hex'),
  }
}

type IncomingHeaders = Record<string, string | string[] | undefined>
const one = (headers: IncomingHeaders, name: string) => { const v = headers[name.toLowerCase()]; return Array.isArray(v) ? v[0] : v }

/**
 * Checks a request's signature the way an axis can: the HMAC of the sign-header under the secret
 * of its `systemid`, and every signed `XroadVnpt-*` header present with the signed value (so no
 * parameter can be changed without the secret). Returns the signed parameters, or why it is refused.
 */
export function checkSignature(headers: IncomingHeaders, secretOf: (systemId: string) => string | undefined): { params: Map<string, string> } | { refused: string } {
  const signHeader = one(headers, HEADERS.signHeader)
  const hash = one(headers, HEADERS.hashHeader)
  if (!signHeader || !hash) return { refused: `${HEADERS.signHeader} and ${HEADERS.hashHeader} are required` }
  let signed: unknown
  try {
    signed = JSON.parse(signHeader)
  } catch {
    return { refused: `${HEADERS.signHeader} is not JSON` }
  }
  if (typeof signed !== 'object' || signed === null || Array.isArray(signed)) return { refused: `${HEADERS.signHeader} is not a JSON object` }
  const params = new Map<string, string>()
  for (const [k, v] of Object.entries(signed)) {
    if (!k.startsWith(PREFIX) || typeof v !== 'string') return { refused: `${HEADERS.signHeader} holds ${JSON.stringify(k)}, not an ${PREFIX}* text` }
    params.set(k.slice(PREFIX.length), v)
  }
  const systemId = params.get('systemid')
  if (!systemId || !params.get('timestamp')) return { refused: 'systemid and timestamp must be signed' }
  const secret = secretOf(systemId)
  if (secret === undefined) return { refused: `system ${systemId} is not registered` }
  const expected = createHmac('sha256', secret).update(signHeader, 'utf8').digest()
  const given = /^[0-9a-f]{64}$/i.test(hash) ? Buffer.from(hash, 'hex') : Buffer.alloc(0)
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { refused: `${HEADERS.hashHeader} does not match` }
  for (const [k, v] of params) {
    if (one(headers, `${PREFIX}${k}`) !== v) return { refused: `header ${PREFIX}${k} is missing or differs from the signed value` }
  }
  return { params }
}

export type { AgencyItem, ReceivedItem, SentItem } from './model.js'

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
    ...(str('status_desc') !== undefined && { status_desc: str('status_desc')! }),
    ...(str('updated_time') !== undefined && { updated_time: str('updated_time')! }),
  }
}

/** Validates one sent-list entry; undefined when it is not usable. */
export function readSentItem(value: unknown): SentItem | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const v = value as Record<string, unknown>
  const str = (k: string) => (typeof v[k] === 'string' ? (v[k] as string) : typeof v[k] === 'number' ? String(v[k]) : undefined)
  const senderDocId = str('senderDocId')
  const messageType = str('messageType')
  if (!senderDocId || (messageType !== 'edoc' && messageType !== 'status')) return undefined
  return {
    senderDocId, receiverDocId: str('receiverDocId') ?? '', serviceType: str('serviceType') ?? SERVICE_TYPE, messageType,
    fromCode: str('fromCode') ?? '', toCode: str('toCode') ?? '', sendStatus: str('sendStatus') ?? '', receiveStatus: str('receiveStatus') ?? '',
    title: str('title') ?? '', notation: str('notation') ?? '', sentTime: str('sentTime') ?? '',
    ...(str('sendStatusDesc') !== undefined && { sendStatusDesc: str('sendStatusDesc')! }),
    ...(str('receiveStatusDesc') !== undefined && { receiveStatusDesc: str('receiveStatusDesc')! }),
    ...(str('receivedTime') !== undefined && { receivedTime: str('receivedTime')! }),
  }
}
