/**
 * The simulator's enterprises: a few fixed demo enterprises (named in SANDBOX_ENTERPRISES and
 * the README) plus 560 generated ones and their branches from a seeded PRNG, so every start,
 * every machine and every test sees the same registry. All data is fake. Codes have valid check
 * digits and plausible tax-office prefixes (the prefix → province pairing is our assumption);
 * names, people and addresses are invented. Records are domain `Enterprise`s: the simulator
 * renders them in the wire format itself.
 */
import { enterpriseCheckDigit, type Enterprise, type EnterpriseStatus, type EnterpriseType, type Representative } from '../../schemas/enterprise.js'
import { DEFAULT_HEALTH_CODE } from './config.js'
import { createPrng } from '../../src/sim/prng.js'

export const SANDBOX_SEED = 2_004_2021
export const GENERATED_COUNT = 560

/** Named codes for docs and tests. `absent` is valid but held by nobody; the last two fail the check. */
export const SANDBOX_ENTERPRISES = Object.freeze({
  singleMemberLlc: '6101234566',
  jointStock: '0312345673',
  branch: '0312345673-001',
  multiMemberLlc: '0104567890',
  suspended: '6102345678',
  dissolved: '5905678908',
  absent: '6101111116',
  badCheckDigit: '0312345670',
  /** The first nine digits admit no check digit (Σ mod 11 = 0): invalid whatever the 10th digit. */
  noCheckDigit: '0110000010',
})

interface Province { prefix: string; name: string; upper: string; areas: ReadonlyArray<readonly [district: string, ward: string]>; streets: readonly string[] }
const PROVINCES: readonly Province[] = [
  { prefix: '01', name: 'Thành phố Hà Nội', upper: 'HÀ NỘI', areas: [['Quận Cầu Giấy', 'Phường Dịch Vọng'], ['Quận Đống Đa', 'Phường Láng Hạ'], ['Quận Hoàn Kiếm', 'Phường Hàng Bài'], ['Huyện Đông Anh', 'Xã Uy Nỗ']], streets: ['Trần Duy Hưng', 'Láng Hạ', 'Bà Triệu', 'Xuân Thủy', 'Cao Lỗ'] },
  { prefix: '02', name: 'Thành phố Hải Phòng', upper: 'HẢI PHÒNG', areas: [['Quận Ngô Quyền', 'Phường Máy Tơ'], ['Quận Lê Chân', 'Phường An Biên']], streets: ['Lạch Tray', 'Điện Biên Phủ', 'Tô Hiệu'] },
  { prefix: '03', name: 'Thành phố Hồ Chí Minh', upper: 'THÀNH PHỐ HỒ CHÍ MINH', areas: [['Quận 1', 'Phường Bến Nghé'], ['Quận 3', 'Phường Võ Thị Sáu'], ['Quận Bình Thạnh', 'Phường 25'], ['Thành phố Thủ Đức', 'Phường Thảo Điền']], streets: ['Nguyễn Huệ', 'Điện Biên Phủ', 'Nguyễn Thị Minh Khai', 'Xô Viết Nghệ Tĩnh', 'Quốc Hương'] },
  { prefix: '04', name: 'Thành phố Đà Nẵng', upper: 'ĐÀ NẴNG', areas: [['Quận Hải Châu', 'Phường Thạch Thang'], ['Quận Sơn Trà', 'Phường An Hải Bắc']], streets: ['Bạch Đằng', 'Trần Phú', 'Ngô Quyền'] },
  { prefix: '61', name: 'Tỉnh Kon Tum', upper: 'KON TUM', areas: [['Thành phố Kon Tum', 'Phường Quyết Thắng'], ['Thành phố Kon Tum', 'Xã Đăk Cấm'], ['Huyện Đăk Hà', 'Thị trấn Đăk Hà'], ['Huyện Ngọc Hồi', 'Thị trấn Plei Kần']], streets: ['Trần Hưng Đạo', 'Phan Đình Phùng', 'U Rê', 'Hùng Vương'] },
  { prefix: '59', name: 'Tỉnh Gia Lai', upper: 'GIA LAI', areas: [['Thành phố Pleiku', 'Phường Hội Thương'], ['Huyện Đăk Đoa', 'Thị trấn Đăk Đoa']], streets: ['Lê Lợi', 'Phạm Văn Đồng', 'Trường Chinh'] },
  { prefix: '60', name: 'Tỉnh Đắk Lắk', upper: 'ĐẮK LẮK', areas: [['Thành phố Buôn Ma Thuột', 'Phường Tân Lợi'], ['Huyện Cư M\'gar', 'Thị trấn Quảng Phú']], streets: ['Lê Duẩn', 'Nguyễn Tất Thành', 'Y Jút'] },
  { prefix: '58', name: 'Tỉnh Lâm Đồng', upper: 'LÂM ĐỒNG', areas: [['Thành phố Đà Lạt', 'Phường 1'], ['Thành phố Bảo Lộc', 'Phường Lộc Phát']], streets: ['Phan Đình Phùng', 'Trần Phú', 'Hai Bà Trưng'] },
]

