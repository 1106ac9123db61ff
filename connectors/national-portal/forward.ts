/**
 * Pushes the portal forwards through the data-exchange adapter (reference `dvcqg-sync.md` §5, from
 * OpenCPS's servlet filter): `…/RestService/forward/<name>` with procedure-specific JSON in the
 * portal's own PascalCase field names. Mapped here to the hub's events; pure, no I/O.
 *
 * - `addtthcKhuyenMai`: the body is the record → `dossier.submitted` (a trade-promotion notice).
 * - `nhanhsdvcqg`, `nhantbthuedvcqg`: `{service, isUpdating, data: {…}}`; `service`
 *   `NhanChungTuThueDat` (a land-tax payment voucher) → `dossier.payment_updated`;
 *   `NhanThongBaoThueDat` (a land-tax notice) → `dossier.tax_notice` (a type of its own, delivered
 *   as-is); anything else → `dossier.submitted` (a promotion amendment, or a dossier).
 *
 * A record that cannot be read is `rejected` with the reason (the gateway answers 400 and keeps
 * the raw body); the portal's reply codes are `0` ok, `-1` error, `1` duplicate.
 */
import { createHash } from 'node:crypto'
import { UpstreamError } from '../../src/upstream/errors.js'
import { fromPortalTime } from './vn-time.js'

export const FORWARD_NAMES = ['addtthcKhuyenMai', 'nhanhsdvcqg', 'nhantbthuedvcqg'] as const
export type ForwardName = (typeof FORWARD_NAMES)[number]

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const refuse = (what: string) => new UpstreamError('rejected', `The forwarded record cannot be read: ${what}.`)

export interface ForwardedEvent {
  /** Stable per body: the same push sent twice is one event. */
  eventId: string
  type: 'dossier.submitted' | 'dossier.payment_updated' | 'dossier.tax_notice'
  dossierCode: string
  data: Record<string, unknown>
  /** Files that came inline (base64), kept by the hub before the event commits. */
  files?: Array<{ sha256: string; name: string; data: string }>
}

function text(r: Json, key: string, max = 2000): string | undefined {
  const v = r[key]
  if (typeof v === 'number' && Number.isFinite(v)) return String(v)
  if (typeof v !== 'string') return undefined
  const t = v.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '').trim()
  return t === '' ? undefined : t.slice(0, max)
}

function need(r: Json, key: string, max?: number): string {
  const v = text(r, key, max)
  if (v === undefined) throw refuse(`${key} is missing`)
  return v
}

/** `yyyyMMddHHmmss` or `dd/MM/yyyy HH:mm:ss` (both seen from the portal family) → RFC 3339 in Vietnam time. */
export function portalDateTime(v: string | undefined): string | undefined {
  if (v === undefined) return undefined
  const dmy = /^(\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2}):(\d{2})$/.exec(v)
  return fromPortalTime(dmy ? `${dmy[3]}${dmy[2]}${dmy[1]}${dmy[4]}${dmy[5]}${dmy[6]}` : v)
}

const CODE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/
function dossierCode(r: Json): string {
  const code = text(r, 'MaHoSo') ?? text(r, 'MaHoSoQG')
  if (code === undefined) throw refuse('MaHoSo is missing')
  if (!CODE.test(code)) throw refuse('MaHoSo is not a dossier code (letters, digits, ".", "_", "-", at most 64)')
  return code
}

