/** Reading the population database's replies: the real shape (fixture), not found, faults, verify's yes/no. */
import t from 'tap'
import { readFileSync } from 'node:fs'
import { parseLookupResponse, parseVerifyResponse } from '../../../connectors/population/wire-reply.js'
import { UpstreamError } from '../../../src/upstream/errors.js'

const FIXTURE = readFileSync(new URL('./fixtures/lookup-reply.xml', import.meta.url), 'utf8')
const SOAP = 'http://schemas.xmlsoap.org/soap/envelope/'
const NS1 = 'http://www.mic.gov.vn/dancu/1.0'
const envelope = (body: string) => `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="${SOAP}"><soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`
const collection = (inner: string) => envelope(`<ns1:CongdanCollection xmlns:ns1="${NS1}">${inner}</ns1:CongdanCollection>`)
const ok = { status: 200, personalId: '062090001234' }

function failure(fn: () => unknown): { kind: string; upstreamCode: string | undefined; message: string } {
  try {
    fn()
  } catch (err) {
    if (err instanceof UpstreamError) return { kind: err.kind, upstreamCode: err.upstreamCode, message: err.message }
    throw err
  }
  throw new Error('expected an UpstreamError')
}

const ADDRESS = { provinceCode: '62', districtCode: '608', wardCode: '23284', country: 'VN' }
const HOME = 'SỐ 12 TRẦN HƯNG ĐẠO, PHƯỜNG QUYẾT THẮNG, THÀNH PHỐ KON TUM, TỈNH KON TUM'
const FATHER = { fullName: 'NGUYỄN VĂN BÌNH', personalId: '062060500321', oldIdNumber: '233000321', nationality: 'VN' }
/** The whole record the fixture holds, in schema order. */
const CITIZEN = {
  personalId: '062090001234',
  oldIdNumber: '233123456',
  fullName: 'NGUYỄN VĂN AN',
  dateOfBirth: '1990-05-15',
  gender: 'male',
  nationality: '',
  birthRegistrationPlace: { provinceCode: '62', districtCode: '608', wardCode: '23284', detail: 'PHƯỜNG QUYẾT THẮNG, THÀNH PHỐ KON TUM, TỈNH KON TUM', country: 'VN' },
  permanentAddress: { ...ADDRESS, detail: HOME },
  currentAddress: { ...ADDRESS, detail: HOME },
  hometown: { provinceCode: '62', districtCode: '608', wardCode: '23290', detail: 'XÃ ĐĂK CẤM, THÀNH PHỐ KON TUM, TỈNH KON TUM', country: 'VN' },
  maritalStatus: 'married',
  ethnicity: '01',
  religion: '00',
  bloodType: 'unknown',
  householdBookNumber: '620123456',
  householdHead: { fullName: 'NGUYỄN VĂN AN', personalId: '062090001234', oldIdNumber: '233123456', relationship: 'CH01' },
  father: FATHER,
  mother: { fullName: 'LÊ THỊ CÚC', personalId: '062163500456', oldIdNumber: '233000456', nationality: 'VN' },
  spouse: { fullName: 'TRẦN THỊ HOA', personalId: '062192504567', oldIdNumber: '233004567', nationality: 'VN' },
  guardian: FATHER,
}

t.test('a reply shaped exactly like the reference sample gives the whole record', async (t) => {
  const citizen = parseLookupResponse(FIXTURE, ok)
  t.strictSame(citizen, CITIZEN)
  t.strictSame(Object.keys(citizen!), Object.keys(CITIZEN), 'fields in schema order')
})

t.test('a 9-digit ID is matched against SoCMND', async (t) => {
  t.strictSame(parseLookupResponse(FIXTURE, { status: 200, personalId: '233123456' }), CITIZEN)
  t.match(failure(() => parseLookupResponse(FIXTURE, { status: 200, personalId: '233999999' })), { kind: 'bad_response', message: /not the one asked for/ })
})

t.test('no CongDan in the collection is not found', async (t) => {
  t.equal(parseLookupResponse(envelope(`<ns1:CongdanCollection xmlns:ns1="${NS1}"/>`), ok), null)
  t.equal(parseLookupResponse(collection(''), ok), null)
  t.equal(parseLookupResponse(collection('<ns1:CongDan/>'), ok), null)
})

t.test('the name is joined from the non-empty Ho, ChuDem and Ten', async (t) => {
  const record = (name: string) => collection(`<ns1:CongDan><ns1:SoDinhDanh>062090001234</ns1:SoDinhDanh><ns1:HoVaTen>${name}</ns1:HoVaTen><ns1:NgayThangNamSinh><ns1:Nam>1990</ns1:Nam></ns1:NgayThangNamSinh></ns1:CongDan>`)
  t.equal(parseLookupResponse(record('<ns1:Ho>NGUYỄN</ns1:Ho><ns1:ChuDem>VĂN</ns1:ChuDem><ns1:Ten>AN</ns1:Ten>'), ok)!.fullName, 'NGUYỄN VĂN AN')
  t.equal(parseLookupResponse(record('<ns1:Ho>NGUYỄN</ns1:Ho><ns1:ChuDem/><ns1:Ten>AN</ns1:Ten>'), ok)!.fullName, 'NGUYỄN AN')
  t.strictSame(parseLookupResponse(record('<ns1:Ten>Y HOA</ns1:Ten>'), ok), { personalId: '062090001234', fullName: 'Y HOA', dateOfBirth: '1990', gender: 'unknown', nationality: '', maritalStatus: 'unknown', ethnicity: '', religion: '', bloodType: 'unknown' })
  t.match(failure(() => parseLookupResponse(record('<ns1:Ho/><ns1:Ten/>'), ok)), { kind: 'bad_response', message: /HoVaTen is missing or empty/ })
})

