/**
 * Reading the registry's detail reply (wire.ts) from hand-written replies, and the simulator's
 * renderer agreeing with it for every sandbox enterprise.
 */
import t from 'tap'
import { isDeepStrictEqual } from 'node:util'
import { Value } from 'typebox/value'
import { Enterprise } from '../../../schemas/enterprise.js'
import { enterpriseStatusOf, enterpriseTypeOf, lookupPath, parseWireDate, readEnterpriseReply } from '../../../connectors/business-registry/wire.js'
import { renderEnterprise } from '../../../connectors/business-registry/simulator-registry.js'
import { sandboxEnterprises } from '../../../connectors/business-registry/sandbox-enterprises.js'

const opts = { bare404IsNotFound: false }
const read = (reply: unknown, code = '0100109106', status = 200, o = opts) =>
  readEnterpriseReply(Buffer.from(typeof reply === 'string' ? reply : JSON.stringify(reply)), status, code, o)
const value = (reply: unknown, code?: string, status?: number) => {
  const r = read(reply, code, status)
  if (!r.ok) throw new Error(`not ok: ${r.error.kind} ${r.error.message}`)
  return r.value
}
const failure = (reply: unknown, code?: string, status?: number, o = opts) => {
  const r = read(reply, code, status, o)
  return r.ok ? 'ok' : { kind: r.error.kind, message: r.error.message }
}

const FULL = {
  Data: {
    MainInformation: {
      ENTERPRISE_ID: 123456, ENTERPRISE_GDT_CODE: '0100109106', NAME: '  CÔNG TY CỔ PHẦN   THƯƠNG MẠI A ', NAME_F: 'A TRADING JOINT STOCK COMPANY', SHORT_NAME: 'A JSC',
      ENTERPRISE_TYPE_NAME: 'Công ty cổ phần', ENTERPRISE_STATUS_NAME: 'Đang hoạt động', FOUNDING_DATE: '2005-04-01T00:00:00', CAPITAL_AMOUNT: '15.000.000.000',
      ENTERPRISE_STATUS: '1', UNKNOWN_FIELD: { nested: true },
    },
    HOAdress: { AddressFullText: 'Số 1 phố B, Phường C, Quận D, Thành phố Hà Nội, Việt Nam', CityName: 'Thành phố Hà Nội', DistrictName: 'Quận D', WardName: 'Phường C', StreetNumber: 'Số 1' },
    Representatives: [
      { FULL_NAME: 'NGUYỄN VĂN A', POSITION_NAME: 'Tổng giám đốc', BIRTH_DATE: '1970-01-01', ID_NUMBER: '001070000001' },
      { FULL_NAME: 'TRẦN THỊ B', POSITION_NAME: '' },
      { FULL_NAME: '' },
    ],
  },
}

t.test('a full reply maps to the English record; unknown and personal wire fields are not passed on', async (t) => {
  t.strictSame(value(FULL), {
    code: '0100109106', name: 'CÔNG TY CỔ PHẦN   THƯƠNG MẠI A', foreignName: 'A TRADING JOINT STOCK COMPANY', shortName: 'A JSC',
    type: 'joint_stock', typeName: 'Công ty cổ phần', status: 'active', statusName: 'Đang hoạt động', statusCode: '1', foundingDate: '2005-04-01',
    headOfficeAddress: { fullText: 'Số 1 phố B, Phường C, Quận D, Thành phố Hà Nội, Việt Nam', province: 'Thành phố Hà Nội', district: 'Quận D', ward: 'Phường C' },
    representatives: [{ fullName: 'NGUYỄN VĂN A', position: 'Tổng giám đốc' }, { fullName: 'TRẦN THỊ B' }],
    charterCapitalVnd: 15_000_000_000,
  })
  t.ok(Value.Check(Enterprise, value(FULL)), 'valid against the Enterprise schema')
})

