/**
 * Wire mapping of the National Public Service Portal's JSON session API (reference §3).
 * The ONLY connector module that knows Vietnamese wire names; pure functions, no I/O.
 * What is verified and what is our own choice is listed in this folder's README.
 */
import { UpstreamError } from '../../src/upstream/errors.js'
import type { DossierStatus } from '../../schemas/dossier.js'
import type { Procedure } from '../../schemas/procedure.js'
import type { Agency, DossierRecordInput, PortalDossierState, ProcedureSummary, ProgressSyncInput, SyncDossierInput } from '../../schemas/portal.js'
import { fromPortalTime } from './vn-time.js'
import { buildDossierRecord, time, type RecordTables } from './record.js'

export { buildDossierRecord }

/** Operation → the portal's `service` name. */
export const SERVICE = {
  syncDossier: 'DongBoHoSoMC', updateProgress: 'CapNhatTienDoHoSoMC', getDossier: 'TraCuuHoSo',
  getProcedure: 'LayThuTuc', listProcedures: 'LayDanhSachTTHC', listAgencies: 'LayDanhMucCoQuan',
} as const
export type ServiceKey = keyof typeof SERVICE

/** What each call is, for messages (English, no wire names). */
const LABEL: Record<ServiceKey, string> = {
  syncDossier: 'the dossier sync', updateProgress: 'the progress update', getDossier: 'the dossier lookup',
  getProcedure: 'the procedure lookup', listProcedures: 'the procedure list', listAgencies: 'the agency list',
}

export const DSTCODE_HEADER = 'dstcode'

export type WireTables = RecordTables

export interface ErrorCodeSets {
  session: ReadonlySet<string>
  transient: ReadonlySet<string>
}

// ---------------------------------------------------------------- building

export function buildLoginBody(username: string, password: string): string {
  return JSON.stringify({ username, password })
}

/** Every call after login: the session and our unit code, the service name, then its own fields. */
export function buildCallBody(session: string, agencyCode: string, service: ServiceKey, params: Record<string, unknown>): string {
  return JSON.stringify({ session, madonvi: agencyCode, service: SERVICE[service], ...params })
}

/** One `CapNhatTienDoHoSoMC` entry. The step id has no slot: the hub's queue deduplicates by it. */
export function buildProgressRecord(p: ProgressSyncInput, tables: WireTables): Record<string, unknown> {
  return {
    MaHoSo: p.dossierCode,
    NguoiXuLy: p.officer,
    ChucDanh: p.officerTitle ?? '',
    ThoiDiemXuLy: time(p.at, 'at'),
    PhongBanXuLy: p.unit,
    NoiDungXuLy: p.content,
    TrangThai: p.status === undefined ? '' : String(tables.statusCodes[p.status]),
    NgayBatDau: time(p.startedAt, 'startedAt'),
    NgayKetThucTheoQuyDinh: time(p.dueAt, 'dueAt'),
  }
}

export const syncDossierParams = (input: SyncDossierInput, tables: WireTables) =>
  ({ isUpdating: input.isUpdate ? 'True' : 'False', data: [buildDossierRecord(input.dossier, tables)] })
/** Several already built records in one `DongBoHoSoMC` call (`isUpdating` is per call). */
export const syncDossiersParams = (records: Array<Record<string, unknown>>, isUpdate: boolean) =>
  ({ isUpdating: isUpdate ? 'True' : 'False', data: records })
export const progressParams = (input: ProgressSyncInput, tables: WireTables) => ({ data: [buildProgressRecord(input, tables)] })
export const getDossierParams = (code: string) => ({ mahoso: code })
export const getProcedureParams = (code: string) => ({ maTTHC: code })
/** The agency filter's name is our guess (unverified). */
export const listProceduresParams = (agencyCode: string | undefined) => (agencyCode === undefined ? {} : { macoquan: agencyCode })

// ---------------------------------------------------------------- reading

export type ReadResult<T> = { ok: true; value: T } | { ok: false; error: UpstreamError }

