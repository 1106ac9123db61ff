/** edXML packages the hardened parser and the builder refuse, each with an error naming the element or limit. */
import t from 'tap'
import { buildEdoc, buildStatus, parseEdoc, parseStatus } from '../../../connectors/document-axis/edxml.js'
import { DEFAULT_EDXML_LIMITS, EdxmlError, type Edoc, type EdxmlLimits, type StatusCode, type StatusPacket } from '../../../connectors/document-axis/model.js'
import { seededBytes as bytes } from '../../../src/sim/prng.js'
import { MH, NS, failure, full, fullAsRead, minimal, xmlOf } from './edxml-fixtures.js'

t.test('entity attacks are refused before parsing: billion laughs, external entity (XXE)', async (t) => {
  const body = xmlOf(minimal()).replace(/^<\?xml[^>]*>/, '')
  const laughs = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' +
    Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`).join('') + ']>' +
    body.replace('V/v triển khai', '&lol9;')
  t.strictSame(failure(() => parseEdoc(laughs)), { message: 'the package declares a DTD or entities (<!DOCTYPE, <!ENTITY), which edXML does not allow', element: undefined })
  const xxe = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY x SYSTEM "file:///etc/passwd">]>${body.replace('V/v triển khai', '&x;')}`
  t.match(failure(() => parseEdoc(xxe)), { message: /DTD or entities/ })
  t.match(failure(() => parseStatus(xxe)), { message: /DTD or entities/ }, 'status packets too')
  t.equal(parseEdoc(body.replace('V/v triển khai', '&x;')).header.subject, '&x; dịch vụ công trực tuyến', 'an undeclared entity is never expanded')
})

t.test('limits: package size first, attachment size from base64 length, count, depth', async (t) => {
  const doc = full()
  const pkg = buildEdoc(doc)
  const limits = (l: Partial<EdxmlLimits>) => l
  t.strictSame(failure(() => parseEdoc(pkg, limits({ maxPackageBytes: pkg.byteLength - 1 }))), {
    message: `the package is ${pkg.byteLength} bytes, over the limit of ${pkg.byteLength - 1} (maxPackageBytes)`, element: undefined,
  })
  t.strictSame(failure(() => parseEdoc(Buffer.concat([pkg.subarray(0, 10), Buffer.from([0xff]), pkg.subarray(10)]), limits({ maxPackageBytes: 100 }))).message,
    `the package is ${pkg.byteLength + 1} bytes, over the limit of 100 (maxPackageBytes)`, 'size is checked before the UTF-8 decode')
  t.strictSame(parseEdoc(pkg, limits({ maxPackageBytes: pkg.byteLength })), fullAsRead(), 'exactly at the limit is fine')

  const small = minimal()
  small.attachments = [{ contentId: 'big', contentType: 'application/pdf', name: 'big.pdf', data: bytes(1001, 3) }]
  t.strictSame(failure(() => parseEdoc(buildEdoc(small), limits({ maxAttachmentBytes: 1000 }))), {
    message: 'edXML/AttachmentEncoded/Attachment/ContentTransferEncoded of "cid:big" decodes to 1001 bytes, over the limit of 1000 (maxAttachmentBytes)',
    element: 'edXML/AttachmentEncoded/Attachment/ContentTransferEncoded',
  })
  t.equal(parseEdoc(buildEdoc(small), limits({ maxAttachmentBytes: 1001 })).attachments[0]!.data.byteLength, 1001)
  // Declared by its base64 length alone, in 76-column lines (the exact size needs a scan, which allocates nothing).
  const declared = (lines: number) => xmlOf(minimal()).replace(/(<edXML:ContentTransferEncoded[^>]*>)[^<]*<\/edXML:ContentTransferEncoded>/, `$1${`${'A'.repeat(76)}\r\n`.repeat(lines)}</edXML:ContentTransferEncoded>`)
  t.strictSame(failure(() => parseEdoc(declared(18), limits({ maxAttachmentBytes: 1000 }))), {
    message: 'edXML/AttachmentEncoded/Attachment/ContentTransferEncoded of "cid:cv12" decodes to 1026 bytes, over the limit of 1000 (maxAttachmentBytes)',
    element: 'edXML/AttachmentEncoded/Attachment/ContentTransferEncoded',
  })
  const huge = declared(100_000) // 7.6 MB of base64 → 5.7 MB
  const before = process.memoryUsage().arrayBuffers
  t.match(failure(() => parseEdoc(huge, limits({ maxAttachmentBytes: 4_000_000 }))).message, /decodes to 5700000 bytes, over the limit of 4000000/)
  t.ok(process.memoryUsage().arrayBuffers - before < 1_000_000, 'the oversize attachment was never decoded')

  t.strictSame(failure(() => parseEdoc(pkg, limits({ maxAttachments: 3 }))), {
    message: 'edXML/edXMLEnvelope/edXMLBody/edXMLManifest/Reference: 4 attachments, over the limit of 3 (maxAttachments)',
    element: 'edXML/edXMLEnvelope/edXMLBody/edXMLManifest/Reference',
  })
  t.equal(parseEdoc(pkg, limits({ maxAttachments: 4 })).attachments.length, 4)

  const deep = xmlOf(minimal()).replace('<edXML:Subject>', `${'<x>'.repeat(40)}${'</x>'.repeat(40)}<edXML:Subject>`)
  t.strictSame(failure(() => parseEdoc(deep)), { message: 'the package nests elements deeper than 32 levels (maxDepth)', element: undefined })
  t.strictSame(failure(() => parseEdoc(buildEdoc(minimal()), limits({ maxDepth: 5 }))).message, 'the package nests elements deeper than 5 levels (maxDepth)')
  t.ok(parseEdoc(buildEdoc(minimal()), limits({ maxDepth: 6 })), 'our documents are 6 levels deep')
  t.strictSame(failure(() => parseEdoc(pkg, limits({ maxDepth: 0 }))).message, 'limits.maxDepth must be a positive whole number, got 0')
})

