import t from 'tap'
import { parseLookupResponse, parseVerifyResponse } from '../../../connectors/population/wire.js'
import { UpstreamError } from '../../../src/upstream/errors.js'

const SOAP = 'http://schemas.xmlsoap.org/soap/envelope/'
const envelope = (body: string) =>
  `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="${SOAP}"><soap:Body>${body}</soap:Body></soap:Envelope>`
const lookupReply = (inner: string) => envelope(`<TraCuuThongTinCongDanResponse xmlns="http://dancuquocgia.bca"><MaYeuCau>req-1</MaYeuCau>${inner}</TraCuuThongTinCongDanResponse>`)
const verifyReply = (inner: string) => envelope(`<XacThucThongTinCongDanResponse xmlns="http://dancuquocgia.bca"><MaYeuCau>req-1</MaYeuCau>${inner}</XacThucThongTinCongDanResponse>`)
const ok = { status: 200, personalId: '062090001234', serviceCode: '1.000123' }

/** A full record as the reference describes it, pretty-printed the way a .NET service would. */
const FULL_RECORD = `
  <CongdanCollection>
    <CongDan>
      <SoDinhDanh>062090001234</SoDinhDanh>
      <SoCMND>233123456</SoCMND>
      <HoVaTen><Ten>Nguyễn Văn An</Ten></HoVaTen>
      <NgayThangNamSinh><NgayThangNam>19900515</NgayThangNam></NgayThangNamSinh>
      <GioiTinh>1</GioiTinh>
      <QuocTich>VN</QuocTich>
      <DanToc>01</DanToc>
      <TonGiao>00</TonGiao>
      <NhomMau>04</NhomMau>
      <TinhTrangHonNhan>2</TinhTrangHonNhan>
      <ThuongTru><MaTinhThanh>62</MaTinhThanh><MaQuanHuyen>608</MaQuanHuyen><MaPhuongXa>23284</MaPhuongXa><ChiTiet>Số 12, đường Trần Hưng Đạo &amp; tổ 3</ChiTiet></ThuongTru>
      <NoiOHienTai><MaTinhThanh>62</MaTinhThanh><MaPhuongXa>23284</MaPhuongXa><ChiTiet>Số 12, đường Trần Hưng Đạo</ChiTiet></NoiOHienTai>
      <QueQuan><MaTinhThanh>62</MaTinhThanh><ChiTiet>xã Đăk Cấm</ChiTiet></QueQuan>
      <SoSoHoKhau>620123456</SoSoHoKhau>
      <ChuHo><HoVaTen><Ten>Nguyễn Văn An</Ten></HoVaTen><SoDinhDanh>062090001234</SoDinhDanh></ChuHo>
      <Cha><HoVaTen><Ten>Nguyễn Văn Bình</Ten></HoVaTen><SoDinhDanh>062060500321</SoDinhDanh><QuocTich>VN</QuocTich></Cha>
      <Me><HoVaTen>Lê Thị Cúc</HoVaTen><SoCMND>033000456</SoCMND><QuocTich>VN</QuocTich></Me>
      <VoChong><HoVaTen><Ten>Trần Thị Hoa</Ten></HoVaTen><SoDinhDanh>062192504567</SoDinhDanh><QuocTich>VN</QuocTich></VoChong>
    </CongDan>
  </CongdanCollection>`

/** Runs `fn`, returns the UpstreamError's kind, code and message (or fails the test). */
function failure(fn: () => unknown): { kind: string; upstreamCode: string | undefined; message: string } {
  try {
    fn()
  } catch (err) {
    if (err instanceof UpstreamError) return { kind: err.kind, upstreamCode: err.upstreamCode, message: err.message }
    throw err
  }
  throw new Error('expected an UpstreamError')
}

