import t from 'tap'
import { XMLParser } from 'fast-xml-parser'
import { buildLookupRequest, buildVerifyRequest, normaliseName } from '../../../connectors/population/wire.js'

const header = { requestId: 'req-1', serviceCode: '1.000123', integrationCode: '037', officerId: 'CB-0042' }
const lookup = { personalId: '062090001234', fullName: 'nguyễn văn an', dateOfBirth: '1990-05-15' }

// An independent reading of the built document: element order and text, namespaces kept as written.
const ordered = new XMLParser({ preserveOrder: true, ignoreAttributes: false, parseTagValue: false, trimValues: false })
type Node = Record<string, unknown>
const tagOf = (n: Node) => Object.keys(n).find((k) => k !== ':@')!

/** [name, text | children] of the operation element's children. */
function operationChildren(xml: string): { op: string; ns: unknown; fields: [string, unknown][] } {
  const doc = ordered.parse(xml) as Node[]
  const envelope = doc.find((n) => tagOf(n) === 'soap:Envelope')!
  const body = (envelope['soap:Envelope'] as Node[]).find((n) => tagOf(n) === 'soap:Body')!
  const opNode = (body['soap:Body'] as Node[])[0]!
  const op = tagOf(opNode)
  const simplify = (nodes: Node[]): unknown => {
    if (nodes.length === 1 && '#text' in nodes[0]!) return nodes[0]!['#text']
    if (nodes.length === 0) return ''
    return nodes.map((n) => [tagOf(n), simplify(n[tagOf(n)] as Node[])])
  }
  const fields = (opNode[op] as Node[]).map((n) => [tagOf(n), simplify(n[tagOf(n)] as Node[])] as [string, unknown])
  return { op, ns: (opNode[':@'] as Node)['@_xmlns'], fields }
}

t.test('lookup: SOAP 1.1 envelope, namespace and exactly the documented element order', async (t) => {
  const xml = buildLookupRequest(lookup, header)
  t.match(xml, /^<\?xml version="1.0" encoding="utf-8"\?><soap:Envelope xmlns:soap="http:\/\/schemas.xmlsoap.org\/soap\/envelope\/">/)
  t.strictSame(operationChildren(xml), {
    op: 'TraCuuThongTinCongDan',
    ns: 'http://dancuquocgia.bca',
    fields: [
      ['MaYeuCau', 'req-1'],
      ['MaDVC', '1.000123'],
      ['MaTichHop', '037'],
      ['MaCanBo', 'CB-0042'],
      ['SoDinhDanh', '062090001234'],
      ['HoVaTen', 'NGUYỄN VĂN AN'],
      ['NgayThangNamSinh', [['NgayThangNam', '19900515']]],
    ],
  })
})

t.test('a year-only date of birth is sent as <Nam>', async (t) => {
  const { fields } = operationChildren(buildLookupRequest({ ...lookup, dateOfBirth: '1990' }, header))
  t.strictSame(fields.at(-1), ['NgayThangNamSinh', [['Nam', '1990']]])
})

t.test('names are upper-cased the Vietnamese way, NFC-composed and single-spaced', async (t) => {
  t.equal(normaliseName('nguyễn văn an'), 'NGUYỄN VĂN AN')
  t.equal(normaliseName('  đặng   thị\tthủy '), 'ĐẶNG THỊ THỦY')
  // Decomposed input (macOS keyboards, some PDFs) must reach the upstream composed.
  t.equal(normaliseName('nguye\u0302\u0303n'), 'NGUYỄN')
  t.equal(normaliseName('nguye\u0302\u0303n').length, 'NGUYỄN'.length)
})

t.test('markup in a name stays text and cannot change the document structure', async (t) => {
  const hostile = [
    '</HoVaTen><SoDinhDanh>1</SoDinhDanh>',
    'An & Bình',
    '<![CDATA[</HoVaTen>]]>',
    'A"B\'C>D',
  ]
  for (const name of hostile) {
    const xml = buildLookupRequest({ ...lookup, fullName: name }, header)
    const { fields } = operationChildren(xml)
    t.strictSame(fields.map(([n]) => n), ['MaYeuCau', 'MaDVC', 'MaTichHop', 'MaCanBo', 'SoDinhDanh', 'HoVaTen', 'NgayThangNamSinh'], `structure kept for ${name}`)
    const sent = new XMLParser({ parseTagValue: false, removeNSPrefix: true }).parse(xml).Envelope.Body.TraCuuThongTinCongDan
    t.equal(sent.HoVaTen, name.toLocaleUpperCase('vi'), `round-trips as text: ${name}`)
    t.equal(sent.SoDinhDanh, '062090001234')
  }
})

t.test('control characters XML cannot carry are dropped instead of breaking the document', async (t) => {
  const xml = buildLookupRequest({ ...lookup, fullName: 'an\u0000\u0007 bình' }, { ...header, officerId: 'CB\u0001-1' })
  const { fields } = operationChildren(xml)
  t.strictSame(fields.find(([n]) => n === 'HoVaTen'), ['HoVaTen', 'AN BÌNH'])
  t.strictSame(fields.find(([n]) => n === 'MaCanBo'), ['MaCanBo', 'CB-1'])
})

t.test('verify: lookup elements, then only the supplied checks, in their order', async (t) => {
  const full = operationChildren(buildVerifyRequest({
    ...lookup, gender: 'female', nationality: 'VN', ethnicity: '01', permanentProvinceCode: '62', permanentWardCode: '23284',
  }, header))
  t.strictSame(full, {
    op: 'XacThucThongTinCongDan',
    ns: 'http://dancuquocgia.bca',
    fields: [
      ['MaYeuCau', 'req-1'],
      ['MaDVC', '1.000123'],
      ['MaTichHop', '037'],
      ['MaCanBo', 'CB-0042'],
      ['SoDinhDanh', '062090001234'],
      ['HoVaTen', 'NGUYỄN VĂN AN'],
      ['NgayThangNamSinh', [['NgayThangNam', '19900515']]],
      ['GioiTinh', '2'],
      ['QuocTich', 'VN'],
      ['DanToc', '01'],
      ['ThuongTru', [['MaTinhThanh', '62'], ['MaPhuongXa', '23284']]],
    ],
  })
  const partial = operationChildren(buildVerifyRequest({ ...lookup, gender: 'male', permanentWardCode: '00070' }, header))
  t.strictSame(partial.fields.slice(7), [['GioiTinh', '1'], ['ThuongTru', [['MaPhuongXa', '00070']]]])
  const bare = operationChildren(buildVerifyRequest(lookup, header))
  t.equal(bare.fields.length, 7, 'no optional element when nothing extra is checked')
})