interface Form { type: EnterpriseType; typeName: string; prefix: string; english?: string; short?: string; weight: number; positions: readonly string[] }
const FORMS: readonly Form[] = [
  { type: 'single_member_llc', typeName: 'Công ty trách nhiệm hữu hạn một thành viên', prefix: 'CÔNG TY TNHH MỘT THÀNH VIÊN', english: 'ONE MEMBER COMPANY LIMITED', short: 'CO., LTD', weight: 35, positions: ['Giám đốc', 'Chủ tịch công ty'] },
  { type: 'multi_member_llc', typeName: 'Công ty trách nhiệm hữu hạn hai thành viên trở lên', prefix: 'CÔNG TY TNHH', english: 'COMPANY LIMITED', short: 'CO., LTD', weight: 25, positions: ['Giám đốc', 'Chủ tịch Hội đồng thành viên', 'Phó Giám đốc'] },
  { type: 'joint_stock', typeName: 'Công ty cổ phần', prefix: 'CÔNG TY CỔ PHẦN', english: 'JOINT STOCK COMPANY', short: 'JSC', weight: 25, positions: ['Tổng giám đốc', 'Chủ tịch Hội đồng quản trị', 'Phó Tổng giám đốc'] },
  { type: 'private_enterprise', typeName: 'Doanh nghiệp tư nhân', prefix: 'DOANH NGHIỆP TƯ NHÂN', weight: 10, positions: ['Chủ doanh nghiệp'] },
  { type: 'partnership', typeName: 'Công ty hợp danh', prefix: 'CÔNG TY HỢP DANH', english: 'PARTNERSHIP', weight: 5, positions: ['Thành viên hợp danh', 'Thành viên hợp danh'] },
]
const STATUSES: ReadonlyArray<readonly [EnterpriseStatus, string, number]> = [
  ['active', 'Đang hoạt động', 80], ['suspended', 'Tạm ngừng kinh doanh có thời hạn', 6], ['dissolving', 'Đang làm thủ tục giải thể', 3],
  ['dissolved', 'Đã giải thể', 5], ['certificate_revoked', 'Bị thu hồi Giấy chứng nhận đăng ký doanh nghiệp', 2],
  ['not_at_registered_address', 'Không còn hoạt động kinh doanh tại địa chỉ đã đăng ký', 3], ['bankrupt', 'Đã phá sản', 1],
]
const SECTORS: ReadonlyArray<readonly [string, string]> = [
  ['THƯƠNG MẠI VÀ DỊCH VỤ', 'TRADING AND SERVICES'], ['XÂY DỰNG', 'CONSTRUCTION'], ['CÀ PHÊ', 'COFFEE'], ['NÔNG SẢN', 'AGRICULTURAL PRODUCTS'],
  ['VẬN TẢI', 'TRANSPORT'], ['CÔNG NGHỆ', 'TECHNOLOGY'], ['DU LỊCH', 'TOURISM'], ['ĐẦU TƯ PHÁT TRIỂN', 'INVESTMENT AND DEVELOPMENT'],
  ['THỦY ĐIỆN', 'HYDROPOWER'], ['CHẾ BIẾN GỖ', 'WOOD PROCESSING'], ['DƯỢC PHẨM', 'PHARMACEUTICAL'], ['THỰC PHẨM', 'FOOD'],
  ['XUẤT NHẬP KHẨU', 'IMPORT EXPORT'], ['KỸ THUẬT ĐIỆN', 'ELECTRICAL ENGINEERING'],
]
const BRANDS = ['HOÀNG LONG', 'PHÚ THÀNH', 'AN PHÁT', 'MINH ANH', 'ĐẠI VIỆT', 'TÂN PHÚ', 'NGỌC LINH', 'TRƯỜNG SƠN', 'SAO MAI', 'HƯNG THỊNH', 'KON KLOR', 'ĐĂK BLA', 'VIỆT TIẾN', 'THÀNH CÔNG', 'BÌNH MINH', 'HẢI ĐĂNG']
const SURNAMES = ['NGUYỄN', 'TRẦN', 'LÊ', 'PHẠM', 'HOÀNG', 'PHAN', 'VŨ', 'VÕ', 'ĐẶNG', 'BÙI', 'ĐỖ', 'HỒ', 'NGÔ', 'DƯƠNG']
const MIDDLE = ['VĂN', 'THỊ', 'ĐỨC', 'MINH', 'NGỌC', 'QUANG', 'THU', 'HỮU', 'THANH', 'XUÂN']
const GIVEN = ['AN', 'BÌNH', 'CƯỜNG', 'DŨNG', 'HÙNG', 'KHÁNH', 'LAN', 'LINH', 'MAI', 'NAM', 'PHÚC', 'QUÂN', 'SƠN', 'THẢO', 'TRANG', 'TUẤN', 'YẾN', 'HẢI']

