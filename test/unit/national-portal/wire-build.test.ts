import t from 'tap'
import { DEFAULT_CHANNEL_CODES, DEFAULT_DATABASE_CODES, DEFAULT_STATUS_CODES, resolveConfig } from '../../../connectors/national-portal/config.js'
import {
  buildCallBody, buildDossierRecord, buildLoginBody, buildProgressRecord, listProceduresParams, syncDossierParams, type WireTables,
} from '../../../connectors/national-portal/wire.js'
import type { DossierRecordInput, ProgressSyncInput } from '../../../schemas/portal.js'
import { FULL_DOSSIER, MINIMAL_DOSSIER } from './fixtures.js'
import { DOSSIER_FIELDS } from '../../../connectors/national-portal/record.js'
import { DOSSIER_STATUSES } from '../../../schemas/dossier.js'

const tables: WireTables = { statusCodes: { ...DEFAULT_STATUS_CODES }, channelCodes: { ...DEFAULT_CHANNEL_CODES }, databaseCodes: { ...DEFAULT_DATABASE_CODES } }

t.test('DongBoHoSoMC dossier: every reference field, strings where peers send strings, dates in Vietnam time', async (t) => {
  const record = buildDossierRecord(FULL_DOSSIER, tables)
  t.strictSame(Object.keys(record), DOSSIER_FIELDS.map((f) => f.wire))
  t.strictSame(record, {
    MaHoSo: 'HS-2024-000123', MaTTHC: '1.001193', TenTTHC: 'Đăng ký khai sinh', MaLinhVuc: 'HT', TenLinhVuc: 'Hộ tịch', SoBienNhan: 'BN-0042',
    KenhThucHien: '3', ChuHoSo: 'Nguyễn Thị Hoa', SoGiayToChuHoSo: '062090001234', LoaiDoiTuong: '1', MaDoiTuong: 'techid-7f3a9c',
    DinhDanhCHS: [{ LoaiDinhDanh: '1', SoDinhDanh: '062090001234' }],
    ThongTinKhac: 'Thôn 3, xã Đăk Hà, tỉnh Quảng Ngãi', Email: 'hoa@example.vn', Fax: '', SoDienThoai: '0912345678', TrichYeuHoSo: 'Đăng ký khai sinh cho con',
    NgayNopHoSo: '20240301060000', NgayTiepNhan: '20240301083000', NgayHenTra: '20240305170000', TrangThaiHoSo: '10', NgayTuChoi: '', NgayTra: '20240305071500',
    ThongTinTra: 'Trả qua bưu chính công ích', HinhThuc: '1', NgayKetThucXuLy: '20240304080000', DonViXuLy: 'Bộ phận Tư pháp - Hộ tịch', GhiChu: 'Ưu tiên',
    NoiNopHoSo: '1', HoSoCoThanhPhanSoHoa: '1', TaiKhoanDuocXacThucVoiVNeID: '1', DuocThanhToanTrucTuyen: '1', DSKetNoiCSDL: [{ MaCSDL: '7' }],
    TaiLieuNop: [
      { TepDinhKemId: 'att-1', TenTepDinhKem: 'To khai.pdf', IsDeleted: 'False', MaThanhPhanHoSo: 'GT.002', DuongDanTaiTepTin: 'https://onestop.example.vn/f/1', DuocSoHoa: '1', DuocTaiSuDung: '0', DuocLayTuKhoDMQG: '0', MaKetQuaThayThe: '' },
      { TepDinhKemId: 'att-2', TenTepDinhKem: 'Old.pdf', IsDeleted: 'True', MaThanhPhanHoSo: '', DuongDanTaiTepTin: '', DuocSoHoa: '0', DuocTaiSuDung: '0', DuocLayTuKhoDMQG: '0', MaKetQuaThayThe: '' },
      { TepDinhKemId: 'att-3', TenTepDinhKem: 'CCCD.pdf', IsDeleted: 'False', MaThanhPhanHoSo: 'GT.001', DuongDanTaiTepTin: '', DuocSoHoa: '0', DuocTaiSuDung: '1', DuocLayTuKhoDMQG: '1', MaKetQuaThayThe: 'KQ-2023-9' },
    ],
    DanhSachLePhi: [
      { TenPhiLePhi: 'Lệ phí đăng ký', MaPhiLePhi: 'LP01', HinhThucThu: 'Trực tuyến', Gia: '8000', LoaiPhiLePhi: '2' },
      { TenPhiLePhi: 'Phí sao', MaPhiLePhi: '', HinhThucThu: '', Gia: '2000', LoaiPhiLePhi: '1' },
      { TenPhiLePhi: 'Khác', MaPhiLePhi: '', HinhThucThu: '', Gia: '0', LoaiPhiLePhi: '' },
    ],
    DanhSachTepDinhKemKhac: [{ TenGiayTo: 'Bản sao sổ hộ khẩu', SoLuong: 2, LoaiGiayTo: 1 }],
    DanhSachHoSoBoSung: [
      {
        HoSoBoSungId: 'BS-1', NguoiYeuCauBoSung: 'Trần Văn Bình', NoiDungBoSung: 'Thiếu giấy chứng sinh', NgayBoSung: '20240302090000', NguoiTiepNhanBoSung: 'Lê Thị Cúc',
        ThongTinTiepNhan: 'Đã nhận giấy chứng sinh', NgayTiepNhanBoSung: '20240302150000', TrangThaiBoSung: '1',
        DanhSachGiayToBoSung: [{ TepDinhKemId: 'bs-att-1', TenTepDinhKem: 'Giay chung sinh.pdf', IsDeleted: 'False', MaThanhPhanHoSo: '', DuongDanTaiTepTin: 'https://onestop.example.vn/f/9', DuocSoHoa: '0', DuocTaiSuDung: '0', DuocLayTuKhoDMQG: '0', MaKetQuaThayThe: '' }],
        DanhSachLePhiBoSung: [{ TenPhiLePhi: 'Phí bổ sung', MaPhiLePhi: '', HinhThucThu: '', Gia: '5000', LoaiPhiLePhi: '' }],
        NgayHenTraTruoc: '20240305170000', NgayHenTraMoi: '20240306170000',
      },
      {
        HoSoBoSungId: '2', NguoiYeuCauBoSung: '', NoiDungBoSung: 'Ảnh mờ', NgayBoSung: '20240303090000', NguoiTiepNhanBoSung: '', ThongTinTiepNhan: '',
        NgayTiepNhanBoSung: '', TrangThaiBoSung: '0', DanhSachGiayToBoSung: [], DanhSachLePhiBoSung: [], NgayHenTraTruoc: '', NgayHenTraMoi: '',
      },
    ],
    DanhSachGiayToKetQua: [{ TenGiayTo: 'Giấy khai sinh', MaThanhPhanHoSo: 'KQ.001', GiayToId: 'kq-1', DuongDanTepTinKetQua: 'https://onestop.example.vn/r/1', MaGiayToKetQua: 'KQ.GKS' }],
  })
})

