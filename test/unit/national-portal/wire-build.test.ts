import t from 'tap'
import { DEFAULT_CHANNEL_CODES, DEFAULT_STATUS_CODES, resolveConfig } from '../../../connectors/national-portal/config.js'
import {
  buildCallBody, buildDossierRecord, buildLoginBody, buildProgressRecord, listProceduresParams, syncDossierParams, type WireTables,
} from '../../../connectors/national-portal/wire.js'
import type { DossierRecordInput, ProgressSyncInput } from '../../../connectors/national-portal/schemas.js'
import { FULL_DOSSIER } from './fixtures.js'
import { DOSSIER_STATUSES } from '../../../schemas/dossier.js'

const tables: WireTables = { statusCodes: { ...DEFAULT_STATUS_CODES }, channelCodes: { ...DEFAULT_CHANNEL_CODES } }

t.test('DongBoHoSoMC dossier: every reference field, in order, dates in Vietnam time', async (t) => {
  const record = buildDossierRecord(FULL_DOSSIER, tables)
  t.strictSame(Object.keys(record), [
    'MaHoSo', 'MaTTHC', 'TenTTHC', 'MaLinhVuc', 'TenLinhVuc', 'SoBienNhan', 'ChuHoSo', 'LoaiDoiTuong', 'MaDoiTuong', 'ThongTinKhac',
    'Email', 'Fax', 'SoDienThoai', 'TrichYeuHoSo', 'NgayTiepNhan', 'NgayHenTra', 'TrangThaiHoSo', 'NgayTra', 'ThongTinTra', 'HinhThuc',
    'NgayKetThucXuLy', 'DonViXuLy', 'GhiChu', 'TaiLieuNop', 'DanhSachLePhi', 'DanhSachHoSoBoSung', 'DanhSachGiayToKetQua',
  ])
  t.strictSame(record, {
    MaHoSo: 'HS-2024-000123', MaTTHC: '1.001193', TenTTHC: 'Đăng ký khai sinh', MaLinhVuc: 'HT', TenLinhVuc: 'Hộ tịch', SoBienNhan: 'BN-0042',
    ChuHoSo: 'Công ty TNHH Ví Dụ', LoaiDoiTuong: '2', MaDoiTuong: '0100109106', ThongTinKhac: '12 Trần Phú, Kon Tum',
    Email: 'lienhe@example.vn', Fax: '', SoDienThoai: '0912345678', TrichYeuHoSo: 'Đăng ký khai sinh cho con',
    NgayTiepNhan: '20240301083000', NgayHenTra: '20240305170000', TrangThaiHoSo: '10', NgayTra: '20240305071500',
    ThongTinTra: 'Trả tại bộ phận một cửa', HinhThuc: '3', NgayKetThucXuLy: '20240304080000', DonViXuLy: 'Bộ phận Tư pháp - Hộ tịch', GhiChu: 'Ưu tiên',
    TaiLieuNop: [
      { TepDinhKemId: 'att-1', TenTepDinhKem: 'To khai.pdf', IsDeleted: 'False', MaThanhPhanHoSo: 'GT.002', DuongDanTaiTepTin: 'https://onestop.example.vn/f/1' },
      { TepDinhKemId: 'att-2', TenTepDinhKem: 'Old.pdf', IsDeleted: 'True', MaThanhPhanHoSo: '', DuongDanTaiTepTin: '' },
    ],
    DanhSachLePhi: [
      { TenPhiLePhi: 'Lệ phí đăng ký', MaPhiLePhi: 'LP01', HinhThucThu: 'Trực tuyến', Gia: 8000, LoaiPhiLePhi: '2' },
      { TenPhiLePhi: 'Phí sao', MaPhiLePhi: '', HinhThucThu: '', Gia: 2000, LoaiPhiLePhi: '1' },
      { TenPhiLePhi: 'Khác', MaPhiLePhi: '', HinhThucThu: '', Gia: 0, LoaiPhiLePhi: '' },
    ],
    DanhSachHoSoBoSung: [
      { HoSoBoSungId: '1', NoiDungBoSung: 'Thiếu giấy chứng sinh', NgayBoSung: '20240302090000', NgayTiepNhanBoSung: '20240302150000', TrangThaiBoSung: '1' },
      { HoSoBoSungId: '2', NoiDungBoSung: 'Ảnh mờ', NgayBoSung: '20240303090000', NgayTiepNhanBoSung: '', TrangThaiBoSung: '0' },
    ],
    DanhSachGiayToKetQua: [{ TenGiayTo: 'Giấy khai sinh', MaThanhPhanHoSo: 'KQ.001', GiayToId: '062090001234.GKS', DuongDanTepTinKetQua: 'https://onestop.example.vn/r/1' }],
  })
})

t.test('a minimal dossier: absent text and times are "", lists are [], the unit falls back to the agency code', async (t) => {
  const minimal: DossierRecordInput = {
    code: 'HS-1', version: 1, procedureCode: '2.000720', agencyCode: '000.00.20.H34', channel: 'in_person',
    applicant: { type: 'citizen', id: '062090001234', name: 'Nguyễn Văn An' }, receivedAt: '2024-03-01T08:00:00+07:00', status: 'registered',
  }
  t.strictSame(buildDossierRecord(minimal, tables), {
    MaHoSo: 'HS-1', MaTTHC: '2.000720', TenTTHC: '', MaLinhVuc: '', TenLinhVuc: '', SoBienNhan: '', ChuHoSo: 'Nguyễn Văn An', LoaiDoiTuong: '1',
    MaDoiTuong: '062090001234', ThongTinKhac: '', Email: '', Fax: '', SoDienThoai: '', TrichYeuHoSo: '', NgayTiepNhan: '20240301080000',
    NgayHenTra: '', TrangThaiHoSo: '1', NgayTra: '', ThongTinTra: '', HinhThuc: '1', NgayKetThucXuLy: '', DonViXuLy: '000.00.20.H34', GhiChu: '',
    TaiLieuNop: [], DanhSachLePhi: [], DanhSachHoSoBoSung: [], DanhSachGiayToKetQua: [],
  })
})

