/**
 * What the simulated interlinked platform checks in a status report, written from HV's request DTO
 * `KhaiSinhKhaiTu_DVCLT_CapNhatTrangThaiRequest` (`KhaiSinhKhaiTuParams.cs`) independently of the
 * connector's builder: exactly its field set, `coQuanXuLy` and `trangThai` JSON integers (1–7),
 * `thoiGianThucHien` a real `dd/MM/yyyy HH:mm:ss`, the other dates empty, null or the same format,
 * every other field a string or null, and `soHoSoLT` an item it handed out. A refusal is 400 in
 * ASP.NET's ProblemDetails form (HV's response DTO: `errors, type, title, status, traceId`).
 * The replies' wording follows the texts HV looks for: "thành công" taken, "không tồn tại" unknown,
 * "không được cập nhật trạng thái" after the result was returned or the dossier refused.
 */
import { randomBytes } from 'node:crypto'

export interface ReceivedStatus {
  receivedAt: string
  body: Record<string, unknown>
}

const FIELDS: Record<string, 'code' | 'int' | 'time' | 'text' | 'date'> = {
  maTTHC: 'code', soHoSoLT: 'code', coQuanXuLy: 'int', maHoSo: 'code', trangThai: 'int', thoiGianThucHien: 'time',
  ghiChu: 'text', ketQuaXuLy: 'text', nguoiXuLy: 'text', chucDanh: 'text', phongBanXuLy: 'text', noiDungXuLy: 'text',
  ngayBatDau: 'date', ngayKetThucTheoQuyDinh: 'date', ngayHenTraTruoc: 'date', ngayHenTraMoi: 'date', hanBoSungHoSo: 'date',
}
const STATES = new Set([1, 2, 3, 4, 5, 6, 7])
const TIME = /^(\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2}):(\d{2})$/

function realTime(v: string): boolean {
  const m = TIME.exec(v)
  if (!m) return false
  const [d, mo, y, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number]
  const t = new Date(Date.UTC(y, mo - 1, d, h, mi, s))
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d && h < 24 && mi < 60 && s < 60
}

function problems(body: unknown): Record<string, string[]> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { $: ['The request body must be a JSON object.'] }
  const b = body as Record<string, unknown>
  const errors: Record<string, string[]> = {}
  const fail = (k: string, m: string) => (errors[k] ??= []).push(m)
  for (const k of Object.keys(b)) if (!(k in FIELDS)) fail(k, `Trường ${k} không được hỗ trợ.`)
  for (const [k, kind] of Object.entries(FIELDS)) {
    const v = b[k]
    if (kind === 'code' && !(typeof v === 'string' && v.trim() !== '')) fail(k, `Trường ${k} là bắt buộc.`)
    if (kind === 'int' && !Number.isInteger(v)) fail(k, `Trường ${k} phải là số nguyên.`)
    if (kind === 'time' && !(typeof v === 'string' && realTime(v))) fail(k, `Trường ${k} không đúng định dạng dd/MM/yyyy HH:mm:ss.`)
    if (kind === 'text' && !(v === undefined || v === null || typeof v === 'string')) fail(k, `Trường ${k} phải là chuỗi.`)
    if (kind === 'date' && !(v === undefined || v === null || v === '' || (typeof v === 'string' && realTime(v)))) fail(k, `Trường ${k} không đúng định dạng dd/MM/yyyy HH:mm:ss.`)
  }
  if (Number.isInteger(b['trangThai']) && !STATES.has(b['trangThai'] as number)) fail('trangThai', 'Trạng thái không hợp lệ (1–7).')
  return errors
}

/** The reply to one report, and the report to record when it was taken. */
export function checkStatusReport(body: unknown, known: Set<string>, received: ReceivedStatus[]): { reply: { status: number; body: unknown }; accepted?: ReceivedStatus } {
  const errors = problems(body)
  if (Object.keys(errors).length > 0) {
    return { reply: { status: 400, body: { type: 'https://tools.ietf.org/html/rfc9110#section-15.5.1', title: 'One or more validation errors occurred.', status: 400, errors, traceId: randomBytes(8).toString('hex') } } }
  }
  const b = body as Record<string, unknown>
  if (!known.has(b['soHoSoLT'] as string)) return { reply: { status: 200, body: { message: `Hồ sơ liên thông ${String(b['soHoSoLT'])} không tồn tại` } } }
  const last = received.filter((r) => r.body['soHoSoLT'] === b['soHoSoLT']).at(-1)?.body['trangThai']
  if (last === 5 || last === 6) return { reply: { status: 200, body: { message: 'Hồ sơ đã trả kết quả, không được cập nhật trạng thái' } } }
  return { reply: { status: 200, body: { message: 'Cập nhật trạng thái hồ sơ thành công' } }, accepted: { receivedAt: new Date().toISOString(), body: structuredClone(b) } }
}