/** The portal did not accept the session (unknown or expired): log in again once, retry once. */
export class SessionRejectedError extends UpstreamError {
  constructor(code: string) {
    super('unauthorized', `The national portal did not accept the session (error code ${code}).`, { upstreamCode: code })
  }
}

const bad = (what: string) => new UpstreamError('bad_response', `The national portal sent an unusable reply: ${what}.`)
const decoder = new TextDecoder('utf-8', { fatal: true })
type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

/** Codes are compared as text: `-1` and `"-1"` are the same code. Anything odd is shown masked. */
const safeCode = (code: string) => code.slice(0, 20).replace(/[^\w.-]/g, '?')
const isSuccess = (code: string) => /^0+$/.test(code)

/** The refusal reason as the portal worded it (validation reasons; never personal data), tidied. */
function reasonOf(reply: Json): { upstreamReason: string } | Record<string, never> {
  const m = reply['message']
  if (typeof m !== 'string') return {}
  const tidy = m.replace(/[\u0000-\u001F\u007F]+/g, ' ').replace(/\s+/g, ' ').trim()
  return tidy === '' ? {} : { upstreamReason: tidy }
}

/** Body → `{ reply, code }`, or the `bad_response` it is. */
function open(body: Uint8Array | string): { reply: Json; code: string } | UpstreamError {
  let reply: unknown
  try {
    reply = JSON.parse(typeof body === 'string' ? body : decoder.decode(body))
  } catch {
    return bad('not well-formed UTF-8 JSON')
  }
  if (!isObject(reply)) return bad('not a JSON object')
  const raw = reply['error_code']
  const code = typeof raw === 'number' && Number.isInteger(raw) ? String(raw) : typeof raw === 'string' ? raw.trim() : undefined
  if (code === undefined || code === '') return bad('no error_code')
  return { reply, code }
}

/** Login reply → the session token. Any refusal except a transient one is about our credentials. */
export function readLogin(body: Uint8Array | string, codes: ErrorCodeSets): ReadResult<string> {
  const opened = open(body)
  if (opened instanceof UpstreamError) return { ok: false, error: opened }
  const { reply, code } = opened
  if (isSuccess(code)) {
    const session = reply['session']
    if (typeof session !== 'string' || session === '' || session.length > 4096) return { ok: false, error: bad('login succeeded without a session token') }
    return { ok: true, value: session }
  }
  if (codes.transient.has(code)) return { ok: false, error: new UpstreamError('unavailable', `The national portal could not log in now (error code ${safeCode(code)}); try again later.`, { upstreamCode: safeCode(code) }) }
  return {
    ok: false,
    error: new UpstreamError('unauthorized', `The national portal refused the hub's login (error code ${safeCode(code)}): check connectors.national-portal username, password and dstcode.`, { upstreamCode: safeCode(code), ...reasonOf(reply) }),
  }
}

/** Any later reply → its `data` (OpenCPS reads `result`; both are accepted), or the error it means. */
export function readReply(body: Uint8Array | string, codes: ErrorCodeSets, service: ServiceKey): ReadResult<unknown> {
  const opened = open(body)
  if (opened instanceof UpstreamError) return { ok: false, error: opened }
  const { reply, code } = opened
  if (isSuccess(code)) return { ok: true, value: reply['data'] !== undefined ? reply['data'] : reply['result'] }
  const shown = safeCode(code)
  if (codes.session.has(code)) return { ok: false, error: new SessionRejectedError(shown) }
  if (codes.transient.has(code)) {
    return { ok: false, error: new UpstreamError('unavailable', `The national portal could not complete ${LABEL[service]} now (error code ${shown}); try again later.`, { upstreamCode: shown }) }
  }
  return { ok: false, error: new UpstreamError('rejected', `The national portal refused ${LABEL[service]} (error code ${shown}).`, { upstreamCode: shown, ...reasonOf(reply) }) }
}