t.test('missing or repeated required elements are named by their path', async (t) => {
  const ours = xmlOf(minimal())
  const cases: Array<[string, string, string, string]> = [
    ['no DocumentId', ours.replace(/<edXML:DocumentId>[^<]*<\/edXML:DocumentId>/, ''), `${MH}/DocumentId is missing`, `${MH}/DocumentId`],
    ['no To', ours.replace(/<edXML:To>.*?<\/edXML:To>/, ''), `${MH}/To is missing: a document needs at least one recipient`, `${MH}/To`],
    ['blank Subject', ours.replace(/<edXML:Subject>[^<]*</, '<edXML:Subject>  <'), `${MH}/Subject is empty`, `${MH}/Subject`],
    ['no OrganId', ours.replace(/<edXML:OrganId>[^<]*<\/edXML:OrganId>/, ''), `${MH}/From/OrganId is missing`, `${MH}/From/OrganId`],
    ['too many recipients', ours.replace(/(<edXML:To>.*?<\/edXML:To>)/, '$1'.repeat(501)), `${MH}/To: 501 recipients, over the limit of 500 (maxRecipients)`, `${MH}/To`],
    ['two DocumentIds', ours.replace(/(<edXML:DocumentId>[^<]*<\/edXML:DocumentId>)/, '$1$1'), `${MH}/DocumentId appears 2 times; expected once`, `${MH}/DocumentId`],
    ['Subject with elements', ours.replace(/<edXML:Subject>/, '<edXML:Subject><edXML:b>x</edXML:b>'), `${MH}/Subject must hold text, not elements`, `${MH}/Subject`],
    ['bad BussinessDocType', ours.replace('<edXML:BussinessDocType>0<', '<edXML:BussinessDocType>4<'), 'edXML/edXMLEnvelope/edXMLHeader/TraceHeaderList/Bussiness/BussinessDocType must be 0, 1, 2 or 3', 'edXML/edXMLEnvelope/edXMLHeader/TraceHeaderList/Bussiness/BussinessDocType'],
    ['no body but attachments', ours.replace(/<edXML:edXMLBody>.*<\/edXML:edXMLBody>/, ''), 'edXML/edXMLEnvelope/edXMLBody/edXMLManifest is missing, yet the package has attachments', 'edXML/edXMLEnvelope/edXMLBody/edXMLManifest'],
    ['control character by reference', ours.replace('V/v triển khai', 'V/v &#1; triển khai'), `${MH}/Subject contains a character XML 1.0 does not allow`, `${MH}/Subject`],
    ['bad page count', ours.replace('</edXML:Subject>', '</edXML:Subject><edXML:OtherInfo><edXML:PageAmount>3 trang</edXML:PageAmount></edXML:OtherInfo>'), `${MH}/OtherInfo/PageAmount is not a whole number`, `${MH}/OtherInfo/PageAmount`],
    ['wrong root', ours.replaceAll('<edXML ', '<Envelope ').replace('</edXML>', '</Envelope>'), 'the root element is not edXML', 'edXML'],
    ['wrong namespace', ours.replace(NS, 'urn:other'), `edXML is not in the edXML namespace ${NS}`, 'edXML'],
  ]
  for (const [name, xml, message, element] of cases) t.strictSame(failure(() => parseEdoc(xml)), { message, element }, name)
})