t.test('a full record maps to the whole English Citizen', async (t) => {
  t.strictSame(parseLookupResponse(lookupReply(FULL_RECORD), ok), {
    personalId: '062090001234',
    oldIdNumber: '233123456',
    fullName: 'Nguyễn Văn An',
    dateOfBirth: '1990-05-15',
    gender: 'male',
    nationality: 'VN',
    ethnicity: '01',
    religion: '00',
    bloodType: 'O',
    maritalStatus: 'married',
    permanentAddress: { provinceCode: '62', districtCode: '608', wardCode: '23284', detail: 'Số 12, đường Trần Hưng Đạo & tổ 3' },
    currentAddress: { provinceCode: '62', wardCode: '23284', detail: 'Số 12, đường Trần Hưng Đạo' },
    hometown: { provinceCode: '62', detail: 'xã Đăk Cấm' },
    householdBookNumber: '620123456',
    householdHead: { fullName: 'Nguyễn Văn An', personalId: '062090001234' },
    father: { fullName: 'Nguyễn Văn Bình', personalId: '062060500321', nationality: 'VN' },
    mother: { fullName: 'Lê Thị Cúc', oldIdNumber: '033000456', nationality: 'VN' },
    spouse: { fullName: 'Trần Thị Hoa', personalId: '062192504567', nationality: 'VN' },
  })
})

t.test('a minimal year-only record: codes the upstream left out become unknown/empty', async (t) => {
  const xml = lookupReply(`<CongdanCollection><CongDan><SoDinhDanh>001301000567</SoDinhDanh><HoVaTen><Ten>Trần Thị Bình</Ten></HoVaTen>
    <NgayThangNamSinh><Nam>2001</Nam></NgayThangNamSinh><GioiTinh>2</GioiTinh><NhomMau>00</NhomMau><TinhTrangHonNhan>3</TinhTrangHonNhan></CongDan></CongdanCollection>`)
  t.strictSame(parseLookupResponse(xml, { ...ok, personalId: '001301000567' }), {
    personalId: '001301000567', fullName: 'Trần Thị Bình', dateOfBirth: '2001', gender: 'female',
    nationality: '', ethnicity: '', religion: '', bloodType: 'unknown', maritalStatus: 'divorced_or_widowed',
  })
})

t.test('leading zeros survive: values are never parsed as numbers', async (t) => {
  const xml = lookupReply(`<CongdanCollection><CongDan><SoDinhDanh>001000000001</SoDinhDanh><SoCMND>000123456</SoCMND><HoVaTen><Ten>1e3</Ten></HoVaTen>
    <NgayThangNamSinh><NgayThangNam>19000101</NgayThangNam></NgayThangNamSinh><DanToc>01</DanToc></CongDan></CongdanCollection>`)
  const c = parseLookupResponse(xml, { ...ok, personalId: '001000000001' })
  t.strictSame([c?.personalId, c?.oldIdNumber, c?.fullName, c?.ethnicity], ['001000000001', '000123456', '1e3', '01'])
})

t.test('an empty collection is "not found" (null)', async (t) => {
  t.equal(parseLookupResponse(lookupReply('<CongdanCollection/>'), ok), null)
  t.equal(parseLookupResponse(lookupReply('<CongdanCollection></CongdanCollection>'), ok), null)
  t.equal(parseLookupResponse(lookupReply('<CongdanCollection>\n  </CongdanCollection>'), ok), null)
})

t.test('an ASMX-style <Op>Result wrapper and a success code 000 are accepted', async (t) => {
  const xml = lookupReply(`<TraCuuThongTinCongDanResult><MaLoi>000</MaLoi>${FULL_RECORD}</TraCuuThongTinCongDanResult>`)
  t.equal(parseLookupResponse(xml, ok)?.personalId, '062090001234')
})