/** One dossier's fate in a `DongBoHoSoMC` call of several. */
export type RecordOutcome = { ok: true } | { ok: false; error: UpstreamError }

/**
 * A reply to a call of several dossiers → one outcome per record, in request order. The portal
 * may answer per record in `data` (`[{MaHoSo, error_code, message}]`, whatever the overall code):
 * then each record gets its own code, matched by the `MaHoSo` each outcome echoes (in any order)
 * or, where none is echoed, by position. Without that, success means every record was taken, and
 * any other answer is the whole call's (`ok: false`): the caller decides (a refusal of the whole
 * call says nothing about which record was wrong). `null`: the portal answered per record but the
 * outcomes cannot be matched to the records sent (a count that differs, a code not sent or twice);
 * which records it took is unknown, and the caller asks again one record per call.
 */
export function readBatchReply(body: Uint8Array | string, codes: ErrorCodeSets, codesSent: readonly string[]): ReadResult<RecordOutcome[] | null> {
  const opened = open(body)
  if (opened instanceof UpstreamError) return { ok: false, error: opened }
  const { reply, code } = opened
  const data = reply['data'] ?? reply['result']
  const perRecord = Array.isArray(data) && data.length > 0 && data.every((d) => isObject(d) && 'error_code' in d)
  if (!perRecord || codes.session.has(code)) {
    const whole = readReply(body, codes, 'syncDossier')
    return whole.ok ? { ok: true, value: codesSent.map(() => ({ ok: true })) } : whole
  }
  const items = data as Json[]
  if (items.length !== codesSent.length) return { ok: true, value: null }
  const echoed = items.map((item) => text(item, 'MaHoSo'))
  let order: Json[] = items
  if (echoed.some((c) => c !== undefined)) {
    const byCode = new Map(items.map((item, i) => [echoed[i], item]))
    const distinct = new Set(codesSent)
    if (echoed.some((c) => c === undefined || !distinct.has(c)) || byCode.size !== items.length || distinct.size !== codesSent.length) return { ok: true, value: null }
    order = codesSent.map((c) => byCode.get(c)!)
  }
  return {
    ok: true,
    value: order.map((item) => {
      const r = readReply(JSON.stringify(item), codes, 'syncDossier')
      return r.ok ? { ok: true } : { ok: false, error: r.error }
    }),
  }
}

/** `data` as a list of records: absent or null is none, a single object is one. */
function records(data: unknown, where: string): Json[] {
  if (data === undefined || data === null || data === '') return []
  if (isObject(data)) return [data]
  if (Array.isArray(data) && data.every(isObject)) return data
  throw bad(`${where} is not a record list`)
}

function text(record: Json, key: string): string | undefined {
  const v = record[key]
  if (typeof v === 'string') return v === '' ? undefined : v
  if (typeof v === 'number' && Number.isFinite(v)) return String(v)
  return undefined
}

function required(record: Json, key: string, where: string): string {
  const v = text(record, key)
  if (v === undefined) throw bad(`${where}.${key} is missing`)
  return v
}

function list(record: Json, key: string, where: string): Json[] {
  const v = record[key]
  if (v === undefined || v === null || v === '') return []
  if (Array.isArray(v) && v.every(isObject)) return v
  throw bad(`${where}.${key} is not a list of records`)
}

function portalTime(record: Json, key: string, where: string): string | undefined {
  const v = text(record, key)
  if (v === undefined) return undefined
  const iso = fromPortalTime(v)
  if (iso === undefined) throw bad(`${where}.${key} is not a yyyyMMddHHmmss time`)
  return iso
}

function reverse<K extends string>(table: Record<K, number>, code: number): K | undefined {
  return (Object.keys(table) as K[]).find((k) => table[k] === code)
}