t.test('manifest and attachments must agree, naming the ContentId', async (t) => {
  const doc = full()
  const ours = xmlOf(doc)
  const noAttachment = ours.replace(/<Attachment><ContentId>cid:bytes<\/ContentId>.*?<\/Attachment>/, '')
  t.strictSame(failure(() => parseEdoc(noAttachment)), {
    message: 'edXML/edXMLEnvelope/edXMLBody/edXMLManifest/Reference "cid:bytes" has no edXML/AttachmentEncoded/Attachment with that ContentId',
    element: 'edXML/AttachmentEncoded/Attachment',
  })
  const unlisted = ours.replace(/<edXML:Reference><edXML:ContentId>cid:empty<\/edXML:ContentId>.*?<\/edXML:Reference>/, '')
  t.strictSame(failure(() => parseEdoc(unlisted)), {
    message: 'edXML/AttachmentEncoded/Attachment "cid:empty" is not listed in the manifest',
    element: 'edXML/edXMLEnvelope/edXMLBody/edXMLManifest/Reference',
  })
  const twice = ours.replace('</AttachmentEncoded>', '<Attachment><ContentId>cid:cv12</ContentId><ContentType>a/b</ContentType></Attachment></AttachmentEncoded>')
  t.strictSame(failure(() => parseEdoc(twice)), { message: 'edXML/AttachmentEncoded/Attachment/ContentId "cid:cv12" appears twice', element: 'edXML/AttachmentEncoded/Attachment/ContentId' })
  const noCid = ours.replaceAll('cid:phu-luc', 'phu-luc')
  const reference = 'edXML/edXMLEnvelope/edXMLBody/edXMLManifest/Reference/ContentId'
  t.strictSame(failure(() => parseEdoc(noCid)), { message: `${reference} "phu-luc" is not of the form cid:<id>`, element: reference }, 'the manifest must say cid:')
  t.strictSame(parseEdoc(ours.replace('<ContentId>cid:phu-luc</ContentId>', '<ContentId>phu-luc</ContentId>')), parseEdoc(ours), 'an attachment\'s own ContentId may be the bare id (other senders write it so)')
  t.strictSame(failure(() => parseEdoc(ours.replace('<ContentId>cid:phu-luc</ContentId>', '<ContentId>cid:</ContentId>'))), {
    message: 'edXML/AttachmentEncoded/Attachment/ContentId "cid:" is not of the form cid:<id>', element: 'edXML/AttachmentEncoded/Attachment/ContentId',
  })
  const noValue = ours.replace(/(<ContentId>cid:empty<\/ContentId>.*?)<edXML:ContentTransferEncoded[^>]*><\/edXML:ContentTransferEncoded>/, '$1')
  t.strictSame(failure(() => parseEdoc(noValue)), { message: 'edXML/AttachmentEncoded/Attachment/ContentTransferEncoded is missing for "cid:empty"', element: 'edXML/AttachmentEncoded/Attachment/ContentTransferEncoded' })
  const noType = ours.replace('<ContentType>text/plain</ContentType>', '').replace('<edXML:ContentType>text/plain</edXML:ContentType>', '')
  t.strictSame(failure(() => parseEdoc(noType)), { message: 'edXML/AttachmentEncoded/Attachment/ContentType is missing, in the attachment and in the manifest', element: 'edXML/AttachmentEncoded/Attachment/ContentType' })
})