t.test('TrangThaiHoSo and HinhThuc come from the configured tables', async (t) => {
  const defaults = DOSSIER_STATUSES.map((status) => buildDossierRecord({ ...FULL_DOSSIER, status }, tables)['TrangThaiHoSo'])
  t.strictSame(defaults, ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10'])
  const custom = resolveConfig({ baseUrl: 'http://x', username: 'u', password: 'p', dstcode: 'd', agencyCode: '000.00.00.H34', statusCodes: { returned: 11 }, channelCodes: { online: 0 } })
  const record = buildDossierRecord({ ...FULL_DOSSIER, channel: 'online' }, custom)
  t.strictSame([record['TrangThaiHoSo'], record['HinhThuc']], ['11', '0'])
  t.equal(buildDossierRecord({ ...FULL_DOSSIER, status: 'processed' }, custom)['TrangThaiHoSo'], '9', 'the other codes keep their defaults')
})

t.test('a code table that repeats a code stops the boot with a message that says which', async (t) => {
  const base = { baseUrl: 'http://x', username: 'u', password: 'p', dstcode: 'd', agencyCode: '000.00.00.H34' }
  t.throws(() => resolveConfig({ ...base, statusCodes: { returned: 9 } }), { message: 'config /connectors/national-portal/statusCodes: processed and returned share the code 9; give each its own code' })
  t.throws(() => resolveConfig({ ...base, channelCodes: { post: 1 } }), { message: /channelCodes: in_person and post share the code 1/ })
  t.throws(() => resolveConfig({ ...base, errorCodes: { session: ['-1'], transient: ['-1'] } }), { message: /-1 listed as both session and transient/ })
})

t.test('a time that is not RFC 3339 is refused before anything is sent', async (t) => {
  t.throws(() => buildDossierRecord({ ...FULL_DOSSIER, dueAt: '2024-02-30T00:00:00Z' }, tables), { kind: 'rejected', message: 'The value of dueAt is not an RFC 3339 date-time; nothing was sent to the national portal.' })
  t.throws(() => buildDossierRecord({ ...FULL_DOSSIER, supplements: [{ requestedAt: 'yesterday', reason: 'x' }] }, tables), { kind: 'rejected', message: /supplements\[0\]\.requestedAt/ })
})

t.test('CapNhatTienDoHoSoMC entry from a progress step (the step id is not sent)', async (t) => {
  const step: ProgressSyncInput = {
    dossierCode: 'HS-2024-000123', id: 'step-7', officer: 'Trần Thị Bình', officerTitle: 'Chuyên viên', unit: 'Phòng Tư pháp',
    at: '2024-03-02T03:00:00Z', content: 'Thẩm định hồ sơ', status: 'processing', startedAt: '2024-03-01T08:00:00+07:00', dueAt: '2024-03-05T10:00:00Z',
  }
  t.strictSame(buildProgressRecord(step, tables), {
    MaHoSo: 'HS-2024-000123', NguoiXuLy: 'Trần Thị Bình', ChucDanh: 'Chuyên viên', ThoiDiemXuLy: '20240302100000', PhongBanXuLy: 'Phòng Tư pháp',
    NoiDungXuLy: 'Thẩm định hồ sơ', TrangThai: '4', NgayBatDau: '20240301080000', NgayKetThucTheoQuyDinh: '20240305170000',
  })
  const { officerTitle: _t, status: _s, startedAt: _a, dueAt: _d, ...bare } = step
  t.match(buildProgressRecord(bare, tables), { ChucDanh: '', TrangThai: '', NgayBatDau: '', NgayKetThucTheoQuyDinh: '' })
})

t.test('request bodies: login, and the session envelope with the service name', async (t) => {
  t.strictSame(JSON.parse(buildLoginBody('user', 'p"w')), { username: 'user', password: 'p"w' })
  const body = JSON.parse(buildCallBody('tok', '000.00.00.H34', 'syncDossier', syncDossierParams({ dossier: FULL_DOSSIER, isUpdate: true }, tables)))
  t.strictSame(Object.keys(body), ['session', 'madonvi', 'service', 'isUpdating', 'data'])
  t.strictSame([body.session, body.madonvi, body.service, body.isUpdating, body.data.length], ['tok', '000.00.00.H34', 'DongBoHoSoMC', 'True', 1])
  t.equal(JSON.parse(buildCallBody('tok', 'X', 'syncDossier', syncDossierParams({ dossier: FULL_DOSSIER, isUpdate: false }, tables))).isUpdating, 'False')
  t.strictSame(JSON.parse(buildCallBody('tok', 'X', 'listProcedures', listProceduresParams('000.00.20.H34'))), { session: 'tok', madonvi: 'X', service: 'LayDanhSachTTHC', macoquan: '000.00.20.H34' })
  t.strictSame(JSON.parse(buildCallBody('tok', 'X', 'listAgencies', {})), { session: 'tok', madonvi: 'X', service: 'LayDanhMucCoQuan' })
})
