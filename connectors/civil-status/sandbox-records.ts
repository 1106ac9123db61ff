/**
 * The sandbox register: fake entries in the database's own field names, keyed by their register
 * coordinates. The people match the population simulator's demo citizens
 * (connectors/population/README.md) so a procedure can consult both; every ID is fake.
 */
import type { Json } from './wire.js'

/** Coordinates of the sandbox entries, for docs and tests. */
export const SANDBOX_RECORDS = Object.freeze({
  birth: { kind: 'birth', officeCode: '23284', book: '01/1990', number: '125' },
  marriage: { kind: 'marriage', officeCode: '23284', book: '01/2015', number: '42' },
  death: { kind: 'death', officeCode: '23284', book: '01/2024', number: '7' },
} as const)

/** An office code the sandbox database does not know: queries naming it are refused (status 0). */
export const UNKNOWN_OFFICE = '99999'

const KON_TUM = { maTinh: '62', maHuyen: '608', maXa: '23284' }

export function sandboxEntries(): Map<string, Json> {
  const key = (module: string, office: string, book: string, number: string) => `${module}|${office}|${book}|${number}`
  return new Map<string, Json>([
    [key('LTKS', '23284', '01/1990', '125'), {
      soDangKy: '125', quyenSo: '01/1990', trangSo: '63', ngayDangKy: '20/05/1990', ndkksMaTinh: '62', ndkksMaHuyen: '608', ndkksMaXa: '23284',
      soDinhDanh: '062090001234', nksHoTen: 'Nguyễn Văn An', nksGioiTinh: 1, nksNgaySinh: '15/05/1990', nksNgaySinhBangChu: 'Ngày mười lăm, tháng năm, năm một nghìn chín trăm chín mươi',
      nksDanToc: '01', nksQuocTich: 'VN', nksNoiSinh: { ...KON_TUM, dcChiTiet: 'Bệnh viện Đa khoa tỉnh Kon Tum' },
      meHoTen: 'Lê Thị Cúc', meSoGiayTo: '062163500456', chaHoTen: 'Nguyễn Văn Bình', chaSoGiayTo: '062060500321', nycHoTen: 'Nguyễn Văn Bình', nycQuanHe: 'Cha',
    }],
    [key('LTKH', '23284', '01/2015', '42'), {
      soDangKy: '42', quyenSo: '01/2015', trangSo: '21', ngayDangKy: '10/01/2015',
      chongHoTen: 'Nguyễn Văn An', chongNgaySinh: '15/05/1990', chongDanToc: '01', chongQuocTich: 'VN', chongSoGiayToTuyThan: '062090001234',
      voHoTen: 'Trần Thị Hoa', voNgaySinh: '02/09/1992', voDanToc: '01', voQuocTich: 'VN', voSoGiayToTuyThan: '062192504567',
    }],
    [key('LTKT', '23284', '01/2024', '7'), {
      soDangKy: '7', quyenSo: '01/2024', trangSo: '4', ngayDangKy: '12/03/2024',
      nktHoTen: 'Phạm Văn Đức', nktGioiTinh: 1, nktNgaySinh: '01/01/1940', nktDanToc: '01', nktQuocTich: 'VN', nktSoGiayTo: '062040000111',
      nktNgayChet: '08/03/2024', nktNoiChet: { ...KON_TUM, dcChiTiet: 'Tại nhà' }, nktNguyenNhanChet: 'Già yếu', nycHoTen: 'Phạm Thị Lan', nycQuanHe: 'Con',
    }],
  ])
}