t.test('bad base64 is refused, naming the attachment and what is wrong', async (t) => {
  const ours = xmlOf(minimal())
  const withValue = (b64: string) => ours.replace(/(<edXML:ContentTransferEncoded[^>]*>)[^<]*</, `$1${b64}<`)
  const element = 'edXML/AttachmentEncoded/Attachment/ContentTransferEncoded'
  const cases: Array<[string, string, string]> = [
    ['a character outside the alphabet', 'JVBE!RI0xLjc=', 'U+0021 at offset 4 is not base64'],
    ['base64url', 'JVBE-RI0xLjc=', 'U+002D at offset 4 is not base64'],
    ['data after padding', 'JVBERi0x=Ljc', 'data after "=" padding (offset 9)'],
    ['three padding characters', 'JVBERi0xLj===', 'more than two "=" (offset 12)'],
    ['missing padding', 'JVBERi0xLjc', '11 base64 characters is not a multiple of 4'],
  ]
  // A character outside base64 is found while the attachments are cut out, before the manifest is read: by position.
  for (const [name, b64, detail] of cases) {
    const which = detail.includes(' is not base64') ? 'attachment 1' : '"cid:cv12"'
    t.strictSame(failure(() => parseEdoc(withValue(b64))), { message: `${element} of ${which} is not valid base64: ${detail}`, element }, name)
  }
  t.strictSame(parseEdoc(withValue(' JVBE\n Ri0x\r\n\tLjc= ')).attachments[0]!.data, Buffer.from('%PDF-1.7'), 'XML whitespace anywhere is fine')
})

t.test('dates that do not exist, or in the wrong form, are refused', async (t) => {
  const ours = xmlOf({ ...minimal(), header: { ...minimal().header, trace: [{ organId: 'x', timestamp: '2024-05-01T08:00:00+07:00' }] } })
  const date = `${MH}/PromulgationInfo/PromulgationDate`
  const stamp = 'edXML/edXMLEnvelope/edXMLHeader/TraceHeaderList/TraceHeader/Timestamp'
  const cases: Array<[string, string, string, string]> = [
    ['29 February 2023', ours.replace('2024/05/01<', '2023/02/29<'), `${date} "2023/02/29" is not a calendar date`, date],
    ['31 April', ours.replace('2024/05/01<', '2024/04/31<'), `${date} "2024/04/31" is not a calendar date`, date],
    ['ISO form', ours.replace('2024/05/01<', '2024-05-01<'), `${date} is not a date yyyy/MM/dd`, date],
    ['hour 24', ours.replace('2024/05/01 08:00:00', '2024/05/01 24:00:00'), `${stamp} "2024/05/01 24:00:00" is not a time that exists`, stamp],
    ['no seconds', ours.replace('2024/05/01 08:00:00', '2024/05/01 08:00'), `${stamp} is not a timestamp yyyy/MM/dd HH:mm:ss`, stamp],
  ]
  for (const [name, xml, message, element] of cases) t.strictSame(failure(() => parseEdoc(xml)), { message, element }, name)
})