t.test('NgayThangNam in yyyyMMdd or yyyy-MM-dd, else Nam; anything else is bad_response', async (t) => {
  const withDate = (date: string) => FIXTURE.replace(/<ns1:NgayThangNamSinh>[\s\S]*?<\/ns1:NgayThangNamSinh>/, `<ns1:NgayThangNamSinh>${date}</ns1:NgayThangNamSinh>`)
  t.equal(parseLookupResponse(withDate('<ns1:NgayThangNam>1990-05-15</ns1:NgayThangNam>'), ok)!.dateOfBirth, '1990-05-15')
  t.equal(parseLookupResponse(withDate('<ns1:Nam>1990</ns1:Nam><ns1:NgayThangNam/>'), ok)!.dateOfBirth, '1990')
  t.match(failure(() => parseLookupResponse(withDate('<ns1:NgayThangNam>15/05/1990</ns1:NgayThangNam>'), ok)), { kind: 'bad_response' })
  t.match(failure(() => parseLookupResponse(withDate('<ns1:NgayThangNam>19900231</ns1:NgayThangNam>'), ok)), { kind: 'bad_response', message: /calendar date/ })
})

t.test('a wrapper the real service never sends, another record or two records are bad_response', async (t) => {
  const wrapped = envelope(`<TraCuuThongTinCongDanResponse xmlns="http://dancuquocgia.bca"><ns1:CongdanCollection xmlns:ns1="${NS1}"/></TraCuuThongTinCongDanResponse>`)
  t.match(failure(() => parseLookupResponse(wrapped, ok)), { kind: 'bad_response', message: /no CongdanCollection in the SOAP body/ })
  t.match(failure(() => parseLookupResponse(FIXTURE, { status: 200, personalId: '062090009999' })), { kind: 'bad_response' })
  const two = FIXTURE.replace(/(<ns1:CongDan>[\s\S]*<\/ns1:CongDan>)/, '$1$1')
  t.match(failure(() => parseLookupResponse(two, ok)), { kind: 'bad_response', message: /2 CongDan records/ })
})

t.test('faults and broken replies', async (t) => {
  const fault = (code: string) => envelope(`<soapenv:Fault><faultcode>soapenv:${code}</faultcode><faultstring>062090001234 echoed</faultstring></soapenv:Fault>`)
  const client = failure(() => parseLookupResponse(fault('Client'), { ...ok, status: 500 }))
  t.match(client, { kind: 'rejected', upstreamCode: 'soap:Client' })
  t.notMatch(client.message, /062090001234/, 'faultstring is not copied')
  t.match(failure(() => parseLookupResponse(fault('Server'), { ...ok, status: 500 })), { kind: 'unavailable', upstreamCode: 'soap:Server' })
  t.match(failure(() => parseLookupResponse('<html>proxy error</html>', { ...ok, status: 500 })), { kind: 'unavailable' })
  t.match(failure(() => parseLookupResponse('<html>', ok)), { kind: 'bad_response' })
  t.match(failure(() => parseLookupResponse(FIXTURE.slice(0, 900), ok)), { kind: 'bad_response', message: /not well-formed/ })
  t.match(failure(() => parseLookupResponse(`<!DOCTYPE x [<!ENTITY a "b">]>${FIXTURE.slice(39)}`, ok)), { kind: 'bad_response', message: /DTD/ })
  t.match(failure(() => parseLookupResponse(collection(''), { ...ok, status: 502 })), { kind: 'unavailable' })
})

t.test('verify: yes or no from XacThucThongTinCongDanResponse', async (t) => {
  const reply = (inner: string) => envelope(`<dan:XacThucThongTinCongDanResponse xmlns:dan="http://dancuquocgia.bca">${inner}</dan:XacThucThongTinCongDanResponse>`)
  t.equal(parseVerifyResponse(reply('<dan:TonTai>true</dan:TonTai>'), { status: 200 }), true)
  t.equal(parseVerifyResponse(reply('<dan:TonTai>false</dan:TonTai>'), { status: 200 }), false)
  t.equal(parseVerifyResponse(reply('1'), { status: 200 }), true)
  t.equal(parseVerifyResponse(reply('0'), { status: 200 }), false)
  t.match(failure(() => parseVerifyResponse(reply('<dan:TonTai>maybe</dan:TonTai>'), { status: 200 })), { kind: 'bad_response' })
  t.match(failure(() => parseVerifyResponse(envelope('<Other/>'), { status: 200 })), { kind: 'bad_response', message: /no XacThucThongTinCongDanResponse/ })
})