/** A dossier record (promotion notice or a forwarded dossier) → `dossier.submitted` data (agency filled by the caller). */
function submitted(r: Json, receivedAt: string): Omit<ForwardedEvent, 'eventId'> {
  const code = dossierCode(r)
  const taxCode = text(r, 'MaSoThue', 20)
  const address = isObject(r['DiaChiDoanhNghiep']) ? text(r['DiaChiDoanhNghiep'], 'DiaChiChiTiet', 500) : text(r, 'DiaChi', 500)
  const papers: Array<Record<string, unknown>> = []
  const url = text(r, 'URLTepDangKy')
  if (url !== undefined && /^https?:\/\//.test(url)) papers.push({ code: 'DON', name: 'Đơn đăng ký', url })
  const list = Array.isArray(r['TaiLieuNop']) ? r['TaiLieuNop'] : []
  const files: NonNullable<ForwardedEvent['files']> = []
  list.forEach((f, i) => {
    if (!isObject(f)) throw refuse(`TaiLieuNop[${i}] is not a record`)
    const base64 = text(f, 'Base64', Number.MAX_SAFE_INTEGER)
    const link = text(f, 'DuongDanTaiTepTin') ?? text(f, 'URL')
    const sha256 = base64 === undefined ? undefined : createHash('sha256').update(Buffer.from(base64, 'base64')).digest('hex')
    const name = text(f, 'TenTepDinhKem', 300) ?? `Tệp ${i + 1}`
    const linked = link !== undefined && /^https?:\/\//.test(link)
    // A file that came inline (and no link) is kept by the hub and served by its digest.
    if (sha256 !== undefined && !linked) files.push({ sha256, name, data: base64! })
    papers.push({
      code: text(f, 'MaThanhPhanHoSo', 50) ?? `TL${i + 1}`,
      name,
      url: linked ? link : sha256 !== undefined ? `urn:lgsp-hub:portal-file:${sha256}` : `urn:lgsp-hub:portal-inbound:file:${i}`,
      ...(sha256 !== undefined && { sha256 }),
    })
  })
  return {
    type: 'dossier.submitted',
    dossierCode: code,
    data: {
      dossierCode: code,
      procedureCode: need(r, 'MaTTHC', 50),
      procedureName: text(r, 'TenTTHC', 500) ?? '',
      applicant: {
        type: taxCode !== undefined ? 'business' : 'citizen',
        id: taxCode ?? need(r, 'SoGiayToChuHoSo', 20),
        name: text(r, 'TenThuongNhan', 200) ?? need(r, 'ChuHoSo', 200),
        ...(text(r, 'DienThoai', 20) !== undefined && { phone: text(r, 'DienThoai', 20) }),
        ...(text(r, 'Email', 200) !== undefined && { email: text(r, 'Email', 200) }),
        ...(address !== undefined && { address }),
      },
      ...(text(r, 'ThongTinSuaDoi') !== undefined && { summary: text(r, 'ThongTinSuaDoi') }),
      submittedAt: portalDateTime(text(r, 'NgayNopHoSo')) ?? receivedAt,
      papers,
    },
    ...(files.length > 0 && { files }),
  }
}

/** TrangThaiThanhToan (int; values unconfirmed): 1 paid, 2 refunded, anything else failed. */
const PAYMENT_STATUS: Record<string, string> = { '1': 'paid', '2': 'refunded' }

function taxPayment(r: Json, receivedAt: string): Omit<ForwardedEvent, 'eventId'> {
  const code = dossierCode(r)
  const pay = r['ThongTinThanhToan']
  if (!isObject(pay)) throw refuse('ThongTinThanhToan is missing')
  const amount = Number(need(pay, 'SoTien'))
  if (!Number.isSafeInteger(amount) || amount < 0) throw refuse('ThongTinThanhToan.SoTien is not a whole amount of VND')
  const paidAt = text(pay, 'ThoiGianThanhToan')
  const at = paidAt === undefined ? receivedAt : portalDateTime(paidAt)
  if (at === undefined) throw refuse('ThongTinThanhToan.ThoiGianThanhToan is not a time')
  return {
    type: 'dossier.payment_updated',
    dossierCode: code,
    data: { dossierCode: code, amount, status: PAYMENT_STATUS[need(pay, 'TrangThaiThanhToan')] ?? 'failed', transactionId: need(pay, 'MaThongBaoThue', 100), paidAt: at },
  }
}

/** A forwarded push → its event. `receivedAt`: when the hub received it (RFC 3339), used where the record has no time. */
export function readForwarded(name: string, body: unknown, receivedAt: string): ForwardedEvent {
  if (!(FORWARD_NAMES as readonly string[]).includes(name)) throw refuse(`no forwarded service is named ${JSON.stringify(name.slice(0, 50))}`)
  if (!isObject(body)) throw refuse('the body is not a JSON object')
  let event: Omit<ForwardedEvent, 'eventId'>
  if (name === 'addtthcKhuyenMai') event = submitted(body, receivedAt)
  else {
    if (!isObject(body['data'])) throw refuse('data is not a record')
    const service = text(body, 'service')
    if (service === 'NhanChungTuThueDat') event = taxPayment(body['data'], receivedAt)
    else if (service === 'NhanThongBaoThueDat') {
      const code = dossierCode(body['data'])
      event = { type: 'dossier.tax_notice', dossierCode: code, data: { dossierCode: code, notice: body['data'] } }
    } else event = submitted(body['data'], receivedAt)
  }
  const digest = createHash('sha256').update(`${name}\u0000${JSON.stringify(body)}`).digest('hex').slice(0, 40)
  return { eventId: `fwd_${name}_${digest}`, ...event }
}