t.test('status packets: unknown codes and broken fields are refused', async (t) => {
  const packet: StatusPacket = {
    responseFor: { organId: 'a', code: '1/A', promulgationDate: '2024-01-02', documentId: 'a,2024/01/02,1/A' },
    from: { organId: 'b', organName: 'B' }, statusCode: '05', timestamp: '2024-01-02T00:00:00+07:00',
  }
  const ours = buildStatus(packet).toString('utf8')
  const code = 'edXML/edXMLEnvelope/edXMLHeader/MessageHeader/StatusCode'
  for (const bad of ['07', '5', '00', 'OK']) {
    t.strictSame(failure(() => parseStatus(ours.replace('>05<', `>${bad}<`))), { message: `${code} "${bad}" is not one of 01, 02, 03, 04, 05, 06, 13, 15, 16`, element: code }, bad)
  }
  t.strictSame(failure(() => parseStatus(ours.replace('2024/01/02<', '2024/13/02<'))), {
    message: 'edXML/edXMLEnvelope/edXMLHeader/MessageHeader/ResponseFor/PromulgationDate "2024/13/02" is not a calendar date', element: 'edXML/edXMLEnvelope/edXMLHeader/MessageHeader/ResponseFor/PromulgationDate',
  })
  t.strictSame(failure(() => parseStatus(ours.replace(/<edXML:From>.*<\/edXML:From>/, ''))), { message: 'edXML/edXMLEnvelope/edXMLHeader/MessageHeader/From is missing', element: 'edXML/edXMLEnvelope/edXMLHeader/MessageHeader/From' })
})

t.test('invalid UTF-8 and XML that is not well-formed are refused', async (t) => {
  const pkg = buildEdoc(minimal())
  const at = pkg.indexOf('triển')
  const broken = Buffer.from(pkg)
  broken[at + 4] = 0xff
  t.strictSame(failure(() => parseEdoc(broken)), { message: 'the package is not valid UTF-8', element: undefined })
  const inValue = Buffer.from(pkg)
  inValue[pkg.indexOf('<edXML:ContentTransferEncoded') + 90] = 0xc3
  t.match(failure(() => parseEdoc(inValue)).message, /ContentTransferEncoded of attachment 1 is not valid base64: U\+00C3/, 'inside an attachment: not base64 either')
  t.strictSame(failure(() => parseStatus(Buffer.from([0x3c, 0x61, 0xff, 0x3e]))).message, 'the package is not valid UTF-8')

  const text = pkg.toString('utf8')
  t.match(failure(() => parseEdoc(text.slice(0, text.length - 30))), { message: /^the package is not well-formed XML \(line \d+\)$/, element: undefined }, 'truncated')
  t.match(failure(() => parseEdoc(text.replace('</edXML:Subject>', '</edXML:Subjec>'))).message, /not well-formed/, 'mismatched tag')
  const wrapped = text.replace(/(<edXML:ContentTransferEncoded[^>]*>)([^<]*)</, (_, open: string, b64: string) => `${open}\n${b64.replace(/.{4}/g, '$&\n')}<`)
  const lastLine = wrapped.split('\n').length
  t.strictSame(failure(() => parseEdoc(wrapped.replace('</edXML>', '</edXMLx>'))).message,
    `the package is not well-formed XML (line ${lastLine})`, 'the line is counted in the package as sent, line-wrapped base64 included')
  t.strictSame(failure(() => parseEdoc('hello')).message, 'the package has stray text before its XML declaration ("hello")', 'not XML at all')
  t.strictSame(failure(() => parseEdoc(`1212${text}`)).message, 'the package has stray text before its XML declaration ("1212")', 'bytes before the declaration')
  t.match(failure(() => parseEdoc(text.replace('V/v', 'V/v & co'))).message, /not well-formed/, 'a bare ampersand')
  t.strictSame(failure(() => parseEdoc(42 as unknown as string)).message, 'the package must be bytes (Uint8Array) or a string')
})

// ---------------------------------------------------------------- the builder checks its input

