/**
 * The simulator's own checks of what the portal receives (written independently of wire.ts, so
 * a drifting request builder fails the tests). Each check returns the portal's refusal message,
 * in Vietnamese, naming the field (never its value), or undefined when the record is acceptable.
 */

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

/** `yyyyMMddHHmmss` naming a real time. */
export function isPortalDate(value: string): boolean {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(value)
  if (!m) return false
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number]
  if (h > 23 || mi > 59 || s > 59) return false
  const date = new Date(Date.UTC(y, mo - 1, d))
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d
}

interface Shape {
  /** Scalar fields: strings (the reference: "all values strings unless noted"). */
  fields: readonly string[]
  required: readonly string[]
  dates: readonly string[]
  /** Integer fields (not strings). */
  ints?: readonly string[]
  /** Fields whose value is one of these codes (when not ''). */
  codes?: Record<string, readonly string[]>
  /** Nested lists and the keys their items may have. */
  lists?: Record<string, Shape>
}

const FLAG = ['0', '1'] as const
const PAPER: Shape = {
  fields: ['TepDinhKemId', 'TenTepDinhKem', 'IsDeleted', 'MaThanhPhanHoSo', 'DuongDanTaiTepTin', 'DuocSoHoa', 'DuocTaiSuDung', 'DuocLayTuKhoDMQG', 'MaKetQuaThayThe'],
  required: ['TenTepDinhKem'],
  dates: [],
  codes: { IsDeleted: ['True', 'False'], DuocSoHoa: FLAG, DuocTaiSuDung: ['0', '1', '2'], DuocLayTuKhoDMQG: FLAG },
}
const FEE: Shape = { fields: ['TenPhiLePhi', 'MaPhiLePhi', 'HinhThucThu', 'Gia', 'LoaiPhiLePhi'], required: ['TenPhiLePhi', 'Gia'], dates: [] }

const DOSSIER: Shape = {
  fields: [
    'MaHoSo', 'MaTTHC', 'TenTTHC', 'MaLinhVuc', 'TenLinhVuc', 'SoBienNhan', 'KenhThucHien', 'ChuHoSo', 'SoGiayToChuHoSo', 'LoaiDoiTuong', 'MaDoiTuong',
    'ThongTinKhac', 'Email', 'Fax', 'SoDienThoai', 'TrichYeuHoSo', 'NgayNopHoSo', 'NgayTiepNhan', 'NgayHenTra', 'TrangThaiHoSo', 'NgayTuChoi', 'NgayTra',
    'ThongTinTra', 'HinhThuc', 'NgayKetThucXuLy', 'DonViXuLy', 'GhiChu', 'NoiNopHoSo', 'HoSoCoThanhPhanSoHoa', 'TaiKhoanDuocXacThucVoiVNeID',
    'DuocThanhToanTrucTuyen',
  ],
  required: ['MaHoSo', 'MaTTHC', 'ChuHoSo', 'LoaiDoiTuong', 'NgayTiepNhan', 'TrangThaiHoSo', 'HinhThuc'],
  dates: ['NgayNopHoSo', 'NgayTiepNhan', 'NgayHenTra', 'NgayTuChoi', 'NgayTra', 'NgayKetThucXuLy'],
  codes: {
    KenhThucHien: ['1', '2', '3'], HinhThuc: FLAG, LoaiDoiTuong: ['1', '2', '3', '4'], NoiNopHoSo: ['1', '2'],
    HoSoCoThanhPhanSoHoa: FLAG, TaiKhoanDuocXacThucVoiVNeID: FLAG, DuocThanhToanTrucTuyen: ['0', '1', '2', '3'],
  },
  lists: {
    DinhDanhCHS: { fields: ['LoaiDinhDanh', 'SoDinhDanh'], required: ['LoaiDinhDanh', 'SoDinhDanh'], dates: [], codes: { LoaiDinhDanh: ['1', '2'] } },
    DSKetNoiCSDL: { fields: ['MaCSDL'], required: ['MaCSDL'], dates: [] },
    TaiLieuNop: PAPER,
    DanhSachLePhi: FEE,
    DanhSachTepDinhKemKhac: { fields: ['TenGiayTo'], ints: ['SoLuong', 'LoaiGiayTo'], required: ['TenGiayTo'], dates: [] },
    DanhSachHoSoBoSung: {
      fields: [
        'HoSoBoSungId', 'NguoiYeuCauBoSung', 'NoiDungBoSung', 'NgayBoSung', 'NguoiTiepNhanBoSung', 'ThongTinTiepNhan',
        'NgayTiepNhanBoSung', 'TrangThaiBoSung', 'NgayHenTraTruoc', 'NgayHenTraMoi',
      ],
      required: ['NoiDungBoSung'],
      dates: ['NgayBoSung', 'NgayTiepNhanBoSung', 'NgayHenTraTruoc', 'NgayHenTraMoi'],
      codes: { TrangThaiBoSung: FLAG },
      lists: { DanhSachGiayToBoSung: PAPER, DanhSachLePhiBoSung: FEE },
    },
    DanhSachGiayToKetQua: { fields: ['TenGiayTo', 'MaThanhPhanHoSo', 'GiayToId', 'DuongDanTepTinKetQua', 'MaGiayToKetQua'], required: ['TenGiayTo'], dates: [] },
  },
}

