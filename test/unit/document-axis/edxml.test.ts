import t from 'tap'
import { buildEdoc, buildStatus, parseEdoc, parseStatus } from '../../../connectors/document-axis/edxml.js'
import { STATUS_CODES, type StatusCode, type StatusPacket } from '../../../connectors/document-axis/model.js'
import { seededBytes as bytes } from '../../../src/sim/prng.js'
import { MH, NS, failure, full, fullAsRead, minimal, xmlOf } from './edxml-fixtures.js'

t.test('a full document round-trips: Vietnamese text, three recipients, four attachments, ResponseFor', async (t) => {
  const pkg = buildEdoc(full())
  t.ok(Buffer.isBuffer(pkg))
  t.strictSame(parseEdoc(pkg), fullAsRead())
  t.strictSame(parseEdoc(pkg.toString('utf8')), fullAsRead(), 'a string package reads the same as bytes')
  t.strictSame(parseEdoc(new Uint8Array(pkg)), fullAsRead(), 'and so does a plain Uint8Array')
  t.strictSame(buildEdoc(parseEdoc(pkg)), pkg, 'building what was read gives the same bytes')
})

t.test('the wire format of a small document, byte for byte: the layout of VNPT\'s library', async (t) => {
  const e = (name: string, inner: string) => `<edXML:${name}>${inner}</edXML:${name}>`
  const p = (name: string, inner: string) => `<${name}>${inner}</${name}>`
  const expected = `<?xml version="1.0" encoding="UTF-8"?><edXML xmlns="${NS}"><edXML:edXMLEnvelope xmlns:edXML="${NS}">` +
    e('edXMLHeader',
      e('MessageHeader',
        e('From', e('OrganId', '000.00.00.H34') + e('OrganName', 'Ủy ban nhân dân tỉnh Kon Tum')) +
        e('To', e('OrganId', '000.00.00.G22') + e('OrganName', 'Văn phòng Chính phủ')) +
        e('DocumentId', '000.00.00.H34,2024/05/01,12/UBND-TTĐT') +
        e('Code', e('CodeNumber', '12') + e('CodeNotation', 'UBND-TTĐT')) +
        e('PromulgationInfo', e('Place', 'Kon Tum') + e('PromulgationDate', '2024/05/01')) +
        e('DocumentType', e('Type', '1') + e('TypeName', 'Công văn')) +
        e('Subject', 'V/v triển khai dịch vụ công trực tuyến') +
        e('SignerInfo', e('FullName', 'Nguyễn Văn An'))) +
      e('TraceHeaderList', e('TraceHeader', e('OrganId', '000.00.00.H34') + e('Timestamp', '2024/05/01 10:04:05')) +
        e('Bussiness', e('BussinessDocType', '0')))) +
    e('edXMLBody', `<edXML:edXMLManifest version="1.0">${e('Reference', e('ContentId', 'cid:cv12') + e('ContentType', 'application/pdf') + e('AttachmentName', 'cv12.pdf'))}</edXML:edXMLManifest>`) +
    '</edXML:edXMLEnvelope>' +
    p('AttachmentEncoded', p('Attachment', p('ContentId', 'cid:cv12') + p('AttachmentName', 'cv12.pdf') + p('ContentType', 'application/pdf') +
      `<edXML:ContentTransferEncoded xmlns:edXML="${NS}">${Buffer.from('%PDF-1.7').toString('base64')}</edXML:ContentTransferEncoded>`)) +
    '</edXML>'
  const doc = minimal()
  doc.header.trace = [{ organId: '000.00.00.H34', timestamp: '2024-05-01T03:04:05.678Z' }]
  t.equal(xmlOf(doc), expected)
})

t.test('a minimal document reads back with no keys for what was absent', async (t) => {
  t.strictSame(parseEdoc(buildEdoc(minimal())), minimal())
  const none = { ...minimal(), attachments: [] }
  t.strictSame(parseEdoc(buildEdoc(none)), none, 'a document without attachments')
})