t.test('upstream error codes become rejected with the upstream code', async (t) => {
  t.strictSame(failure(() => parseLookupResponse(lookupReply('<MaLoi>004</MaLoi><MoTaLoi>Chưa cấp quyền</MoTaLoi>'), ok)), {
    kind: 'rejected',
    upstreamCode: '004',
    message: 'The population database refused: procedure not licensed to use it (004). Ask the DB operator to license the MaDVC "1.000123" for this integration, or correct connectors.population.serviceCode.',
  })
  const officer = failure(() => parseVerifyResponse(verifyReply('<MaLoi>005</MaLoi>'), ok))
  t.strictSame([officer.kind, officer.upstreamCode], ['rejected', '005'])
  t.match(officer.message, /officer.*\(005\)/)
  t.strictSame(failure(() => parseLookupResponse(lookupReply('<MaLoi>017</MaLoi><MoTaLoi>062090001234 sai</MoTaLoi>'), ok)), {
    kind: 'rejected', upstreamCode: '017', message: 'The population database refused the request with error code 017.',
  }, 'unknown code: named, and the description (which may echo personal data) is not copied')
})

t.test('SOAP faults: Client → rejected, Server → unavailable, never echoing faultstring', async (t) => {
  const fault = (code: string) => envelope(`<soap:Fault><faultcode>${code}</faultcode><faultstring>Bad 062090001234</faultstring></soap:Fault>`)
  const client = failure(() => parseLookupResponse(fault('soap:Client'), { ...ok, status: 500 }))
  t.strictSame([client.kind, client.upstreamCode], ['rejected', 'soap:Client'])
  t.notMatch(client.message, /062090001234/)
  t.strictSame(failure(() => parseLookupResponse(fault('Client'), { ...ok, status: 500 })).kind, 'rejected')
  t.strictSame(failure(() => parseLookupResponse(fault('s:Server'), { ...ok, status: 500 })).kind, 'unavailable')
  t.strictSame(failure(() => parseVerifyResponse(fault('soap:Server.Database'), { ...ok, status: 500 })).kind, 'unavailable')
  const detailed = envelope('<soap:Fault><faultcode>soap:Client</faultcode><detail><MaLoi>004</MaLoi></detail></soap:Fault>')
  t.strictSame(failure(() => parseLookupResponse(detailed, { ...ok, status: 500 })).upstreamCode, '004', 'a code in the fault detail wins')
})