const PROGRESS: Shape = {
  fields: ['MaHoSo', 'NguoiXuLy', 'ChucDanh', 'ThoiDiemXuLy', 'PhongBanXuLy', 'NoiDungXuLy', 'TrangThai', 'NgayBatDau', 'NgayKetThucTheoQuyDinh'],
  required: ['MaHoSo', 'NguoiXuLy', 'ThoiDiemXuLy', 'NoiDungXuLy'],
  dates: ['ThoiDiemXuLy', 'NgayBatDau', 'NgayKetThucTheoQuyDinh'],
}

const present = (v: unknown) => v !== undefined && v !== null && v !== ''

function checkShape(record: unknown, shape: Shape, where: string): string | undefined {
  if (!isObject(record)) return `${where || 'Bản ghi'} không đúng cấu trúc (phải là đối tượng JSON)`
  const at = (key: string) => (where ? `${where}.${key}` : key)
  const ints = shape.ints ?? []
  for (const key of Object.keys(record)) {
    if (!shape.fields.includes(key) && !ints.includes(key) && !(shape.lists && key in shape.lists)) return `Trường ${at(key)} không được hỗ trợ`
  }
  for (const key of shape.required) if (!present(record[key])) return `Thiếu thông tin bắt buộc: ${at(key)}`
  for (const key of shape.fields) {
    const v = record[key]
    if (v !== undefined && v !== null && typeof v !== 'string') return `Trường ${at(key)} phải là chuỗi ký tự`
  }
  for (const key of ints) {
    const v = record[key]
    if (v !== undefined && v !== null && !Number.isInteger(v)) return `Trường ${at(key)} phải là số nguyên`
  }
  for (const key of shape.dates) {
    const v = record[key]
    if (present(v) && !isPortalDate(String(v))) return `Trường ${at(key)} không đúng định dạng yyyyMMddHHmmss`
  }
  for (const [key, allowed] of Object.entries(shape.codes ?? {})) {
    const v = record[key]
    if (present(v) && !allowed.includes(String(v))) return `Trường ${at(key)} không hợp lệ (giá trị cho phép: ${allowed.join(', ')})`
  }
  for (const [key, item] of Object.entries(shape.lists ?? {})) {
    const v = record[key]
    if (v === undefined || v === null) continue
    if (!Array.isArray(v)) return `Trường ${at(key)} phải là danh sách`
    for (let i = 0; i < v.length; i++) {
      const problem = checkShape(v[i], item, `${at(key)}[${i}]`)
      if (problem) return problem
    }
  }
  return undefined
}

function codeIn(v: unknown, min: number, max: number): boolean {
  const s = typeof v === 'string' ? v.trim() : ''
  return /^\d{1,2}$/.test(s) && Number(s) >= min && Number(s) <= max
}

/** An ID paper number that matches its kind: 12 digits for a personal ID, 9 for an old card. */
function checkIds(r: Json): string | undefined {
  const ids = (r['DinhDanhCHS'] ?? []) as Json[]
  for (const [i, id] of ids.entries()) {
    const digits = id['LoaiDinhDanh'] === '1' ? 12 : 9
    if (!new RegExp(`^[0-9]{${digits}}$`).test(String(id['SoDinhDanh']))) return `Trường DinhDanhCHS[${i}].SoDinhDanh không đúng loại định danh`
  }
  return undefined
}

/** One `DongBoHoSoMC` dossier. */
export function checkDossier(record: unknown, procedureExists: (code: string) => boolean): string | undefined {
  const problem = checkShape(record, DOSSIER, '')
  if (problem) return problem
  const r = record as Json
  if (!codeIn(r['TrangThaiHoSo'], 1, 10)) return 'Trường TrangThaiHoSo không hợp lệ (giá trị từ 1 đến 10)'
  const ids = checkIds(r)
  if (ids) return ids
  if (!procedureExists(String(r['MaTTHC']))) return 'Mã thủ tục hành chính (MaTTHC) không tồn tại trong danh mục TTHC của Cổng DVCQG'
  return undefined
}

/** One `CapNhatTienDoHoSoMC` entry (whether its dossier exists is the caller's check). */
export function checkProgress(record: unknown): string | undefined {
  const problem = checkShape(record, PROGRESS, '')
  if (problem) return problem
  const status = (record as Json)['TrangThai']
  if (present(status) && !codeIn(status, 1, 10)) return 'Trường TrangThai không hợp lệ (giá trị từ 1 đến 10)'
  return undefined
}
