/**
 * The simulated portal's business logic, behind the HTTP layer in simulator.ts: sessions,
 * the three sync services, the catalogue, and what it has received. Speaks the wire format
 * directly (its own names, not wire.ts's) and answers plain objects the HTTP layer serialises.
 * Cheap per request: no cloning, no logging, lists rendered once.
 */
import { randomBytes } from 'node:crypto'
import type { Procedure } from '../../schemas/procedure.js'
import type { Agency } from '../../schemas/portal.js'
import { checkDossier, checkProgress } from './simulator-validate.js'

/** The simulator's error codes (the sandbox config's `errorCodes` defaults match them). */
export const PORTAL_CODE = Object.freeze({
  session: '-1', transient: '-9', login: '1', invalid: '2', unknownDossier: '3', unknownAgency: '4', unknownService: '5', refused: '99',
})

export type Reply = { error_code: number | string; message?: string; data?: unknown; session?: string }
type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

export interface ReceivedVersion {
  /** When the simulator accepted it (ISO, simulator clock). */
  receivedAt: string
  isUpdating: boolean
  /** The dossier exactly as it arrived (wire names). */
  record: Json
}

export interface ProgressEntry {
  receivedAt: string
  record: Json
}

export interface PortalCounters {
  services: Record<string, number>
  logins: number
  loginFailures: number
  sessionErrors: number
  rejected: number
}

export interface PortalOptions {
  credentials: { username: string; password: string }
  dstcode: string
  sessionTtlMs: number
  /** Dossiers kept (oldest forgotten first). */
  maxStoredDossiers: number
  procedures: Procedure[]
  agencies: Agency[]
  /** How a call of several dossiers is answered per record (see SimulatorOptions.batchReplies). */
  batchReplies: 'in-order' | 'reversed' | 'refusals-only'
}

const KENH = { in_person: '1', online: '2', post: '3' } as const

/** A catalogue procedure as the portal publishes it. */
export function renderProcedure(p: Procedure): Json {
  return {
    MATTHC: p.code,
    TENTTHC: p.name,
    MACOQUANCONGBO: p.publishingAgencyCode ?? '',
    LINHVUCTHUCHIEN: p.fields.map((f) => ({ MALINHVUC: f.code, TENLINHVUC: f.name })),
    CACHTHUCTHUCHIEN: p.channels.map((c) => ({ KENH: KENH[c.channel], THOIGIAN: c.timeLimit ?? '', PHILEPHI: c.fee ?? '' })),
    THANHPHANHOSO: p.requiredPapers.map((d) => ({ MAGIAYTO: d.code, TENGIAYTO: d.name, MALOAIGIAYTO: d.documentType ?? '' })),
    KETQUATHUCHIEN: p.results.map((r) => ({ MAKETQUA: r.code, TENKETQUA: r.name })),
    COQUANTHUCHIEN: p.agencies.map((a) => ({ MACOQUAN: a.code, TENCOQUAN: a.name })),
    TRANGTHAI: p.active ? '1' : '0',
  }
}

const OK_SYNC = { error_code: '00', message: 'Thành công' } as const

