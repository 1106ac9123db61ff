/**
 * The status report back to the interlinked platform (DVCLT), from HV's `KhaiSinhKhaiTuService.cs`
 * (`CapNhatTrangThaiDVCLT`) and its request DTO `KhaiSinhKhaiTu_DVCLT_CapNhatTrangThaiRequest`
 * (`KhaiSinhKhaiTuParams.cs`), repository `HuanVu201/DichVuCong_KhoaLuan_PASETO`: ONE table from
 * the hub's dossier status to the platform's `trangThai`, the body (every field of the DTO, times
 * `dd/MM/yyyy HH:mm:ss` Vietnam time), and how a reply is judged. HV's path comes from its
 * settings (`UrlDVCLT.SendStatusUrl`), so ours is configurable and unverified.
 */
import type { InterlinkedStatusInput } from '../../src/contracts/portal.js'
import type { DossierStatus } from '../../schemas/dossier.js'
import { UpstreamError } from '../../src/upstream/errors.js'
import { maskIdsInText } from '../../src/logger.js'
import { formatDvcltTime, parseDateTime } from './vn-time.js'

/**
 * Hub status → `trangThai`, and the `noiDungXuLy` HV sends when the change carries no text of its
 * own. null = not reported (the platform has no state for it; the message settles without a call).
 */
export const INTERLINKED_STATES: Readonly<Record<DossierStatus, { state: number; content: string } | null>> = {
  registered: { state: 1, content: '' }, // taken from the platform (HV: on intake)
  received: { state: 3, content: 'MCĐT Tiếp nhận hồ sơ' }, // accepted by the one-stop desk
  supplement_requested: { state: 2, content: '' },
  processing: { state: 7, content: 'Gửi hồ sơ qua hệ thống BTP' }, // sent on (HV: to the civil-status system)
  processed: { state: 4, content: '' }, // completed, with the result
  returned: { state: 5, content: 'Trả kết quả' },
  rejected: { state: 6, content: '' },
  payment_requested: null,
  withdrawal_requested: null,
  stopped: null,
}

function dvcltTime(value: string | undefined): string {
  if (value === undefined) return ''
  const ms = parseDateTime(value)
  if (ms === undefined) throw new UpstreamError('rejected', `The status report cannot be built: ${value} is not a date-time.`)
  return formatDvcltTime(ms)
}

/**
 * The body of `POST {status path}`, or undefined when the status is not reported. The hub keeps one
 * dossier code, so `maHoSo` (HV: the one-stop's own code) and `soHoSoLT` (the platform's) are the same.
 */
export function statusReportBody(input: InterlinkedStatusInput, handlingAgency: number): Record<string, string | number> | undefined {
  const row = INTERLINKED_STATES[input.status]
  if (!row) return undefined
  const results = row.state === 4 && input.results !== undefined && input.results.length > 0
    ? JSON.stringify(input.results.map((r) => ({ tenGiayTo: r.name, maGiayToKetQua: r.resultCode ?? '', duongDanTepTinKetQua: r.url ?? '' })))
    : ''
  return {
    maTTHC: input.procedureCode,
    soHoSoLT: input.dossierCode,
    coQuanXuLy: handlingAgency,
    maHoSo: input.dossierCode,
    trangThai: row.state,
    thoiGianThucHien: dvcltTime(input.at),
    ghiChu: input.note ?? '',
    ketQuaXuLy: results,
    nguoiXuLy: input.officer ?? '',
    chucDanh: input.officerTitle ?? '',
    phongBanXuLy: input.unit ?? '',
    noiDungXuLy: input.content ?? row.content,
    ngayBatDau: dvcltTime(input.startedAt),
    ngayKetThucTheoQuyDinh: dvcltTime(input.dueAt),
    ngayHenTraTruoc: '',
    ngayHenTraMoi: '',
    hanBoSungHoSo: '',
  }
}

/** HV's reading of a reply (its text): "thành công" = done; these say the platform will never take it. */
const REFUSED = ['không thể cập nhật trạng thái', 'không được cập nhật trạng thái', 'không tồn tại', 'logic xử lý không hợp lệ']

/** Returns when the platform took the report; throws `rejected` (dead-lettered) or `bad_response` (retried). */
export function judgeStatusReply(status: number, body: string): void {
  const text = body.toLowerCase()
  if (status >= 200 && status < 300 && text.includes('thành công')) return
  const reason = maskIdsInText(body.replace(/\s+/g, ' ').trim()).slice(0, 300)
  if (status === 400 || REFUSED.some((r) => text.includes(r))) {
    throw new UpstreamError('rejected', 'The interlinked platform refused the status report.', { upstreamCode: String(status), upstreamReason: reason })
  }
  throw new UpstreamError('bad_response', 'The interlinked platform did not confirm the status report.', { upstreamReason: reason })
}