t.test('a minimal reply: only name and code; empty strings are absent; one representative object instead of a list', async (t) => {
  const minimal = { Data: { MainInformation: { NAME: 'DOANH NGHIỆP TƯ NHÂN X', ENTERPRISE_GDT_CODE: '0100109106', NAME_F: '', FOUNDING_DATE: null }, HOAdress: { AddressFullText: '' }, Representatives: { FULL_NAME: 'LÊ VĂN C' } } }
  t.strictSame(value(minimal), { code: '0100109106', name: 'DOANH NGHIỆP TƯ NHÂN X', type: 'other', status: 'other', representatives: [{ fullName: 'LÊ VĂN C' }] })
  const noExtras = { Data: { MainInformation: { NAME: 'X', ENTERPRISE_GDT_CODE: '0100109106' } } }
  t.strictSame(value(noExtras), { code: '0100109106', name: 'X', type: 'other', status: 'other', representatives: [] })
  t.strictSame(value({ Data: [noExtras.Data] }), value(noExtras), 'Data as a one-item list')
  t.strictSame(value({ Data: { ...noExtras.Data, HOAddress: { AddressFullText: 'Z' } } })?.headOfficeAddress, { fullText: 'Z' }, 'HOAddress spelling accepted too')
})

t.test('a branch: the code answered with or without its hyphen; the record carries the code asked for and its head office', async (t) => {
  for (const answered of ['0312345673-001', '0312345673001']) {
    const r = value({ Data: { MainInformation: { NAME: 'CHI NHÁNH Y', ENTERPRISE_GDT_CODE: answered, ENTERPRISE_TYPE_NAME: 'Chi nhánh' } } }, '0312345673-001')
    t.strictSame(r, { code: '0312345673-001', parentCode: '0312345673', name: 'CHI NHÁNH Y', type: 'branch', typeName: 'Chi nhánh', status: 'other', representatives: [] }, answered)
  }
})

t.test('not found is null: empty Data, null or empty MainInformation, and a 404 carrying the envelope', async (t) => {
  for (const reply of [{ Data: null }, { Data: {} }, { Data: [] }, { Data: { MainInformation: null, HOAdress: null, Representatives: [] } }, { Data: { MainInformation: {} } }]) {
    t.equal(value(reply), null, JSON.stringify(reply))
  }
  t.equal(value({ Data: null, Message: 'Không tìm thấy' }, undefined, 404), null, '404 with Data: null')
})

t.test('a 404 without the envelope is `rejected` (a wrong path), unless bare404IsNotFound', async (t) => {
  for (const body of ['Not Found', '{"code":"404","message":"Not Found"}', '']) {
    t.match(failure(body, undefined, 404), { kind: 'rejected', message: /HTTP 404 without its reply envelope: check baseUrl and paths\.lookup/ }, JSON.stringify(body))
    const r = read(body, undefined, 404, { bare404IsNotFound: true })
    t.strictSame(r, { ok: true, value: null }, `${JSON.stringify(body)} with bare404IsNotFound`)
  }
})

t.test('malformed replies are `bad_response`, with messages that name fields, never values', async (t) => {
  const main = (m: Record<string, unknown>) => ({ Data: { MainInformation: { NAME: 'CÔNG TY TNHH BÍ MẬT', ENTERPRISE_GDT_CODE: '0100109106', ...m } } })
  const cases: Array<[unknown, RegExp]> = [
    ['{"Data":{"MainInformation":{"NAME":"CÔNG TY', /not JSON/],
    ['[]', /neither Data nor Status/],
    ['{"data":{}}', /neither Data nor Status/],
    ['"Data"', /neither Data nor Status/],
    [{ Data: 'x' }, /Data is not an object/],
    [{ Data: { MainInformation: 'x' } }, /MainInformation is not an object/],
    [main({ NAME: '' }), /NAME is missing/],
    [main({ NAME: { vi: 'A' } }), /NAME is not text/],
    [main({ ENTERPRISE_GDT_CODE: undefined }), /ENTERPRISE_GDT_CODE is missing/],
    [main({ ENTERPRISE_GDT_CODE: '0100233488' }), /another enterprise code/],
    [main({ FOUNDING_DATE: '31/02/2005' }), /FOUNDING_DATE is not a date/],
    [main({ FOUNDING_DATE: 'hôm qua' }), /FOUNDING_DATE is not a date/],
    [{ Data: { MainInformation: { NAME: 'A', ENTERPRISE_GDT_CODE: '0100109106' }, HOAdress: 'Hà Nội' } }, /HOAdress is not an object/],
    [{ Data: { MainInformation: { NAME: 'A', ENTERPRISE_GDT_CODE: '0100109106' }, Representatives: ['NGUYỄN VĂN A'] } }, /Representatives item is not an object/],
    [{ Data: { MainInformation: { NAME: 'A', ENTERPRISE_GDT_CODE: '0100109106' }, Representatives: [{ FULL_NAME: ['NGUYỄN VĂN A'] }] } }, /FULL_NAME is not text/],
  ]
  for (const [reply, message] of cases) {
    const f = failure(reply)
    t.match(f, { kind: 'bad_response', message }, String(message))
    if (f !== 'ok') t.notOk(/BÍ MẬT|NGUYỄN|0100233488/.test(f.message), 'no value in the message')
  }
  const invalidUtf8 = readEnterpriseReply(Buffer.from([0x7b, 0x22, 0x44, 0x61, 0x74, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]), 200, '0100109106', opts)
  t.match(invalidUtf8, { ok: false, error: { kind: 'bad_response', message: /not JSON/ } }, 'invalid UTF-8 is refused, not replaced')
})

