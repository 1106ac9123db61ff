/**
 * The interlinked status report: the one table (and docs/inbound.md, which must say the same), the
 * whole body for a step, and how replies are judged.
 */
import t from 'tap'
import { readFileSync } from 'node:fs'
import { INTERLINKED_STATES, judgeStatusReply, statusReportBody } from '../../../connectors/national-portal/interlinked-status.js'
import { isUpstreamError } from '../../../src/upstream/errors.js'

t.test('docs/inbound.md shows the connector\'s table', async (t) => {
  const doc = readFileSync(new URL('../../../docs/inbound.md', import.meta.url), 'utf8')
  const table = doc.slice(doc.indexOf('| hub status | `trangThai`'))
  const rows = table.split('\n').slice(2).filter((l) => l.startsWith('|'))
  const documented: Record<string, { state: number; content: string } | null> = {}
  for (const row of rows) {
    const [statuses, state, content] = row.split('|').slice(1, -1).map((c) => c.trim())
    for (const s of [...statuses!.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]!)) {
      documented[s] = state === 'not reported' ? null : { state: Number(state!.split(' ')[0]), content: content! }
    }
  }
  t.strictSame(documented, INTERLINKED_STATES)
})

t.test('the body of a progress step, every field of HV\'s DTO', async (t) => {
  t.strictSame(statusReportBody({
    dossierCode: 'KS-1', procedureCode: '1.001193', status: 'processing', at: '2026-11-21T02:00:00Z', officer: 'Nguyễn Văn Cán', officerTitle: 'Công chức',
    unit: 'Tư pháp', content: 'Chuyển xử lý', startedAt: '2026-11-20T08:30:00+07:00', dueAt: '2026-11-25T17:00:00+07:00',
  }, 5), {
    maTTHC: '1.001193', soHoSoLT: 'KS-1', coQuanXuLy: 5, maHoSo: 'KS-1', trangThai: 7, thoiGianThucHien: '21/11/2026 09:00:00', ghiChu: '', ketQuaXuLy: '',
    nguoiXuLy: 'Nguyễn Văn Cán', chucDanh: 'Công chức', phongBanXuLy: 'Tư pháp', noiDungXuLy: 'Chuyển xử lý',
    ngayBatDau: '20/11/2026 08:30:00', ngayKetThucTheoQuyDinh: '25/11/2026 17:00:00', ngayHenTraTruoc: '', ngayHenTraMoi: '', hanBoSungHoSo: '',
  }, 'times in Vietnam time whatever the offset given')
  t.equal(statusReportBody({ dossierCode: 'KS-1', procedureCode: 'x', status: 'stopped', at: '2026-11-21T02:00:00Z' }, 5), undefined, 'a status the table maps to nothing')
})

t.test('replies: taken, refused for good, or unconfirmed', async (t) => {
  t.doesNotThrow(() => judgeStatusReply(200, '{"message":"Cập nhật trạng thái hồ sơ Thành Công"}'))
  const kind = (status: number, body: string) => {
    try {
      judgeStatusReply(status, body)
      return 'ok'
    } catch (err) {
      return isUpstreamError(err) ? `${err.kind}${err.upstreamReason ? `: ${err.upstreamReason}` : ''}` : 'other'
    }
  }
  t.equal(kind(200, 'Hồ sơ đã trả kết quả, không được cập nhật trạng thái'), 'rejected: Hồ sơ đã trả kết quả, không được cập nhật trạng thái')
  t.equal(kind(400, '{"title":"One or more validation errors occurred.","errors":{"maHoSo":["062090001234 sai"]}}'), 'rejected: {"title":"One or more validation errors occurred.","errors":{"maHoSo":["062*******34 sai"]}}', 'personal IDs masked in the reason')
  t.equal(kind(200, 'Có lỗi trong quá trình thêm mới'), 'bad_response: Có lỗi trong quá trình thêm mới', 'not confirmed: retried')
})