t.test('no personal ID leaves in a field not meant for it: 12-digit numbers only in SoGiayToChuHoSo and DinhDanhCHS', async (t) => {
  const allowed = new Set(['SoGiayToChuHoSo', 'DinhDanhCHS.SoDinhDanh'])
  const found: string[] = []
  const walk = (v: unknown, path: string) => {
    if (Array.isArray(v)) return v.forEach((item) => walk(item, path))
    if (typeof v === 'object' && v !== null) return Object.entries(v).forEach(([k, x]) => walk(x, path ? `${path}.${k}` : k))
    if (/(?<![0-9])[0-9]{12}(?![0-9])/.test(String(v)) && !allowed.has(path)) found.push(path)
  }
  for (const dossier of [FULL_DOSSIER, MINIMAL_DOSSIER, { ...FULL_DOSSIER, applicant: { ...FULL_DOSSIER.applicant, portalAccountId: undefined } }]) {
    const record = buildDossierRecord(dossier as DossierRecordInput, tables)
    walk(record, '')
    t.equal(JSON.stringify(record).match(/062090001234/g)?.length, 2, 'the ID appears exactly twice: SoGiayToChuHoSo and DinhDanhCHS')
  }
  t.strictSame(found, [])
})

t.test('applicant types 1–4; the personal ID kind; a business gets no DinhDanhCHS', async (t) => {
  const as = (type: 'citizen' | 'business' | 'agency' | 'organisation', id: string) => buildDossierRecord({ ...MINIMAL_DOSSIER, applicant: { type, id, name: 'X' } }, tables)
  t.strictSame([as('citizen', '062090001234'), as('citizen', '212345678'), as('business', '0100109106'), as('agency', '000.00.21.H48'), as('organisation', '4300123456')]
    .map((r) => [r['LoaiDoiTuong'], r['SoGiayToChuHoSo'], r['MaDoiTuong'], r['DinhDanhCHS']]), [
    ['1', '062090001234', '', [{ LoaiDinhDanh: '1', SoDinhDanh: '062090001234' }]],
    ['1', '212345678', '', [{ LoaiDinhDanh: '2', SoDinhDanh: '212345678' }]],
    ['2', '0100109106', '', []],
    ['3', '000.00.21.H48', '', []],
    ['4', '4300123456', '', []],
  ])
})