t.test('a DOCTYPE or entity declaration is refused before parsing', async (t) => {
  const billionLaughs = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>` +
    lookupReply('<CongdanCollection><CongDan><SoDinhDanh>&lol2;</SoDinhDanh></CongDan></CongdanCollection>').replace(/^<\?xml[^>]*>/, '')
  t.strictSame(failure(() => parseLookupResponse(billionLaughs, ok)).kind, 'bad_response')
  const xxe = `<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${lookupReply('<CongdanCollection/>')}`
  t.match(failure(() => parseLookupResponse(xxe, ok)), { kind: 'bad_response', message: /DTD/ })
})

t.test('undeclared entities are left alone; only the XML ones and character references decode', async (t) => {
  const xml = lookupReply(`<CongdanCollection><CongDan><SoDinhDanh>062090001234</SoDinhDanh><HoVaTen><Ten>A &amp; B &#x1EC4; &#7876; &lol;</Ten></HoVaTen>
    <NgayThangNamSinh><Nam>1990</Nam></NgayThangNamSinh></CongDan></CongdanCollection>`)
  t.equal(parseLookupResponse(xml, ok)?.fullName, 'A & B Ễ Ễ &lol;')
})

t.test('malformed or unexpected documents are bad_response naming what is wrong', async (t) => {
  const cases: [string, string | Buffer, RegExp][] = [
    ['truncated', lookupReply(FULL_RECORD).slice(0, 300), /not well-formed/],
    ['not XML', 'hello', /not well-formed|Envelope/],
    ['no envelope', '<a/>', /Envelope/],
    ['wrong operation', verifyReply('<KetQuaXacThuc><KetQua>1</KetQua></KetQuaXacThuc>'), /no TraCuuThongTinCongDanResponse/],
    ['no collection', lookupReply(''), /no CongdanCollection/],
    ['no ID', lookupReply('<CongdanCollection><CongDan><HoVaTen><Ten>A</Ten></HoVaTen></CongDan></CongdanCollection>'), /CongDan\/SoDinhDanh is missing/],
    ['no date', lookupReply('<CongdanCollection><CongDan><SoDinhDanh>062090001234</SoDinhDanh><HoVaTen>A</HoVaTen></CongDan></CongdanCollection>'), /NgayThangNamSinh is missing/],
    ['bad date', lookupReply('<CongdanCollection><CongDan><SoDinhDanh>062090001234</SoDinhDanh><HoVaTen>A</HoVaTen><NgayThangNamSinh><NgayThangNam>19901315</NgayThangNam></NgayThangNamSinh></CongDan></CongdanCollection>'), /not a calendar date/],
    ['another citizen', lookupReply(FULL_RECORD.replace('<SoDinhDanh>062090001234</SoDinhDanh>\n', '<SoDinhDanh>062090009999</SoDinhDanh>\n')), /not the one asked for/],
    ['two records', lookupReply(FULL_RECORD.replace('</CongdanCollection>', FULL_RECORD.replace(/<\/?CongdanCollection>/g, '') + '</CongdanCollection>')), /2 CongDan records/],
    ['invalid UTF-8', Buffer.from([0x3c, 0x61, 0xff, 0x3e]), /UTF-8/],
    ['too deep', lookupReply(`${'<x>'.repeat(40)}${'</x>'.repeat(40)}<CongdanCollection/>`), /.+/],
  ]
  for (const [name, body, message] of cases) {
    t.match(failure(() => parseLookupResponse(body, ok)), { kind: 'bad_response', message }, name)
  }
})

t.test('an HTTP 500 that is not a SOAP fault is unavailable (crashed server, proxy page)', async (t) => {
  t.match(failure(() => parseLookupResponse('<html><body>500 Internal Server Error<br></body></html>', { ...ok, status: 500 })), { kind: 'unavailable' })
  t.match(failure(() => parseLookupResponse(lookupReply('<CongdanCollection/>'), { ...ok, status: 500 })), { kind: 'unavailable' })
})

t.test('verify replies map to domain field names', async (t) => {
  t.strictSame(parseVerifyResponse(verifyReply('<KetQuaXacThuc><KetQua>1</KetQua></KetQuaXacThuc>'), ok), { match: true, mismatches: [] })
  t.strictSame(parseVerifyResponse(verifyReply(`<KetQuaXacThuc><KetQua>0</KetQua><TruongKhongKhop>HoVaTen</TruongKhongKhop>
    <TruongKhongKhop>ThuongTru/MaPhuongXa</TruongKhongKhop><TruongKhongKhop>GioiTinh</TruongKhongKhop></KetQuaXacThuc>`), ok),
  { match: false, mismatches: ['fullName', 'permanentWardCode', 'gender'] })
  t.strictSame(parseVerifyResponse(verifyReply('<KetQuaXacThuc><KetQua>0</KetQua><TruongKhongKhop>SoDinhDanh</TruongKhongKhop></KetQuaXacThuc>'), ok),
    { match: false, mismatches: ['personalId'] })
  t.match(failure(() => parseVerifyResponse(verifyReply('<KetQuaXacThuc><KetQua>0</KetQua><TruongKhongKhop>NoiSinh</TruongKhongKhop></KetQuaXacThuc>'), ok)),
    { kind: 'bad_response', message: /unknown mismatched field "NoiSinh"/ })
  t.match(failure(() => parseVerifyResponse(verifyReply('<KetQuaXacThuc><KetQua>1</KetQua><TruongKhongKhop>HoVaTen</TruongKhongKhop></KetQuaXacThuc>'), ok)),
    { kind: 'bad_response' }, 'a match that lists mismatches is contradictory')
  t.match(failure(() => parseVerifyResponse(verifyReply('<KetQuaXacThuc><KetQua>yes</KetQua></KetQuaXacThuc>'), ok)), { kind: 'bad_response', message: /KetQua is not 0 or 1/ })
  t.match(failure(() => parseVerifyResponse(verifyReply(''), ok)), { kind: 'bad_response', message: /no KetQuaXacThuc/ })
})