t.test('FOUNDING_DATE formats; with an offset the date is the one in Vietnam', async (t) => {
  const cases: Array<[string, string | undefined]> = [
    ['2005-04-01', '2005-04-01'], ['2005-04-01T00:00:00', '2005-04-01'], ['2005-04-01T00:00:00.000', '2005-04-01'], ['2005-04-01 00:00:00', '2005-04-01'],
    ['2005-03-31T17:00:00Z', '2005-04-01'], ['2005-04-01T00:00:00+07:00', '2005-04-01'], ['2005-04-01T00:00:00+0700', '2005-04-01'],
    ['01/04/2005', '2005-04-01'], ['20050401', '2005-04-01'], ['/Date(1112288400000)/', '2005-04-01'], ['/Date(1112288400000+0700)/', '2005-04-01'],
    ['2005-02-29', undefined], ['29/02/2005', undefined], ['2005-13-01', undefined], ['1/4/2005', undefined], ['2005-04-01T25:00:00Z', undefined], ['', undefined],
  ]
  for (const [wire, date] of cases) t.equal(parseWireDate(wire), date, wire)
  t.equal(parseWireDate('2004-02-29'), '2004-02-29', 'a leap day')
})

t.test('CAPITAL_AMOUNT: whole VND numbers or digit strings with separators; anything else is left out', async (t) => {
  const capital = (v: unknown) => value({ Data: { MainInformation: { NAME: 'A', ENTERPRISE_GDT_CODE: '0100109106', CAPITAL_AMOUNT: v } } })?.charterCapitalVnd
  t.equal(capital(5_000_000_000), 5_000_000_000)
  t.equal(capital('5000000000'), 5_000_000_000)
  t.equal(capital('5.000.000.000'), 5_000_000_000)
  t.equal(capital('5,000,000,000'), 5_000_000_000)
  for (const v of [1.5, -1, '5.000.000,50', 'năm tỷ', '', null, true]) t.equal(capital(v), undefined, JSON.stringify(v))
})

t.test('legal form and status names map to English codes; unknown wording is `other`', async (t) => {
  const types: Array<[string, string]> = [
    ['Công ty trách nhiệm hữu hạn một thành viên', 'single_member_llc'], ['Công ty TNHH 1 thành viên', 'single_member_llc'],
    ['CÔNG TY TRÁCH NHIỆM HỮU HẠN HAI THÀNH VIÊN TRỞ LÊN', 'multi_member_llc'], ['Công ty TNHH 2 thành viên trở lên', 'multi_member_llc'],
    ['Công ty cổ phần', 'joint_stock'], ['Doanh nghiệp tư nhân', 'private_enterprise'], ['Công ty hợp danh', 'partnership'],
    ['Hợp tác xã', 'cooperative'], ['Doanh nghiệp nhà nước', 'state_owned'], ['Chi nhánh', 'branch'], ['Chi nhánh công ty cổ phần', 'branch'],
    ['Văn phòng đại diện', 'representative_office'], ['Địa điểm kinh doanh', 'business_location'], ['Quỹ đầu tư', 'other'],
  ]
  for (const [name, type] of types) t.equal(enterpriseTypeOf(name), type, name)
  const statuses: Array<[string, string]> = [
    ['Đang hoạt động', 'active'], ['  ĐANG  HOẠT ĐỘNG ', 'active'], ['Tạm ngừng kinh doanh có thời hạn', 'suspended'], ['Đang làm thủ tục giải thể', 'dissolving'],
    ['Đã giải thể', 'dissolved'], ['Đã phá sản', 'bankrupt'], ['Bị thu hồi Giấy chứng nhận đăng ký doanh nghiệp', 'certificate_revoked'],
    ['Không còn hoạt động kinh doanh tại địa chỉ đã đăng ký', 'not_at_registered_address'], ['Sáp nhập', 'other'],
  ]
  for (const [name, status] of statuses) t.equal(enterpriseStatusOf(name), status, name)
  t.equal(enterpriseTypeOf(undefined), 'other')
  t.equal(enterpriseStatusOf(undefined), 'other')
})