export function createPortal(options: PortalOptions) {
  const sessions = new Map<string, number>()
  const procedures = new Map<string, { wire: Json; agencies: string[] }>()
  const agencies = new Map(options.agencies.map((a) => [a.code, a]))
  const agencyList = options.agencies.map((a) => ({ MACOQUAN: a.code, TENCOQUAN: a.name, MACOQUANCHA: a.parentCode ?? '' }))
  const dossiers = new Map<string, ReceivedVersion[]>()
  const progress = new Map<string, ProgressEntry[]>()
  let summaries: Json[] | undefined
  let fields: Json[] | undefined
  let counters = emptyCounters()

  function emptyCounters(): PortalCounters {
    return { services: {}, logins: 0, loginFailures: 0, sessionErrors: 0, rejected: 0 }
  }

  function addProcedure(p: Procedure): void {
    procedures.set(p.code, { wire: renderProcedure(p), agencies: p.agencies.map((a) => a.code) })
    summaries = undefined
    fields = undefined
  }
  for (const p of options.procedures) addProcedure(p)

  const refuse = (code: string, message: string): Reply => {
    counters.rejected++
    return { error_code: code, message }
  }

  /** Is `code` the agency `ancestor` or a unit under it? */
  function within(code: string, ancestor: string): boolean {
    for (let c: string | undefined = code, depth = 0; c !== undefined && depth < 10; c = agencies.get(c)?.parentCode, depth++) {
      if (c === ancestor) return true
    }
    return false
  }

  function login(dstcode: string | undefined, body: unknown): Reply {
    const b = isObject(body) ? body : {}
    if (dstcode !== options.dstcode || b['username'] !== options.credentials.username || b['password'] !== options.credentials.password) {
      counters.loginFailures++
      return { error_code: PORTAL_CODE.login, message: dstcode !== options.dstcode ? 'Mã dstcode không hợp lệ' : 'Tên đăng nhập hoặc mật khẩu không đúng' }
    }
    const now = Date.now()
    if (sessions.size > 1000) for (const [token, expiresAt] of sessions) if (expiresAt <= now) sessions.delete(token)
    const session = randomBytes(24).toString('base64url')
    sessions.set(session, now + options.sessionTtlMs)
    counters.logins++
    return { error_code: 0, message: 'Đăng nhập thành công', session }
  }

  function store<T>(map: Map<string, T[]>, code: string, entry: T): void {
    const list = map.get(code)
    if (list) return void list.push(entry)
    if (map.size >= options.maxStoredDossiers) {
      const oldest = map.keys().next()
      if (!oldest.done) map.delete(oldest.value)
    }
    map.set(code, [entry])
  }

  function syncDossiers(b: Json): Reply {
    const isUpdating = b['isUpdating']
    if (isUpdating !== 'True' && isUpdating !== 'False') return refuse(PORTAL_CODE.invalid, 'Trường isUpdating phải là "True" hoặc "False"')
    const data = b['data']
    if (!Array.isArray(data) || data.length === 0) return refuse(PORTAL_CODE.invalid, 'Trường data phải là danh sách hồ sơ, không được rỗng')
    const problems = data.map((record) => checkDossier(record, (code) => procedures.has(code)))
    if (data.length === 1 && problems[0]) return refuse(PORTAL_CODE.invalid, problems[0])
    // Several dossiers: each is judged on its own; the valid ones are kept, and `data` answers per
    // record in request order (our choice — the wire's batch semantics are unverified).
    const receivedAt = new Date().toISOString()
    data.forEach((record, i) => {
      if (!problems[i]) store(dossiers, String((record as Json)['MaHoSo']), { receivedAt, isUpdating: isUpdating === 'True', record: record as Json })
    })
    if (data.length === 1) return OK_SYNC
    const all = data.map((record, i) => ({
      MaHoSo: isObject(record) && typeof record['MaHoSo'] === 'string' ? record['MaHoSo'] : '',
      ...(problems[i] ? { error_code: PORTAL_CODE.invalid, message: problems[i] } : OK_SYNC),
    }))
    const outcomes = options.batchReplies === 'reversed' ? all.reverse() : options.batchReplies === 'refusals-only' ? all.filter((_, i) => problems[i]) : all
    const first = problems.findIndex((p) => p !== undefined)
    if (first < 0) return { ...OK_SYNC, ...(outcomes.length > 0 && { data: outcomes }) }
    counters.rejected += problems.filter((p) => p !== undefined).length
    return { error_code: PORTAL_CODE.invalid, message: `Hồ sơ thứ ${first + 1}: ${problems[first]}`, data: outcomes }
  }

  function updateProgress(b: Json): Reply {
    const data = b['data']
    if (!Array.isArray(data) || data.length === 0) return refuse(PORTAL_CODE.invalid, 'Trường data phải là danh sách tiến độ, không được rỗng')
    for (let i = 0; i < data.length; i++) {
      const prefix = data.length > 1 ? `Bản ghi thứ ${i + 1}: ` : ''
      const problem = checkProgress(data[i])
      if (problem) return refuse(PORTAL_CODE.invalid, prefix + problem)
      if (!dossiers.has(String((data[i] as Json)['MaHoSo']))) return refuse(PORTAL_CODE.unknownDossier, `${prefix}Hồ sơ (MaHoSo) chưa được đồng bộ lên Cổng DVCQG`)
    }
    const receivedAt = new Date().toISOString()
    for (const record of data as Json[]) store(progress, String(record['MaHoSo']), { receivedAt, record })
    return OK_SYNC
  }

  function lookupDossier(b: Json): Reply {
    const code = b['mahoso']
    if (typeof code !== 'string' || code === '') return refuse(PORTAL_CODE.invalid, 'Thiếu thông tin bắt buộc: mahoso')
    const latest = dossiers.get(code)?.at(-1)
    return { error_code: '00', message: latest ? 'Thành công' : 'Không tìm thấy hồ sơ', data: latest ? [latest.record] : [] }
  }

  function catalogue(service: string, b: Json): Reply {
    if (service === 'LayThuTuc') {
      const code = b['maTTHC']
      if (typeof code !== 'string' || code === '') return refuse(PORTAL_CODE.invalid, 'Thiếu thông tin bắt buộc: maTTHC')
      const found = procedures.get(code)
      return { error_code: 0, message: found ? 'Thành công' : 'Không tìm thấy thủ tục', data: found ? [found.wire] : [] }
    }
    if (service === 'LayDanhSachTTHC') {
      const filter = b['macoquan']
      if (filter !== undefined && typeof filter !== 'string') return refuse(PORTAL_CODE.invalid, 'Trường macoquan phải là chuỗi ký tự')
      if (filter === undefined || filter === '') {
        summaries ??= [...procedures.values()].map(({ wire }) => ({ MATTHC: wire['MATTHC'], TENTTHC: wire['TENTTHC'] }))
        return { error_code: 0, data: summaries }
      }
      const data = [...procedures.values()].filter((p) => p.agencies.some((a) => within(a, filter))).map(({ wire }) => ({ MATTHC: wire['MATTHC'], TENTTHC: wire['TENTTHC'] }))
      return { error_code: 0, data }
    }
    if (service === 'LayDanhMucCoQuan') return { error_code: 0, data: agencyList }
    // LayDanhMucLinhVuc: every field the catalogue uses, once.
    fields ??= [...new Map([...procedures.values()].flatMap(({ wire }) => (wire['LINHVUCTHUCHIEN'] as Json[]).map((f) => [f['MALINHVUC'], f] as const))).values()]
    return { error_code: 0, data: fields }
  }

  const SERVICES = {
    sync: new Set(['DongBoHoSoMC', 'CapNhatTienDoHoSoMC', 'TraCuuHoSo']),
    catalog: new Set(['LayThuTuc', 'LayDanhSachTTHC', 'LayDanhMucCoQuan', 'LayDanhMucLinhVuc']),
  }

  /** A call after login on the sync or the catalogue endpoint. */
  function call(endpoint: 'sync' | 'catalog', dstcode: string | undefined, body: unknown): Reply {
    if (!isObject(body)) return refuse(PORTAL_CODE.refused, 'Dữ liệu gửi lên không đúng định dạng')
    if (dstcode !== options.dstcode) return refuse(PORTAL_CODE.login, 'Mã dstcode không hợp lệ')
    const session = body['session']
    const expiresAt = typeof session === 'string' ? sessions.get(session) : undefined
    if (expiresAt === undefined || expiresAt <= Date.now()) {
      if (expiresAt !== undefined) sessions.delete(session as string)
      counters.sessionErrors++
      return { error_code: PORTAL_CODE.session, message: 'Phiên làm việc không hợp lệ hoặc đã hết hạn' }
    }
    const agency = body['madonvi']
    if (typeof agency !== 'string' || !agencies.has(agency)) return refuse(PORTAL_CODE.unknownAgency, 'Mã đơn vị (madonvi) không tồn tại')
    const service = body['service']
    if (typeof service !== 'string' || !SERVICES[endpoint].has(service)) return refuse(PORTAL_CODE.unknownService, 'Dịch vụ (service) không được hỗ trợ tại địa chỉ này')
    counters.services[service] = (counters.services[service] ?? 0) + 1
    if (service === 'DongBoHoSoMC') return syncDossiers(body)
    if (service === 'CapNhatTienDoHoSoMC') return updateProgress(body)
    if (service === 'TraCuuHoSo') return lookupDossier(body)
    return catalogue(service, body)
  }

  return {
    login,
    call,
    addProcedure,
    expireSessions: () => sessions.clear(),
    received: (code: string): ReceivedVersion[] => structuredClone(dossiers.get(code) ?? []),
    progress: (code: string): ProgressEntry[] => structuredClone(progress.get(code) ?? []),
    clearReceived() {
      dossiers.clear()
      progress.clear()
    },
    counters: (): PortalCounters => structuredClone(counters),
    resetCounters() {
      counters = emptyCounters()
    },
  }
}

export type Portal = ReturnType<typeof createPortal>
