/**
 * Real edXML packages (../shared/reference/samples/edxml/, README there names the source): every
 * one is read, or refused for the reason the reference gives; what the hub builds has their
 * structure; packages in the hub's old layout still read.
 */
import t from 'tap'
import { readdirSync, readFileSync } from 'node:fs'
import { buildEdoc, buildStatus, parseEdoc, parseStatus } from '../../../connectors/document-axis/edxml.js'
import { inspectPackage } from '../../../connectors/document-axis/inspect.js'
import type { Edoc } from '../../../connectors/document-axis/model.js'
import { failure, REFUSED, SAMPLES } from './edxml-fixtures.js'

const sample = (name: string) => readFileSync(new URL(name, SAMPLES))
const files = readdirSync(SAMPLES).filter((f) => /\.edxml(\.bak)?$/.test(f)).sort()

/** Local names of the start tags in document order, the Signature subtree left out (the model keeps its verdict, not its XML). */
function elementOrder(xml: string): string[] {
  const body = xml.replace(/<(\w+:)?Signature[\s>][\s\S]*?<\/(\w+:)?Signature>/g, '').replace(/<!--[\s\S]*?-->/g, '')
  return [...body.matchAll(/<([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)[\s>/]/g)].map((m) => m[2]!)
}

t.test('every real package is read; the three the reference excuses are refused with their reason', async (t) => {
  t.ok(files.length >= 19, `${files.length} samples`)
  for (const name of files) {
    const pkg = sample(name)
    if (REFUSED[name]) {
      t.strictSame(failure(() => parseEdoc(pkg)), REFUSED[name], `${name}: refused`)
    } else if (name.startsWith('status')) {
      const status = parseStatus(pkg)
      t.strictSame(parseStatus(buildStatus(status)), status, `${name}: status ${status.statusCode} reads, and reads back the same once built`)
    } else {
      const edoc = parseEdoc(pkg)
      t.strictSame(parseEdoc(buildEdoc(edoc)), edoc, `${name}: ${edoc.header.subject}; the same model once built`)
    }
  }
})

t.test('a package fetched back from the axis (2019): every element in the model, ZIP under a PDF label', async (t) => {
  const pkg = sample('axis-2019-5-852e179c-8eca-4502-ac38-0b97321f29c3.edxml')
  const edoc = parseEdoc(pkg)
  const fullName = /<edXML:FullName>([^<]*)</.exec(pkg.toString('utf8'))![1] // as written (its Unicode composition included)
  const { data, ...attachment } = edoc.attachments[0]!
  t.strictSame(attachment, {
    contentId: '36b8a92e-f054-11e7-842b-005056b672fc', contentType: 'application/zip', name: 'GUIDE_INSTALL OPENVPN.SIGNED.PDF', manifestContentType: 'application/pdf',
  })
  t.strictSame([...data.subarray(0, 4)], [0x50, 0x4b, 0x03, 0x04], 'the bytes are a ZIP archive')
  t.strictSame(edoc.header, {
    from: {
      organId: '000.00.15.H51', organizationInCharge: 'Văn phòng Chính phủ', organName: 'Văn phòng Chính phủ', organAdd: 'Số 1 Hoàng Hoa Thám, Quận Ba Đình, Hà Nội',
      email: 'vpcp@gov.vn', telephone: '8043100', fax: '04', website: 'vpcp.vn',
    },
    to: [{
      organId: '000.00.15.H51', organName: 'Trung tâm test production 02323232323', organAdd: '185 Giảng Võ - Đống Đa - Hà Nội', email: 'sotttt@ict-hanoi.gov.vn',
      telephone: '(04)35123536', fax: '(04)37366617', website: 'http://www.ict-hanoi.gov.vn',
    }],
    documentId: '9fbfbad2-f1f8-4256-a2eb-50fb1061cddb',
    code: { number: '1223412', notation: 'PRO-TEST-CASE1' },
    promulgation: { place: 'Hà Nội', date: '2019-01-17' },
    documentType: { type: '1', typeName: 'Thông tư' },
    subject: 'Văn bản liên thông chỉ đạo - 190701',
    signer: { competence: 'Quyền 1', position: 'Bộ trưởng', fullName },
    content: 'test gửi liên thông vpcp',
    dueDate: '2018-06-25',
    other: {
      priority: '0', sphereOfPromulgation: 'Lưu hành nội bộ', typerNotation: 'TVC', promulgationAmount: 10, pageAmount: 2, direction: false, appendixes: ['Phụ lục'],
    },
    responseFor: [{}],
    steeringType: '1',
    toPlaces: ['Các bộ'],
    trace: [{ timestamp: '2018-06-20T16:35:56+07:00', organId: '01.02.G22' }, { timestamp: '2019-05-17T18:16:33+07:00', organId: '001.00.20.TT2' }],
  }, 'an empty ResponseFor, no Bussiness: tolerated and kept')
})

t.test('packages of VNPT\'s library and a 2025 gateway: Bussiness, replacements, staff, a hop without OrganId', async (t) => {
  const update = parseEdoc(sample('edoc_update.edxml')).header
  t.strictSame(update.business, {
    docType: 'update', docReason: 'Cập nhật văn bản điện tử', documentId: '000.00.00.G22,2014/02/30,7806/VPCP-TTĐT', paper: '0',
    documentInfo: [{ documentInfo: '1', documentReceiver: '1', receivers: [{ organId: '000.00.00.H41', receiverType: '0' }, { organId: '000.00.00.H14', receiverType: '1' }] }],
    staff: [{ department: 'Văn thư văn phòng', staff: 'Nguyễn Thị Ngọc Trâm', email: 'vanthuvanphong@gov.vn', mobile: '84912000001' }],
  }, 'a DocumentId with an impossible date (2014/02/30) is kept as it is')
  t.strictSame(update.documentType, { type: '1', typeDetail: '0', typeName: 'Công văn' })
  t.equal(update.to.length, 3)
  const replacement = parseEdoc(sample('edoc_replacement.edxml')).header.business
  t.strictSame(replacement?.replacements, [
    { documentId: '000.00.00.G22,2014/01/30,7806/VPCP-TTĐT', organIds: ['000.00.00.H41', '000.00.00.H14'] },
    { documentId: '000.00.00.G22,2014/01/30,7806/VPCP-TTĐT', organIds: ['000.00.00.H41', '000.00.00.H14'] },
  ])
  const gateway = parseEdoc(sample('axis-2025-10-874e0f18-90dc-45fb-989a-65401470ba84.edxml'))
  t.strictSame(gateway.header.trace, [{ timestamp: '2025-10-23T16:28:42+07:00', organId: 'null' }, { timestamp: '2025-10-23T16:28:43+07:00' }])
  t.strictSame(gateway.header.from.organName, undefined, 'no OrganName: tolerated')
  t.equal(gateway.attachments[0]!.contentType, 'application/pdf')
  t.strictSame([...gateway.attachments[0]!.data.subarray(0, 4)], [0x50, 0x4b, 0x03, 0x04], 'labelled PDF, zipped by the gateway: the API says so from the bytes')
})

t.test('a status packet: From, ResponseFor, StaffInfo, StatusCode, Description, Timestamp', async (t) => {
  t.strictSame(parseStatus(sample('status_cancellation_13.edxml')).statusCode, '13')
  const inbox = parseStatus(sample('status_inbox_01.edxml'))
  t.strictSame({ ...inbox, from: inbox.from.organId }, {
    from: '000.00.00.H41',
    responseFor: { organId: '000.00.00.G22', code: '7816/VPCP-TTĐT', promulgationDate: '2015-09-30', documentId: '000.00.00.G22,2015/09/30,7816/VPCP-TTĐT' },
    statusCode: '01',
    timestamp: '2015-09-20T11:08:36+07:00',
    staff: { department: 'Phong hanh chinh', staff: 'Nguyen thi ngoc tram', email: 'ngoctram@nghean.vn', mobile: '84912000001' },
    description: 'Văn thư - Phòng Văn thư - Lưu trữ: Đã đến - Phần mềm QLVB đã nhận nhưng văn thư chưa xử lý',
  })
})

t.test('what the hub builds has the structure of the real packages: same root, same element order', async (t) => {
  for (const name of ['edoc_update.edxml', 'edoc_replacement.edxml', 'edoc_revocation.edxml', 'edoc_new.edxml.bak', 'axis-2019-5-852e179c-8eca-4502-ac38-0b97321f29c3.edxml', 'axis-2025-10-9e272474-0603-48a2-b525-9cd1af689612.edxml']) {
    const real = sample(name).toString('utf8')
    const built = buildEdoc(parseEdoc(real)).toString('utf8')
    t.strictSame(elementOrder(built), elementOrder(real), name)
  }
  // Status packets: the MessageHeader children in the samples' order (the From children differ between samples).
  const headerOrder = (xml: string) => elementOrder(xml.replace(/<(\w+:)?From>[\s\S]*?<\/(\w+:)?From>/, '<From/>').replace(/<(\w+:)?ResponseFor>[\s\S]*?<\/(\w+:)?ResponseFor>/, '<ResponseFor/>'))
  const real = sample('status_rejection_02.edxml').toString('utf8')
  t.strictSame(headerOrder(buildStatus(parseStatus(real)).toString('utf8')), headerOrder(real), 'status_rejection_02.edxml')
})

t.test('a package in the hub\'s old layout (stored before the change) still reads', async (t) => {
  const legacy = readFileSync(new URL('../../fixtures/edxml/legacy-hub-package.edxml', import.meta.url))
  const edoc: Edoc = parseEdoc(legacy)
  t.strictSame(edoc.attachments, [{ contentId: 'cv12', contentType: 'application/pdf', name: 'cv12.pdf', data: Buffer.from('%PDF-1.7') }])
  t.strictSame(edoc.header.responseFor, [{ organId: '000.00.00.G22', code: '7816/VPCP-TTĐT', promulgationDate: '2015-09-30', documentId: '000.00.00.G22,2015/09/30,7816/VPCP-TTĐT' }])
  t.strictSame(edoc.header.business, { docType: 'new' })
  t.match(buildEdoc(edoc).toString('utf8'), /^<\?xml version="1.0" encoding="UTF-8"\?><edXML xmlns=/, 'written again, it is written in the real layout')
  const legacyStatus = '<?xml version="1.0" encoding="UTF-8"?><edXML:edXMLEnvelope xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016"><edXML:edXMLHeader><edXML:Status>' +
    '<edXML:ResponseFor><edXML:OrganId>000.00.00.H34</edXML:OrganId><edXML:Code>12/UBND</edXML:Code><edXML:PromulgationDate>2024/05/01</edXML:PromulgationDate><edXML:DocumentId>x</edXML:DocumentId></edXML:ResponseFor>' +
    '<edXML:From><edXML:OrganId>000.00.00.G22</edXML:OrganId><edXML:OrganName>VPCP</edXML:OrganName></edXML:From><edXML:StatusCode>03</edXML:StatusCode><edXML:Timestamp>2024/05/01 10:00:00</edXML:Timestamp>' +
    '</edXML:Status></edXML:edXMLHeader></edXML:edXMLEnvelope>'
  t.strictSame(parseStatus(legacyStatus), {
    from: { organId: '000.00.00.G22', organName: 'VPCP' }, responseFor: { organId: '000.00.00.H34', code: '12/UBND', promulgationDate: '2024-05-01', documentId: 'x' },
    statusCode: '03', timestamp: '2024-05-01T10:00:00+07:00',
  })
})

t.test('another sender\'s style (our own fixture): bare attachment ContentId, empty DigitalSignature, xlink attributes, indentation', async (t) => {
  const pkg = readFileSync(new URL('../../fixtures/edxml/other-sender-style.edxml', import.meta.url))
  const edoc = parseEdoc(pkg)
  t.strictSame(edoc.attachments, [{
    contentId: '7f0c2a9e-4b1d-4c3e-9a55-1f2e3d4c5b6a', contentType: 'application/pdf', name: 'cv-45.pdf', description: 'Tệp đính kèm 1', data: Buffer.from('%PDF-1.4\n% invented fixture\n'),
  }], 'the manifest says cid:<id>, the attachment the id alone: matched')
  t.match(edoc.header, {
    documentId: '000.00.00.H37,2026/11/30,45/STN-VP', documentType: { type: '18', typeDetail: '0', typeName: 'Công văn' },
    other: { appendixes: [''] }, business: { docType: 'new', paper: '0', staff: [{ department: 'N/A', mobile: '', email: '' }] },
  })
  t.strictSame(parseEdoc(buildEdoc(edoc)), edoc, 'the same model once built (in the real layout, cid: on both sides)')
  t.match(inspectPackage(pkg), { ok: true, kind: 'edoc', signature: { status: 'absent' } }, 'an empty DigitalSignature is no signature')
})