t.test('text comes back exactly: markup characters, CR/LF, edge whitespace, no Unicode normalisation', async (t) => {
  const nfd = 'Ủy ban nhân dân tỉnh Kon Tum'.normalize('NFD')
  const doc = minimal()
  doc.header.subject = '  a < b && c > d "quoted" \'single\' ]]> <!-- x --> &amp; '
  doc.header.content = '\r\nDòng 1\r\nDòng 2\rDòng 3\n\t'
  doc.header.signer = { fullName: nfd, competence: '\u00a0TM.\u3000UBND\u00a0', position: '' }
  doc.header.steeringType = '𝕏 ✓ 😀'
  doc.header.toPlaces = []
  const read = parseEdoc(buildEdoc(doc))
  t.strictSame(read, doc)
  t.equal(read.header.signer.fullName, nfd, 'decomposed (NFD) text stays decomposed')
  t.not(read.header.signer.fullName, nfd.normalize('NFC'))
  t.equal(read.header.signer.position, '', 'an empty optional string is kept as empty')
})

t.test('status packets round-trip for every status code', async (t) => {
  const base: StatusPacket = {
    responseFor: { organId: '000.00.00.H34', code: '12/UBND-TTĐT', promulgationDate: '2024-05-01', documentId: '000.00.00.H34,2024/05/01,12/UBND-TTĐT' },
    from: { organId: '000.00.00.G22', organName: 'Văn phòng Chính phủ', telephone: '080 43100' },
    statusCode: '01',
    description: 'Đã tiếp nhận văn bản',
    timestamp: '2024-05-01T09:15:30+07:00',
    staff: { department: 'Phòng Hành chính – Tổ chức', staff: 'Trần Thị Bình', mobile: '0912345678', email: 'binh@chinhphu.vn' },
  }
  for (const code of Object.keys(STATUS_CODES) as StatusCode[]) {
    const packet = { ...base, statusCode: code }
    t.strictSame(parseStatus(buildStatus(packet)), packet, `status ${code} (${STATUS_CODES[code]})`)
  }
  const bare: StatusPacket = { responseFor: base.responseFor, from: { organId: '000.00.00.G22', organName: 'VPCP' }, statusCode: '13', timestamp: '2024-05-01T02:15:30Z' }
  const pkg = buildStatus(bare).toString('utf8')
  t.match(pkg, `<edXML xmlns="${NS}"><edXML:edXMLEnvelope xmlns:edXML="${NS}"><edXML:edXMLHeader><edXML:MessageHeader><edXML:From>`)
  t.match(pkg, '<edXML:StatusCode>13</edXML:StatusCode><edXML:Timestamp>2024/05/01 09:15:30</edXML:Timestamp></edXML:MessageHeader></edXML:edXMLHeader></edXML:edXMLEnvelope></edXML>')
  t.strictSame(parseStatus(pkg), { ...bare, timestamp: '2024-05-01T09:15:30+07:00' })
  const empty: StatusPacket = { ...bare, responseFor: {}, timestamp: '2024-05-01T09:15:30+07:00' }
  t.strictSame(parseStatus(buildStatus(empty)), empty, 'an empty ResponseFor, as real packets send, reads back empty')
})

t.test('a document and a status packet are not mistaken for each other', async (t) => {
  const status = buildStatus({
    responseFor: { organId: 'a', code: '1/A', promulgationDate: '2024-01-02', documentId: 'a,2024/01/02,1/A' },
    from: { organId: 'b', organName: 'B' }, statusCode: '03', timestamp: '2024-01-02T00:00:00+07:00',
  })
  t.strictSame(failure(() => parseEdoc(status)), { message: `${MH} is a status packet (it has StatusCode), not a document`, element: `${MH}/StatusCode` })
  t.strictSame(failure(() => parseStatus(buildEdoc(minimal()))), { message: `${MH}/StatusCode is missing`, element: `${MH}/StatusCode` })
})

