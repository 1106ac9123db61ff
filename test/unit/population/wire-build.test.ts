/** Building requests: the header block, SoCMND for old IDs, name and date formats, MaDonVi's position, escaping. */
import t from 'tap'
import { createHash } from 'node:crypto'
import { buildLookupRequest, buildVerifyRequest, normaliseName, type WireOptions } from '../../../connectors/population/wire.js'

const header = { requestId: 'req-1', serviceCode: 'G18-YT04', officerCode: 'cb0001.kontum' }
const AN = { personalId: '062090001234', fullName: 'Nguyễn  Văn An', dateOfBirth: '1990-05-15' }
const START = '<?xml version="1.0" encoding="utf-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:dan="http://dancuquocgia.bca"><soapenv:Header/><soapenv:Body>'
const END = '</soapenv:Body></soapenv:Envelope>'
const el = (name: string, value: string) => `<dan:${name}>${value}</dan:${name}>`
const doc = (op: string, ...fields: string[]) => `${START}<dan:${op}>${fields.join('')}</dan:${op}>${END}`
const opts = (o: Partial<WireOptions>): WireOptions => ({ nameFormat: 'ascii-compact', dateFormat: 'yyyyMMdd', agencyPosition: 'before-officer', ...o })

t.test('lookup: the whole document, header block first, MaTichHop 037', async (t) => {
  t.equal(buildLookupRequest(AN, header), doc('TraCuuThongTinCongDan',
    el('MaYeuCau', 'req-1'), el('MaDVC', 'G18-YT04'), el('MaTichHop', '037'), el('MaCanBo', 'cb0001.kontum'),
    el('SoDinhDanh', '062090001234'), el('HoVaTen', 'NGUYENVANAN'), el('NgayThangNamSinh', el('NgayThangNam', '19900515'))))
})

t.test('verify: the same identity elements, MaTichHop 003, nothing else', async (t) => {
  t.equal(buildVerifyRequest(AN, header), doc('XacThucThongTinCongDan',
    el('MaYeuCau', 'req-1'), el('MaDVC', 'G18-YT04'), el('MaTichHop', '003'), el('MaCanBo', 'cb0001.kontum'),
    el('SoDinhDanh', '062090001234'), el('HoVaTen', 'NGUYENVANAN'), el('NgayThangNamSinh', el('NgayThangNam', '19900515'))))
})

t.test('a 9-digit old ID goes in SoCMND instead of SoDinhDanh; a year alone in Nam', async (t) => {
  t.equal(buildLookupRequest({ personalId: '233123456', fullName: 'Lê Văn Cường', dateOfBirth: '1955' }, header), doc('TraCuuThongTinCongDan',
    el('MaYeuCau', 'req-1'), el('MaDVC', 'G18-YT04'), el('MaTichHop', '037'), el('MaCanBo', 'cb0001.kontum'),
    el('SoCMND', '233123456'), el('HoVaTen', 'LEVANCUONG'), el('NgayThangNamSinh', el('Nam', '1955'))))
})

t.test('MaDonVi before MaCanBo (the spec) or after it (as a peer sends it), when set', async (t) => {
  const withAgency = { ...header, agencyCode: '000.00.00.H34' }
  const head = [el('MaYeuCau', 'req-1'), el('MaDVC', 'G18-YT04'), el('MaTichHop', '037')]
  const rest = [el('SoDinhDanh', '062090001234'), el('HoVaTen', 'NGUYENVANAN'), el('NgayThangNamSinh', el('NgayThangNam', '1990-05-15'))]
  t.equal(buildLookupRequest(AN, withAgency, opts({ dateFormat: 'yyyy-MM-dd' })),
    doc('TraCuuThongTinCongDan', ...head, el('MaDonVi', '000.00.00.H34'), el('MaCanBo', 'cb0001.kontum'), ...rest))
  t.equal(buildLookupRequest(AN, withAgency, opts({ dateFormat: 'yyyy-MM-dd', agencyPosition: 'after-officer' })),
    doc('TraCuuThongTinCongDan', ...head, el('MaCanBo', 'cb0001.kontum'), el('MaDonVi', '000.00.00.H34'), ...rest))
})

t.test('MaYeuCau fits the spec\'s 40 characters: a longer request id goes as the first 40 hex digits of its SHA-256', async (t) => {
  const sent = (requestId: string) => /<dan:MaYeuCau>([^<]*)<\/dan:MaYeuCau>/.exec(buildLookupRequest(AN, { ...header, requestId }))?.[1]
  const uuid = '3f2b8c1e-5d4a-4e9b-9c7d-2a1b0c9d8e7f'
  const forty = 'r'.repeat(40)
  const long = `dossier-HS-000123.${'x'.repeat(46)}` // 64 characters, the longest x-request-id the API keeps
  t.strictSame([sent(uuid), sent(forty)], [uuid, forty], 'ids that fit are sent as they are')
  t.equal(sent(long), createHash('sha256').update(long).digest('hex').slice(0, 40))
  t.equal(sent(long), sent(long), 'the same id, the same MaYeuCau (retries keep it)')
  t.not(sent(long), sent(`${long.slice(0, 63)}y`), 'ids sharing their first 63 characters stay apart')
})

t.test('name formats as peers write HoVaTen', async (t) => {
  const name = '  Đỗ   Thị Ánh-Nguyệt '
  t.strictSame(['ascii-compact', 'ascii-upper', 'upper', 'as-typed'].map((f) => normaliseName(name, f as WireOptions['nameFormat'])),
    ['DOTHIANHNGUYET', 'DO THI ANH-NGUYET', 'ĐỖ THỊ ÁNH-NGUYỆT', 'Đỗ Thị Ánh-Nguyệt'])
  // Decomposed input (NFD) normalises the same.
  t.equal(normaliseName('Nguye\u0302\u0303n', 'upper'), 'NGUYỄN')
})

t.test('markup stays text; control characters XML cannot carry are dropped', async (t) => {
  const xml = buildLookupRequest({ ...AN, fullName: 'An</dan:HoVaTen><x>' }, { ...header, officerCode: 'cb<&>"\u0001' }, opts({ nameFormat: 'as-typed' }))
  t.match(xml, '<dan:MaCanBo>cb&lt;&amp;&gt;&quot;</dan:MaCanBo>')
  t.match(xml, '<dan:HoVaTen>An&lt;/dan:HoVaTen&gt;&lt;x&gt;</dan:HoVaTen>')
})