/** `TraCuuHoSo` data → the portal's state of the dossier, or null when it holds none. */
export function parseDossierState(data: unknown, code: string, tables: WireTables): PortalDossierState | null {
  const found = records(data, 'the dossier lookup')
  if (found.length === 0) return null
  const record = found.find((r) => text(r, 'MaHoSo') === code)
  if (record === undefined) throw bad('the dossier returned is not the one asked for')
  const rawStatus = required(record, 'TrangThaiHoSo', 'dossier')
  const statusCode = Number(rawStatus)
  if (!/^\d{1,3}$/.test(rawStatus.trim()) || !Number.isInteger(statusCode)) throw bad('dossier.TrangThaiHoSo is not a number')
  const status = reverse(tables.statusCodes, statusCode)
  const receivedAt = portalTime(record, 'NgayTiepNhan', 'dossier')
  const dueAt = portalTime(record, 'NgayHenTra', 'dossier')
  const returnedAt = portalTime(record, 'NgayTra', 'dossier')
  return {
    code,
    statusCode,
    ...(status !== undefined && { status }),
    ...(receivedAt !== undefined && { receivedAt }),
    ...(dueAt !== undefined && { dueAt }),
    ...(returnedAt !== undefined && { returnedAt }),
  }
}

/** `LayThuTuc` data → the procedure, or null when the catalogue has none with this code. */
export function parseProcedure(data: unknown, code: string, tables: WireTables): Procedure | null {
  const found = records(data, 'the procedure lookup')
  if (found.length === 0) return null
  const r = found.find((p) => text(p, 'MATTHC') === code)
  if (r === undefined) throw bad('the procedure returned is not the one asked for')
  const where = 'procedure'
  const publishingAgencyCode = text(r, 'MACOQUANCONGBO')
  const state = text(r, 'TRANGTHAI')
  return {
    code,
    name: required(r, 'TENTTHC', where),
    ...(publishingAgencyCode !== undefined && { publishingAgencyCode }),
    fields: list(r, 'LINHVUCTHUCHIEN', where).map((f) => ({ code: required(f, 'MALINHVUC', where), name: required(f, 'TENLINHVUC', where) })),
    // A channel code missing from the table (a new way of applying) is left out rather than failing the lookup.
    channels: list(r, 'CACHTHUCTHUCHIEN', where).flatMap((c) => {
      const channel = reverse(tables.channelCodes, Number(required(c, 'KENH', where)))
      if (channel === undefined) return []
      const timeLimit = text(c, 'THOIGIAN')
      const fee = text(c, 'PHILEPHI')
      return [{ channel, ...(timeLimit !== undefined && { timeLimit }), ...(fee !== undefined && { fee }) }]
    }),
    requiredPapers: list(r, 'THANHPHANHOSO', where).map((p) => {
      const documentType = text(p, 'MALOAIGIAYTO')
      return { code: required(p, 'MAGIAYTO', where), name: required(p, 'TENGIAYTO', where), ...(documentType !== undefined && { documentType }) }
    }),
    results: list(r, 'KETQUATHUCHIEN', where).map((k) => ({ code: required(k, 'MAKETQUA', where), name: required(k, 'TENKETQUA', where) })),
    agencies: list(r, 'COQUANTHUCHIEN', where).map((a) => ({ code: required(a, 'MACOQUAN', where), name: required(a, 'TENCOQUAN', where) })),
    // TRANGTHAI 1 = in force (unverified); a record without it is taken as in force.
    active: state === undefined || state === '1',
  }
}

/** `LayDanhSachTTHC` data → summaries. */
export function parseProcedureList(data: unknown): ProcedureSummary[] {
  return records(data, 'the procedure list').map((r) => ({ code: required(r, 'MATTHC', 'procedure'), name: required(r, 'TENTTHC', 'procedure') }))
}

/** `LayDanhMucCoQuan` data → agencies; the parent's key is our guess (unverified). */
export function parseAgencyList(data: unknown): Agency[] {
  return records(data, 'the agency list').map((r) => {
    const parentCode = text(r, 'MACOQUANCHA')
    return { code: required(r, 'MACOQUAN', 'agency'), name: required(r, 'TENCOQUAN', 'agency'), ...(parentCode !== undefined && { parentCode }) }
  })
}