t.test('lookupPath puts the code in msdn', async (t) => {
  t.equal(lookupPath('/chiTietDoanhNghiep', '0312345673-001'), '/chiTietDoanhNghiep?msdn=0312345673-001')
  t.equal(lookupPath('/apiDKKD/DoanhNghiep/chiTietDoanhNghiep', '0100109106'), '/apiDKKD/DoanhNghiep/chiTietDoanhNghiep?msdn=0100109106')
})

t.test('every sandbox enterprise survives the simulator renderer and the connector reader unchanged', async (t) => {
  const all = sandboxEnterprises()
  t.ok(all.length >= 500, `${all.length} enterprises`)
  const broken = all.filter((e, i) => {
    const r = readEnterpriseReply(Buffer.from(JSON.stringify(renderEnterprise(e, i))), 200, e.code, opts)
    return !r.ok || !isDeepStrictEqual(r.value, e) || !Value.Check(Enterprise, r.value)
  })
  t.strictSame(broken.map((e) => e.code), [])
})

t.test('the Status/Message envelope: "0" with a Message and no record is not found, not bad_response', async (t) => {
  t.equal(value({ Data: null, DataCount: 0, Status: '0', Message: 'Không tìm thấy thông tin doanh nghiệp' }), null)
  t.equal(value({ Status: '0', Message: 'Không tìm thấy thông tin doanh nghiệp' }), null)
  t.equal(value({ Data: { MainInformation: null }, DataCount: 0, Status: '0', Message: 'x' }), null)
  t.match(value({ ...FULL, DataCount: 1, Status: '1', Message: 'Thành công' }), { code: '0100109106', name: 'CÔNG TY CỔ PHẦN   THƯƠNG MẠI A' })
})

t.test('ENTERPRISE_STATUS_ID/_NAME (OCN) or ENTERPRISE_STATUS (QB); LEGAL_NAMES when Representatives names nobody; Member[]', async (t) => {
  const main = { ENTERPRISE_GDT_CODE: '0100109106', NAME: 'CÔNG TY TNHH B' }
  t.match(value({ Data: { MainInformation: { ...main, ENTERPRISE_STATUS_ID: '04', ENTERPRISE_STATUS_NAME: 'Đã giải thể' } } }), { status: 'dissolved', statusName: 'Đã giải thể', statusCode: '04' })
  t.match(value({ Data: { MainInformation: { ...main, ENTERPRISE_STATUS: 'Tạm ngừng kinh doanh' } } }), { status: 'suspended', statusName: 'Tạm ngừng kinh doanh' })
  t.match(value({ Data: { MainInformation: { ...main, ENTERPRISE_STATUS: '2' } } }), { status: 'other', statusCode: '2' })
  t.strictSame(value({ Data: { MainInformation: { ...main, LEGAL_NAMES: 'NGUYỄN VĂN A; TRẦN THỊ B;' }, Representatives: [] } })!.representatives, [{ fullName: 'NGUYỄN VĂN A' }, { fullName: 'TRẦN THỊ B' }])
  t.strictSame(value({ Data: { MainInformation: { ...main, LEGAL_NAMES: 'X' }, Representatives: [{ FULL_NAME: 'LÊ C' }] } })!.representatives, [{ fullName: 'LÊ C' }])
  const members = [{ MEMBER_NAME: 'NGUYỄN VĂN A', AMOUNT: 1200000000.5, RATIO_PERCENT: '60', COUNTRY: 'Việt Nam' }, { MEMBER_NAME: 'TRẦN THỊ B', AMOUNT: null, RATIO_PERCENT: 'n/a' }, { MEMBER_NAME: '' }]
  t.strictSame(value({ Data: { MainInformation: main, Member: members } })!.members, [
    { name: 'NGUYỄN VĂN A', capitalVnd: 1200000000.5, ratioPercent: 60, country: 'Việt Nam' },
    { name: 'TRẦN THỊ B' },
  ])
  t.match(failure({ Data: { MainInformation: main, Member: ['x'] } }), { kind: 'bad_response', message: /Member item is not an object/ })
})
