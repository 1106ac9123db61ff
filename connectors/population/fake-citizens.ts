/**
 * The simulator's citizens: a few fixed demo citizens (documented in the README) plus 1,200
 * generated ones from a seeded PRNG, so every start, every machine and every test sees the same
 * people. All data is fake; IDs follow `PPP G YY NNNNNN` with published province codes and a
 * G+YY that agrees with the birth date. Administrative codes (district, ward) are made up.
 */
import type { Citizen } from '../../schemas/citizen.js'
import { PROVINCE_CODES } from '../../schemas/province-codes.js'
import { createPrng } from '../../src/sim/prng.js'

export const SANDBOX_SEED = 1613_2021
export const GENERATED_COUNT = 1200
/** Year the generator treats as "now" (ages, marital status); fixed so output never drifts. */
const REFERENCE_YEAR = 2025

type Person = Citizen
type Related = NonNullable<Citizen['father']>

/** `PPP G YY NNNNNN`: G is 0/1 (male/female) for the 1900s, 2/3 for the 2000s. */
export function makePersonalId(provinceCode: string, gender: 'male' | 'female', birthYear: number, sequence: number): string {
  const g = (birthYear >= 2000 ? 2 : 0) + (gender === 'female' ? 1 : 0)
  return `${provinceCode}${g}${String(birthYear % 100).padStart(2, '0')}${String(sequence).padStart(6, '0')}`
}

const SURNAMES = ['Nguyễn', 'Trần', 'Lê', 'Phạm', 'Hoàng', 'Huỳnh', 'Phan', 'Vũ', 'Võ', 'Đặng', 'Bùi', 'Đỗ', 'Hồ', 'Ngô', 'Dương', 'Lý', 'Đinh', 'Trương']
const MIDDLE = { male: ['Văn', 'Đức', 'Minh', 'Quang', 'Hữu', 'Công', 'Thành', 'Xuân'], female: ['Thị', 'Ngọc', 'Thu', 'Thanh', 'Kim', 'Mỹ', 'Hồng', 'Bích'] }
const GIVEN = {
  male: ['An', 'Bình', 'Cường', 'Dũng', 'Hùng', 'Khánh', 'Long', 'Nam', 'Phúc', 'Quân', 'Sơn', 'Thắng', 'Tuấn', 'Việt', 'Đạt', 'Hải', 'Lâm', 'Trí'],
  female: ['Anh', 'Chi', 'Dung', 'Giang', 'Hà', 'Hằng', 'Hoa', 'Lan', 'Linh', 'Mai', 'Nga', 'Oanh', 'Phương', 'Thảo', 'Trang', 'Yến', 'Ánh', 'Uyên'],
}
/** Central Highlands naming (Xơ Đăng, Ba Na, Gia Rai): a gender particle then one name. */
const HIGHLAND = { male: ['A Thút', 'A Blưu', 'A Đin', 'A Rưng', 'A Khâm', 'A Pót'], female: ['Y Liên', 'Y Hoa', 'Y Nga', 'Y Blăng', 'Y Hiên', 'Y Duẩn'] }
const STREETS = ['Trần Hưng Đạo', 'Lê Lợi', 'Nguyễn Huệ', 'Phan Đình Phùng', 'Bà Triệu', 'Hai Bà Trưng', 'Quang Trung', 'Lý Thường Kiệt', 'Trần Phú', 'U Rê', 'Phan Chu Trinh', 'Đào Duy Từ']
const VILLAGES = ['thôn Kon Klor', 'làng Plei Đôn', 'thôn Đăk Rơ Wa', 'thôn 3', 'thôn Tân Hương', 'làng Kon Rờ Bàng']
const BLOOD_TYPES = ['unknown', 'A', 'B', 'AB', 'O'] as const
const KON_TUM = '062'