t.test('flags: explicit values win over the hub\'s facts; without either they are "0"', async (t) => {
  const pick = (r: Record<string, unknown>) => [r['HoSoCoThanhPhanSoHoa'], r['DSKetNoiCSDL'], (r['TaiLieuNop'] as Array<Record<string, unknown>>).map((p) => [p['DuocSoHoa'], p['DuocTaiSuDung']])]
  t.strictSame(pick(buildDossierRecord(FULL_DOSSIER, tables)), ['1', [{ MaCSDL: '7' }], [['1', '0'], ['0', '0'], ['0', '1']]])
  const explicit = {
    ...FULL_DOSSIER, hasDigitizedComponent: false, connectedDatabases: ['business-registry' as const],
    documents: FULL_DOSSIER.documents!.map((d) => ({ ...d, digitized: false, reused: false })),
  }
  t.strictSame(pick(buildDossierRecord(explicit, { ...tables, databaseCodes: { population: '7', 'business-registry': '9' } })), ['0', [{ MaCSDL: '9' }], [['0', '0'], ['0', '0'], ['0', '0']]])
  t.strictSame(pick(buildDossierRecord({ ...FULL_DOSSIER, connectedDatabases: ['business-registry'] }, tables))[1], [], 'a database without a configured code is not listed')
  const { facts: _f, ...noFacts } = FULL_DOSSIER
  t.strictSame(pick(buildDossierRecord({ ...noFacts, documents: [FULL_DOSSIER.documents![2]!] }, tables)), ['0', [], [['0', '0']]])
})

t.test('a minimal dossier: absent text and times are "", lists are [], in person with the result at the desk', async (t) => {
  const minimal: DossierRecordInput = {
    code: 'HS-1', version: 1, procedureCode: '2.000720', agencyCode: '000.00.20.H48', channel: 'in_person',
    applicant: { type: 'citizen', id: '062090001234', name: 'Nguyễn Văn An' }, receivedAt: '2024-03-01T08:00:00+07:00', status: 'registered',
  }
  t.strictSame(buildDossierRecord(minimal, tables), {
    MaHoSo: 'HS-1', MaTTHC: '2.000720', TenTTHC: '', MaLinhVuc: '', TenLinhVuc: '', SoBienNhan: '', KenhThucHien: '1', ChuHoSo: 'Nguyễn Văn An',
    SoGiayToChuHoSo: '062090001234', LoaiDoiTuong: '1', MaDoiTuong: '', DinhDanhCHS: [{ LoaiDinhDanh: '1', SoDinhDanh: '062090001234' }],
    ThongTinKhac: '', Email: '', Fax: '', SoDienThoai: '', TrichYeuHoSo: '', NgayNopHoSo: '20240301080000', NgayTiepNhan: '20240301080000',
    NgayHenTra: '', TrangThaiHoSo: '1', NgayTuChoi: '', NgayTra: '', ThongTinTra: '', HinhThuc: '0', NgayKetThucXuLy: '', DonViXuLy: '', GhiChu: '',
    NoiNopHoSo: '2', HoSoCoThanhPhanSoHoa: '0', TaiKhoanDuocXacThucVoiVNeID: '0', DuocThanhToanTrucTuyen: '0', DSKetNoiCSDL: [],
    TaiLieuNop: [], DanhSachLePhi: [], DanhSachTepDinhKemKhac: [], DanhSachHoSoBoSung: [], DanhSachGiayToKetQua: [],
  })
})

t.test('TrangThaiHoSo and KenhThucHien come from the configured tables', async (t) => {
  const defaults = DOSSIER_STATUSES.map((status) => buildDossierRecord({ ...FULL_DOSSIER, status }, tables)['TrangThaiHoSo'])
  t.strictSame(defaults, ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10'])
  const custom = resolveConfig({ baseUrl: 'http://x', username: 'u', password: 'p', dstcode: 'd', agencyCode: '000.00.00.H48', statusCodes: { returned: 11 }, channelCodes: { online: 0 } })
  const record = buildDossierRecord({ ...FULL_DOSSIER, channel: 'online' }, custom)
  t.strictSame([record['TrangThaiHoSo'], record['KenhThucHien'], record['HinhThuc']], ['11', '0', '1'])
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