t.test('the builder refuses an Edoc it could not write faithfully', async (t) => {
  const variant = (change: (d: Edoc) => void) => {
    const d = full()
    change(d)
    return () => buildEdoc(d)
  }
  const cases: Array<[string, () => unknown, string, string]> = [
    ['no recipients', variant((d) => (d.header.to = [])), `header.to is empty: ${MH}/To needs at least one recipient`, `${MH}/To`],
    ['no documentId', variant((d) => delete (d.header as Partial<Edoc['header']>).documentId), `${MH}/DocumentId is missing (header.documentId)`, `${MH}/DocumentId`],
    ['blank subject', variant((d) => (d.header.subject = ' \n ')), `${MH}/Subject is empty (header.subject)`, `${MH}/Subject`],
    ['recipient without an id', variant((d) => (d.header.to[1] = { organName: 'x' } as Edoc['header']['to'][number])), `${MH}/To/OrganId is missing (header.to[1].organId)`, `${MH}/To/OrganId`],
    ['Direction not a boolean', variant((d) => (d.header.other!.direction = 'false' as unknown as boolean)), `header.other.direction must be true or false (${MH}/OtherInfo/Direction)`, `${MH}/OtherInfo/Direction`],
    ['duplicate contentId', variant((d) => (d.attachments[2]!.contentId = 'cv12')),
      'attachments[2].contentId "cv12" is used twice; ContentIds must be unique (edXML/edXMLEnvelope/edXMLBody/edXMLManifest/Reference/ContentId)', 'edXML/edXMLEnvelope/edXMLBody/edXMLManifest/Reference/ContentId'],
    ['cid: prefix given', variant((d) => (d.attachments[0]!.contentId = 'cid:cv12')),
      'attachments[0].contentId "cid:cv12" must be given without the "cid:" prefix (edXML/edXMLEnvelope/edXMLBody/edXMLManifest/Reference/ContentId)', 'edXML/edXMLEnvelope/edXMLBody/edXMLManifest/Reference/ContentId'],
    ['data not bytes', variant((d) => (d.attachments[1]!.data = 'abc' as unknown as Buffer)), 'attachments[1].data must be a Buffer (edXML/AttachmentEncoded/Attachment/ContentTransferEncoded)', 'edXML/AttachmentEncoded/Attachment/ContentTransferEncoded'],
    ['29 February 2023', variant((d) => (d.header.promulgation.date = '2023-02-29')),
      `header.promulgation.date "2023-02-29" is not a calendar date (${MH}/PromulgationInfo/PromulgationDate)`, `${MH}/PromulgationInfo/PromulgationDate`],
    ['slashed date', variant((d) => (d.header.dueDate = '2024/05/15')), `header.dueDate must be a date yyyy-MM-dd, got "2024/05/15" (${MH}/DueDate)`, `${MH}/DueDate`],
    ['timestamp without offset', variant((d) => (d.header.trace[0]!.timestamp = '2024-05-01T08:30:00')),
      'header.trace[0].timestamp must be an RFC 3339 timestamp with an offset, got "2024-05-01T08:30:00" (edXML/edXMLEnvelope/edXMLHeader/TraceHeaderList/TraceHeader/Timestamp)', 'edXML/edXMLEnvelope/edXMLHeader/TraceHeaderList/TraceHeader/Timestamp'],
    ['25 o\'clock', variant((d) => (d.header.trace[1]!.timestamp = '2024-05-01T25:00:00Z')),
      'header.trace[1].timestamp "2024-05-01T25:00:00Z" is not a time that exists (edXML/edXMLEnvelope/edXMLHeader/TraceHeaderList/TraceHeader/Timestamp)', 'edXML/edXMLEnvelope/edXMLHeader/TraceHeaderList/TraceHeader/Timestamp'],
    ['response date', variant((d) => (d.header.responseFor![0]!.promulgationDate = '2015-02-30')),
      `header.responseFor[0].promulgationDate "2015-02-30" is not a calendar date (${MH}/ResponseFor/PromulgationDate)`, `${MH}/ResponseFor/PromulgationDate`],
    ['control character', variant((d) => (d.header.subject = 'a\u0007b')), `${MH}/Subject contains U+0007 (at offset 1), which XML 1.0 cannot carry`, `${MH}/Subject`],
    ['lone surrogate', variant((d) => (d.header.from.organName = 'x\ud800')), `${MH}/From/OrganName contains U+D800 (at offset 1), which XML 1.0 cannot carry`, `${MH}/From/OrganName`],
    ['negative page count', variant((d) => (d.header.other!.pageAmount = -1)), `header.other.pageAmount must be a whole number from 0 to 999999999 (${MH}/OtherInfo/PageAmount)`, `${MH}/OtherInfo/PageAmount`],
    ['unknown business type', variant((d) => (d.header.business!.docType = 'delete' as 'new')),
      'header.business.docType must be one of new, revoke, update, replace (edXML/edXMLEnvelope/edXMLHeader/TraceHeaderList/Bussiness/BussinessDocType)', 'edXML/edXMLEnvelope/edXMLHeader/TraceHeaderList/Bussiness/BussinessDocType'],
  ]
  for (const [name, fn, message, element] of cases) t.strictSame(failure(fn), { message, element }, name)

  const packet: StatusPacket = {
    responseFor: { organId: 'a', code: '1/A', promulgationDate: '2024-01-02', documentId: 'a,2024/01/02,1/A' },
    from: { organId: 'b', organName: 'B' }, statusCode: '07' as StatusCode, timestamp: '2024-01-02T00:00:00+07:00',
  }
  t.strictSame(failure(() => buildStatus(packet)), {
    message: 'statusCode must be one of 01, 02, 03, 04, 05, 06, 13, 15, 16, got "07" (edXML/edXMLEnvelope/edXMLHeader/MessageHeader/StatusCode)', element: 'edXML/edXMLEnvelope/edXMLHeader/MessageHeader/StatusCode',
  })
  t.strictSame(failure(() => buildStatus({ ...packet, statusCode: '02', timestamp: '2024-02-30T00:00:00Z' })).element, 'edXML/edXMLEnvelope/edXMLHeader/MessageHeader/Timestamp')
})