// Fixed demo citizens (README § Demo citizens). Sequences below 500000 are DB citizens; related
// people use 500000+ so a parent's ID never collides with a generated citizen.
const DEMO: readonly Person[] = [
  {
    personalId: '062090001234', oldIdNumber: '233123456', fullName: 'Nguyễn Văn An', dateOfBirth: '1990-05-15', gender: 'male',
    nationality: 'VN', ethnicity: '01', religion: '00', bloodType: 'O' as Person['bloodType'], maritalStatus: 'married' as Person['maritalStatus'],
    permanentAddress: { provinceCode: '62', districtCode: '608', wardCode: '23284', detail: 'Số 12, đường Trần Hưng Đạo, tổ 3' },
    currentAddress: { provinceCode: '62', districtCode: '608', wardCode: '23284', detail: 'Số 12, đường Trần Hưng Đạo, tổ 3' },
    hometown: { provinceCode: '62', detail: 'xã Đăk Cấm, thành phố Kon Tum' },
    birthRegistrationPlace: { provinceCode: '62', districtCode: '608', wardCode: '23284', detail: 'phường Quyết Thắng, thành phố Kon Tum, tỉnh Kon Tum', country: 'VN' },
    householdBookNumber: '620123456',
    householdHead: { fullName: 'Nguyễn Văn An', personalId: '062090001234', oldIdNumber: '233123456', relationship: 'CH01' },
    father: { fullName: 'Nguyễn Văn Bình', personalId: '062060500321', nationality: 'VN' },
    mother: { fullName: 'Lê Thị Cúc', personalId: '062163500456', oldIdNumber: '233000456', nationality: 'VN' },
    spouse: { fullName: 'Trần Thị Hoa', personalId: '062192504567', nationality: 'VN' },
  },
  {
    personalId: '001301000567', fullName: 'Trần Thị Bình', dateOfBirth: '2001-11-02', gender: 'female',
    nationality: 'VN', ethnicity: '01', religion: '00', bloodType: 'A' as Person['bloodType'], maritalStatus: 'single' as Person['maritalStatus'],
    permanentAddress: { provinceCode: '01', wardCode: '00070', detail: 'Số 5, ngõ 12 phố Bà Triệu' },
    father: { fullName: 'Trần Văn Dũng', personalId: '001070500812', nationality: 'VN' },
    mother: { fullName: 'Phạm Thị Mai', personalId: '001174500913', nationality: 'VN' },
  },
  {
    personalId: '079055000089', oldIdNumber: '020345678', fullName: 'Lê Văn Cường', dateOfBirth: '1955', gender: 'male',
    nationality: 'VN', ethnicity: '01', religion: '01', bloodType: 'unknown' as Person['bloodType'], maritalStatus: 'divorced_or_widowed' as Person['maritalStatus'],
    permanentAddress: { provinceCode: '79', districtCode: '760', wardCode: '26734', detail: '45 đường Nguyễn Huệ' },
    householdBookNumber: '790045612',
  },
  {
    personalId: '062195004321', fullName: 'Y Hoa', dateOfBirth: '1995-03-08', gender: 'female',
    nationality: 'VN', ethnicity: '30', religion: '02', bloodType: 'B' as Person['bloodType'], maritalStatus: 'single' as Person['maritalStatus'],
    permanentAddress: { provinceCode: '62', districtCode: '610', wardCode: '23350', detail: 'làng Kon Rờ Bàng' },
    hometown: { provinceCode: '62', detail: 'làng Kon Rờ Bàng, xã Vinh Quang' },
    father: { fullName: 'A Blưu', nationality: 'VN' },
    mother: { fullName: 'Y Blăng', nationality: 'VN' },
  },
  {
    personalId: '062203000777', fullName: 'Phạm Minh Đức', dateOfBirth: '2003-07-20', gender: 'male',
    nationality: 'VN', ethnicity: '01', religion: '00', bloodType: 'AB' as Person['bloodType'], maritalStatus: 'single' as Person['maritalStatus'],
    permanentAddress: { provinceCode: '62', districtCode: '608', wardCode: '23290', detail: 'Số 8, đường Phan Chu Trinh' },
    householdBookNumber: '620777001',
    householdHead: { fullName: 'Phạm Văn Hải', personalId: '062075500778' },
    father: { fullName: 'Phạm Văn Hải', personalId: '062075500778', nationality: 'VN' },
    mother: { fullName: 'Đỗ Thị Lan', personalId: '062178500779', nationality: 'VN' },
  },
]

/** Deep copies of the fixed demo citizens. */
export function demoCitizens(): Citizen[] {
  return structuredClone(DEMO) as Citizen[]
}