/** Upper-case Vietnamese → ASCII, for foreign and short names. */
const ascii = (s: string) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/Đ/g, 'D').replace(/đ/g, 'd')

function fixed(): Enterprise[] {
  const kt = (ward: string, street: string): Enterprise['headOfficeAddress'] => ({ fullText: `Số ${street}, ${ward}, Thành phố Kon Tum, Tỉnh Kon Tum, Việt Nam`, province: 'Tỉnh Kon Tum', district: 'Thành phố Kon Tum', ward })
  return [
    {
      code: SANDBOX_ENTERPRISES.singleMemberLlc, name: 'CÔNG TY TNHH MỘT THÀNH VIÊN CÀ PHÊ NGỌC LINH', foreignName: 'NGOC LINH COFFEE ONE MEMBER COMPANY LIMITED', shortName: 'NGOC LINH COFFEE CO., LTD',
      type: 'single_member_llc', typeName: 'Công ty trách nhiệm hữu hạn một thành viên', status: 'active', statusName: 'Đang hoạt động', foundingDate: '2012-03-15',
      headOfficeAddress: kt('Phường Quyết Thắng', '45 đường Trần Hưng Đạo'), representatives: [{ fullName: 'NGUYỄN VĂN AN', position: 'Giám đốc' }], charterCapitalVnd: 5_000_000_000,
    },
    {
      code: SANDBOX_ENTERPRISES.jointStock, name: 'CÔNG TY CỔ PHẦN CÔNG NGHỆ SAO MAI', foreignName: 'SAO MAI TECHNOLOGY JOINT STOCK COMPANY', shortName: 'SAO MAI TECH JSC',
      type: 'joint_stock', typeName: 'Công ty cổ phần', status: 'active', statusName: 'Đang hoạt động', foundingDate: '2008-11-03',
      headOfficeAddress: { fullText: 'Tầng 12, số 72 đường Nguyễn Thị Minh Khai, Phường Võ Thị Sáu, Quận 3, Thành phố Hồ Chí Minh, Việt Nam', province: 'Thành phố Hồ Chí Minh', district: 'Quận 3', ward: 'Phường Võ Thị Sáu' },
      representatives: [{ fullName: 'TRẦN THỊ BÌNH', position: 'Chủ tịch Hội đồng quản trị' }, { fullName: 'LÊ MINH CƯỜNG', position: 'Tổng giám đốc' }, { fullName: 'PHẠM THU TRANG', position: 'Phó Tổng giám đốc' }],
      charterCapitalVnd: 120_000_000_000,
    },
    {
      code: SANDBOX_ENTERPRISES.branch, parentCode: SANDBOX_ENTERPRISES.jointStock, name: 'CHI NHÁNH CÔNG TY CỔ PHẦN CÔNG NGHỆ SAO MAI TẠI KON TUM',
      type: 'branch', typeName: 'Chi nhánh', status: 'active', statusName: 'Đang hoạt động', foundingDate: '2019-06-20',
      headOfficeAddress: kt('Phường Quyết Thắng', '8 đường Phan Đình Phùng'), representatives: [{ fullName: 'VÕ QUANG HẢI', position: 'Người đứng đầu chi nhánh' }],
    },
    {
      code: SANDBOX_ENTERPRISES.multiMemberLlc, name: 'CÔNG TY TNHH THƯƠNG MẠI VÀ DỊCH VỤ HOÀNG LONG', foreignName: 'HOANG LONG TRADING AND SERVICES COMPANY LIMITED', shortName: 'HOANG LONG CO., LTD',
      type: 'multi_member_llc', typeName: 'Công ty trách nhiệm hữu hạn hai thành viên trở lên', status: 'active', statusName: 'Đang hoạt động', foundingDate: '2025-08-12',
      // Registered after the 2025 reform: the address has no district.
      headOfficeAddress: { fullText: 'Số 18 phố Láng Hạ, Phường Láng, Thành phố Hà Nội, Việt Nam', province: 'Thành phố Hà Nội', ward: 'Phường Láng' },
      representatives: [{ fullName: 'ĐỖ THANH MAI', position: 'Giám đốc' }, { fullName: 'BÙI HỮU NAM', position: 'Chủ tịch Hội đồng thành viên' }], charterCapitalVnd: 2_000_000_000,
      members: [{ name: 'ĐỖ THANH MAI', capitalVnd: 1_200_000_000, ratioPercent: 60, country: 'Việt Nam' }, { name: 'BÙI HỮU NAM', capitalVnd: 800_000_000, ratioPercent: 40, country: 'Việt Nam' }],
    },
    {
      code: SANDBOX_ENTERPRISES.suspended, name: 'DOANH NGHIỆP TƯ NHÂN VẬN TẢI TRƯỜNG SƠN',
      type: 'private_enterprise', typeName: 'Doanh nghiệp tư nhân', status: 'suspended', statusName: 'Tạm ngừng kinh doanh có thời hạn', foundingDate: '2001-05-09',
      headOfficeAddress: kt('Xã Đăk Cấm', '3 thôn Kon Klor'), representatives: [{ fullName: 'HỒ VĂN SƠN', position: 'Chủ doanh nghiệp' }], charterCapitalVnd: 800_000_000,
    },
    {
      code: SANDBOX_ENTERPRISES.dissolved, name: 'CÔNG TY TNHH NÔNG SẢN ĐĂK ĐOA', foreignName: 'DAK DOA AGRICULTURAL PRODUCTS COMPANY LIMITED',
      type: 'multi_member_llc', typeName: 'Công ty trách nhiệm hữu hạn hai thành viên trở lên', status: 'dissolved', statusName: 'Đã giải thể', foundingDate: '1998-01-22',
      headOfficeAddress: { fullText: 'Số 27 đường Lê Lợi, Thị trấn Đăk Đoa, Huyện Đăk Đoa, Tỉnh Gia Lai, Việt Nam', province: 'Tỉnh Gia Lai', district: 'Huyện Đăk Đoa', ward: 'Thị trấn Đăk Đoa' },
      representatives: [],
    },
  ]
}