t.test('one huge attribute or text is refused before the parser allocates for it, as over a limit (kept for an operator)', async (t) => {
  t.equal(DEFAULT_EDXML_LIMITS.maxPackageBytes, 32 * 1024 * 1024, 'the default package limit: what real documents need')
  const ours = xmlOf(minimal())
  const caught = (xml: string | Buffer) => {
    try {
      parseEdoc(xml)
    } catch (err) {
      return err as EdxmlError
    }
    throw new Error('expected an EdxmlError')
  }
  const before = process.memoryUsage().rss
  const started = performance.now()
  const attribute = caught(Buffer.from(ours.replace('<edXML:Subject>', `<edXML:Subject a="${'x'.repeat(20_000_000)}">`)))
  t.strictSame({ message: attribute.message, overLimit: attribute.overLimit }, {
    message: 'the package has an element text or start tag longer than 262144 characters (maxTextChars) at line 1', overLimit: true,
  })
  const text = caught(ours.replace('V/v triển khai', 'x\n'.repeat(200_000)))
  t.match(text.message, /longer than 262144 characters \(maxTextChars\) at line 1$/)
  const cdata = caught(ours.replace('V/v triển khai', `<![CDATA[${'<x>'.repeat(100_000)}]]>`))
  t.match(cdata.message, /maxTextChars/, 'CDATA with markup-looking text inside is one run')
  t.ok(performance.now() - started < 5000, 'refused quickly')
  t.ok(process.memoryUsage().rss - before < 400_000_000, `memory grew ${Math.round((process.memoryUsage().rss - before) / 1e6)} MB for a 20 MB attribute`)
  t.ok(parseEdoc(ours.replace('V/v triển khai', 'x'.repeat(262_000))), 'a long text under the limit reads')
})