function generator(seed: number) {
  const rand = createPrng(seed)
  const int = (min: number, max: number) => min + Math.floor(rand() * (max - min + 1))
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T
  const chance = (p: number) => rand() < p
  const provinces = Object.keys(PROVINCE_CODES)
  const digits = (n: number) => Array.from({ length: n }, () => int(0, 9)).join('')
  let relatedSequence = 500_000

  const name = (gender: 'male' | 'female', surname: string, highland: boolean) =>
    highland ? pick(HIGHLAND[gender]) : `${surname} ${pick(MIDDLE[gender])} ${pick(GIVEN[gender])}`

  const relatedPerson = (gender: 'male' | 'female', birthYear: number, fullName: string, province: string): Related => {
    const person: Related = { fullName }
    // Older relatives often hold only an old 9-digit CMND, or nothing we know of; nobody born
    // before 1925 is given a personal ID (they predate the 12-digit scheme's living population).
    if (birthYear >= 1925 && chance(0.75)) person.personalId = makePersonalId(province, gender, birthYear, relatedSequence++)
    if (birthYear < 1990 && chance(0.3)) person.oldIdNumber = digits(9)
    person.nationality = 'VN'
    return person
  }

  const address = (provinceCode: string): NonNullable<Citizen['permanentAddress']> => {
    const admin = String(Number(provinceCode)).padStart(2, '0')
    const highlandVillage = provinceCode === KON_TUM && chance(0.4)
    const detail = highlandVillage ? pick(VILLAGES) : `Số ${int(1, 250)}, đường ${pick(STREETS)}, tổ ${int(1, 20)}`
    // Districts were abolished in 2025; records updated since carry none.
    return chance(0.8)
      ? { provinceCode: admin, districtCode: String(int(1, 999)).padStart(3, '0'), wardCode: String(int(1, 32000)).padStart(5, '0'), detail }
      : { provinceCode: admin, wardCode: String(int(1, 32000)).padStart(5, '0'), detail }
  }

  return function generate(): Citizen {
    const gender = chance(0.5) ? 'male' : 'female'
    const birthYear = int(1935, 2020)
    // The hub's seed province (Kon Tum) is over-represented, as it would be in its own traffic.
    const province = chance(0.4) ? KON_TUM : pick(provinces)
    const highland = province === KON_TUM && chance(0.2)
    const surname = pick(SURNAMES)
    const month = int(1, 12)
    const day = int(1, new Date(Date.UTC(birthYear, month, 0)).getUTCDate())
    const yearOnly = chance(0.07)
    const age = REFERENCE_YEAR - birthYear
    const citizen: Citizen = {
      personalId: makePersonalId(province, gender, birthYear, int(1, 499_999)),
      fullName: name(gender, surname, highland),
      dateOfBirth: yearOnly ? String(birthYear) : `${birthYear}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`,
      gender,
      nationality: 'VN',
      ethnicity: highland ? pick(['30', '31', '32']) : chance(0.9) ? '01' : pick(['02', '04', '05']),
      religion: chance(0.75) ? '00' : pick(['01', '02', '03']),
      bloodType: pick(BLOOD_TYPES) as Citizen['bloodType'],
      maritalStatus: (age < 18 ? 'single' : pick(['single', 'married', 'married', 'married', 'divorced_or_widowed', 'unknown'])) as Citizen['maritalStatus'],
    }
    if (birthYear < 2000 && chance(0.5)) citizen.oldIdNumber = digits(9)
    const permanent = address(chance(0.7) ? province : pick(provinces))
    citizen.permanentAddress = permanent
    if (chance(0.8)) citizen.currentAddress = chance(0.7) ? { ...permanent } : address(pick(provinces))
    if (chance(0.6)) citizen.hometown = { provinceCode: String(Number(province)).padStart(2, '0'), detail: highland ? pick(VILLAGES) : `xã ${pick(GIVEN.male)} ${pick(['Tân', 'Phú', 'Hòa', 'An'])}` }
    if (chance(0.6)) citizen.householdBookNumber = digits(9)
    const fatherYear = birthYear - int(20, 40)
    const motherYear = birthYear - int(18, 38)
    const father = chance(0.9) ? relatedPerson('male', fatherYear, name('male', surname, highland), province) : undefined
    const mother = chance(0.92) ? relatedPerson('female', motherYear, name('female', pick(SURNAMES), highland), province) : undefined
    if (father && age < 30 && chance(0.7)) {
      const { nationality: _nationality, ...head } = father
      citizen.householdHead = head
    }
    // A minor's legal representative (NguoiDaiDien) is usually a parent.
    if (age < 18 && (father ?? mother) && chance(0.8)) citizen.guardian = { ...(father ?? mother)! }
    if (father) citizen.father = father
    if (mother) citizen.mother = mother
    if (citizen.maritalStatus === 'married') {
      const spouseGender = gender === 'male' ? 'female' : 'male'
      const spouseYear = Math.min(birthYear + int(-6, 6), REFERENCE_YEAR - 18)
      citizen.spouse = relatedPerson(spouseGender, spouseYear, name(spouseGender, pick(SURNAMES), highland), chance(0.8) ? province : pick(provinces))
    }
    return citizen
  }
}

/** `count` generated citizens from `seed`; IDs unique among themselves and the demo citizens. */
export function generateCitizens(count = GENERATED_COUNT, seed = SANDBOX_SEED): Citizen[] {
  const generate = generator(seed)
  const taken = new Set(DEMO.map((c) => c.personalId))
  const out: Citizen[] = []
  while (out.length < count) {
    const citizen = generate()
    if (taken.has(citizen.personalId)) continue
    taken.add(citizen.personalId)
    out.push(citizen)
  }
  return out
}

let cached: readonly Citizen[] | undefined

/** The sandbox population: demo citizens first, then the generated ones. Fresh copies each call. */
export function sandboxCitizens(): Citizen[] {
  cached ??= Object.freeze([...demoCitizens(), ...generateCitizens()])
  return structuredClone(cached) as Citizen[]
}