t.test('packages written differently read the same: other prefix, default namespace, indentation, wrapped base64, BOM, signature', async (t) => {
  const doc = full()
  const ours = xmlOf(doc)
  const otherPrefix = ours.replaceAll('edXML:', 'vb:').replaceAll('xmlns:edXML=', 'xmlns:vb=')
  t.strictSame(parseEdoc(otherPrefix), fullAsRead(), 'prefix vb:')
  const defaultNs = ours.replaceAll('edXML:', '').replaceAll('xmlns:edXML=', 'xmlns=')
  t.strictSame(parseEdoc(defaultNs), fullAsRead(), 'default namespace')
  const pretty = ours
    .replace(/(<\/edXML:(?:OrganId|OrganName|DocumentId|Reference|TraceHeader|To|From)>)/g, '$1\n    ')
    .replace(/(<edXML:ContentTransferEncoded[^>]*>)([^<]*)<\/edXML:ContentTransferEncoded>/g, (_, open: string, b64: string) => `${open}\n${b64.replace(/.{76}/g, '$&\r\n')}\n</edXML:ContentTransferEncoded>`)
    .replace('</edXML:edXMLHeader>', '<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignatureValue>AAAA</ds:SignatureValue></ds:Signature>\n</edXML:edXMLHeader>')
  t.match(pretty, /\r\n/)
  t.strictSame(parseEdoc(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(pretty)])), fullAsRead(), 'indented, base64 in 76-column lines, a signature, a BOM')
})

t.test('a ContentTransferEncoded-like text in a comment or CDATA neither shifts nor leaks into the attachments', async (t) => {
  const doc = full()
  const decoy = '<edXML:ContentTransferEncoded>QUFBQQ==</edXML:ContentTransferEncoded>'
  const withComment = xmlOf(doc).replace('<AttachmentEncoded>', `<!-- ${decoy} --><AttachmentEncoded>`)
  t.strictSame(parseEdoc(withComment), fullAsRead(), 'in a comment')
  const withCdata = xmlOf(doc).replace('<edXML:Subject>', `<edXML:Subject><![CDATA[${decoy}]]>`)
  const expected = fullAsRead()
  expected.header.subject = decoy + expected.header.subject
  t.strictSame(parseEdoc(withCdata), expected, 'in CDATA: part of the text, exactly')
  t.strictSame(parseEdoc(Buffer.from(withCdata)), expected, 'the same from bytes')
  t.strictSame(parseEdoc(Buffer.from(withComment)), fullAsRead(), 'and a comment from bytes')
  const spelled = xmlOf(doc).replaceAll(`<edXML:ContentTransferEncoded xmlns:edXML="${NS}">`, `<x:ContentTransferEncoded xmlns:x="${NS}" a='1'>`).replaceAll('</edXML:ContentTransferEncoded>', '</x:ContentTransferEncoded>')
  t.strictSame(parseEdoc(spelled), fullAsRead(), 'another prefix and attributes on the base64 element')
})

t.test('a package of about 1 MiB with two attachments round-trips', async (t) => {
  const doc = minimal()
  doc.attachments = [
    { contentId: 'a', contentType: 'application/pdf', name: 'a.pdf', data: bytes(400_000, 7) },
    { contentId: 'b', contentType: 'application/pdf', name: 'b.pdf', data: bytes(380_000, 8) },
  ]
  const pkg = buildEdoc(doc)
  t.ok(pkg.byteLength > 1_000_000 && pkg.byteLength < 1_100_000, `${pkg.byteLength} bytes`)
  const read = parseEdoc(pkg)
  t.ok(read.attachments[0]!.data.equals(doc.attachments[0]!.data) && read.attachments[1]!.data.equals(doc.attachments[1]!.data))
})

// ---------------------------------------------------------------- hostile and broken packages