/** The full sandbox registry: fixed demo enterprises first, then generated ones, each head office followed by its branches. */
export function sandboxEnterprises(seed = SANDBOX_SEED, count = GENERATED_COUNT): Enterprise[] {
  const random = createPrng(seed)
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1))
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!
  const weighted = <T>(items: readonly T[], weight: (t: T) => number): T => {
    let r = random() * items.reduce((s, t) => s + weight(t), 0)
    for (const t of items) if ((r -= weight(t)) < 0) return t
    return items[items.length - 1]!
  }
  const out = fixed()
  const taken = new Set<string>([...Object.values(SANDBOX_ENTERPRISES), DEFAULT_HEALTH_CODE].map((c) => c.slice(0, 10)))
  const newCode = (prefix: string): string => {
    for (;;) {
      const nine = `${prefix}${int(1, 9_899_999).toString().padStart(7, '0')}`
      const check = enterpriseCheckDigit(nine)
      if (check !== undefined && !taken.has(`${nine}${check}`)) {
        taken.add(`${nine}${check}`)
        return `${nine}${check}`
      }
    }
  }
  const date = (fromYear: number, toYear: number) => `${int(fromYear, toYear)}-${String(int(1, 12)).padStart(2, '0')}-${String(int(1, 28)).padStart(2, '0')}`
  const person = (position: string): Representative => ({ fullName: `${pick(SURNAMES)} ${pick(MIDDLE)} ${pick(GIVEN)}`, position })
  const addressIn = (p: Province, founded: string): NonNullable<Enterprise['headOfficeAddress']> => {
    const [district, ward] = pick(p.areas)
    const street = `Số ${int(1, 320)} đường ${pick(p.streets)}`
    // Registrations after the 2025 reform carry no district.
    if (founded >= '2025-07-01') return { fullText: `${street}, ${ward}, ${p.name}, Việt Nam`, province: p.name, ward }
    return { fullText: `${street}, ${ward}, ${district}, ${p.name}, Việt Nam`, province: p.name, district, ward }
  }

  for (let i = 0; i < count; i++) {
    const province = pick(PROVINCES)
    const form = weighted(FORMS, (f) => f.weight)
    const [sector, sectorEn] = SECTORS[i % SECTORS.length]!
    const brand = BRANDS[Math.floor(i / SECTORS.length) % BRANDS.length]!
    // Beyond the sector × brand combinations, a place name keeps names distinct.
    const place = i >= SECTORS.length * BRANDS.length ? ` ${province.upper}` : ''
    const [status, statusName] = weighted(STATUSES, (s) => s[2])
    const foundingDate = date(1995, 2025)
    const code = newCode(province.prefix)
    const reps = form.positions.slice(0, int(1, form.positions.length)).map(person)
    const core = `${sector} ${brand}${place}`
    const enterprise: Enterprise = {
      code,
      name: `${form.prefix} ${core}`,
      ...(form.english !== undefined && { foreignName: `${ascii(`${brand}${place}`)} ${sectorEn} ${form.english}` }),
      ...(form.short !== undefined && random() < 0.6 && { shortName: `${ascii(brand)} ${form.short}` }),
      type: form.type, typeName: form.typeName, status, statusName, foundingDate,
      headOfficeAddress: addressIn(province, foundingDate),
      representatives: reps,
      ...(random() < 0.85 && { charterCapitalVnd: int(1, 500) * 100_000_000 }),
    }
    out.push(enterprise)
    // About one company in ten has one to three branches, numbered from 001, each in a province drawn anew.
    if (form.type !== 'private_enterprise' && random() < 0.1) {
      for (let b = 1, n = int(1, 3); b <= n; b++) {
        const where = pick(PROVINCES)
        const drawn = date(Number(foundingDate.slice(0, 4)), 2025)
        const branchDate = drawn < foundingDate ? foundingDate : drawn
        out.push({
          code: `${code}-${String(b).padStart(3, '0')}`, parentCode: code, name: `CHI NHÁNH ${enterprise.name} TẠI ${where.upper}`,
          type: 'branch', typeName: 'Chi nhánh', status, statusName, foundingDate: branchDate,
          headOfficeAddress: addressIn(where, branchDate), representatives: [person('Người đứng đầu chi nhánh')],
        })
      }
    }
  }
  return out.map(asRegistered)
}

/** The simulator's own status codes (ENTERPRISE_STATUS_ID values are not published; these are ours). */
export const SANDBOX_STATUS_IDS: Readonly<Record<EnterpriseStatus, string>> = {
  active: '1', suspended: '2', dissolving: '3', dissolved: '4', bankrupt: '5', certificate_revoked: '6', not_at_registered_address: '7', other: '9',
}

/** A record as the registry returns it: its status code, representatives by name only (no peer reads a position). */
function asRegistered(e: Enterprise): Enterprise {
  return { ...e, statusCode: SANDBOX_STATUS_IDS[e.status], representatives: e.representatives.map((r) => ({ fullName: r.fullName })) }
}
