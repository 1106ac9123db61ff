/** Documents and helpers shared by the edXML tests (round trips in edxml.test.ts, refusals in edxml-refusals.test.ts). */
import { buildEdoc } from '../../../connectors/document-axis/edxml.js'
import { EdxmlError, type Edoc } from '../../../connectors/document-axis/model.js'
import { seededBytes as bytes } from '../../../src/sim/prng.js'

/** The real packages (read-only, present in CI; README there names the source). */
export const SAMPLES = new URL('../../../../shared/reference/samples/edxml/', import.meta.url)

/** Why the reference says three copies may be refused, and what the parser must say. */
export const REFUSED: Record<string, { message: string; element: string | undefined }> = {
  'edoc.edxml': {
    message: 'edXML/AttachmentEncoded/Attachment/ContentTransferEncoded of attachment 1 is not valid base64: U+0024 at offset 0 is not base64',
    element: 'edXML/AttachmentEncoded/Attachment/ContentTransferEncoded',
  },
  'edoc.edxml.bak': {
    message: 'edXML/AttachmentEncoded/Attachment/ContentTransferEncoded of attachment 1 is not valid base64: U+0024 at offset 0 is not base64',
    element: 'edXML/AttachmentEncoded/Attachment/ContentTransferEncoded',
  },
  'edoc_new.edxml': { message: 'the package has stray text before its XML declaration ("1212")', element: undefined },
}

export const NS = 'http://www.mic.gov.vn/TBT/QCVN_102_2016'
export const MH = 'edXML/edXMLEnvelope/edXMLHeader/MessageHeader'

export const ALL_BYTE_VALUES = Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 7) % 256))

/** A small but complete document, as the builder's input. */
export function minimal(): Edoc {
  return {
    header: {
      from: { organId: '000.00.00.H34', organName: 'Ủy ban nhân dân tỉnh Kon Tum' },
      to: [{ organId: '000.00.00.G22', organName: 'Văn phòng Chính phủ' }],
      documentId: '000.00.00.H34,2024/05/01,12/UBND-TTĐT',
      code: { number: '12', notation: 'UBND-TTĐT' },
      promulgation: { place: 'Kon Tum', date: '2024-05-01' },
      documentType: { type: '1', typeName: 'Công văn' },
      subject: 'V/v triển khai dịch vụ công trực tuyến',
      signer: { fullName: 'Nguyễn Văn An' },
      trace: [],
      business: { docType: 'new' },
    },
    attachments: [{ contentId: 'cv12', contentType: 'application/pdf', name: 'cv12.pdf', data: Buffer.from('%PDF-1.7') }],
  }
}

/** Everything the model can carry, with several recipients and attachments. */
export function full(): Edoc {
  const doc = minimal()
  doc.header = {
    ...doc.header,
    from: {
      organId: '000.00.00.H34', organizationInCharge: 'UBND tỉnh Kon Tum', organName: 'Ủy ban nhân dân tỉnh Kon Tum',
      organAdd: '123 Trần Hưng Đạo, TP. Kon Tum', email: 'ubnd@kontum.gov.vn', telephone: '0260 3862 000', fax: '0260 3862 001', website: 'https://kontum.gov.vn',
    },
    to: [
      { organId: '000.00.00.G22', organName: 'Văn phòng Chính phủ', email: 'vpcp@chinhphu.vn' },
      { organId: '000.00.24.H34', organName: 'Sở Thông tin và Truyền thông tỉnh Kon Tum' },
      { organId: '000.46.24.H34', organName: 'Trung tâm Công nghệ thông tin – TTĐT', website: 'https://ttdt.kontum.gov.vn' },
    ],
    content: 'Thực hiện Kế hoạch 1613/KH-UBND…\nĐề nghị các đơn vị báo cáo trước ngày 15/5.',
    signer: { competence: 'KT. CHỦ TỊCH', position: 'PHÓ CHỦ TỊCH', fullName: 'Nguyễn Văn An' },
    dueDate: '2024-05-15',
    other: { priority: '1', sphereOfPromulgation: 'Toàn tỉnh', typerNotation: 'TTĐT', promulgationAmount: 25, pageAmount: 3, direction: false, appendixes: ['Phụ lục I', 'Phụ lục II'] },
    documentType: { type: '1', typeDetail: '0', typeName: 'Công văn' },
    steeringType: '0',
    toPlaces: ['Như trên', 'Lưu: VT, TTĐT'],
    responseFor: [{ organId: '000.00.00.G22', code: '7816/VPCP-TTĐT', promulgationDate: '2015-09-30', documentId: '000.00.00.G22,2015/09/30,7816/VPCP-TTĐT' }, {}],
    trace: [
      { organId: '000.00.00.H34', timestamp: '2024-05-01T08:30:00+07:00' },
      { organId: '000.00.00.G22', timestamp: '2024-05-01T01:31:02Z' },
      { organId: '000.00.24.H34', timestamp: '2024-04-30T22:00:59-05:00' },
    ],
    business: {
      docType: 'replace', docReason: 'Thay thế văn bản số 10/UBND-TTĐT', paper: '0',
      replacements: [{ documentId: '000.00.00.H34,2024/04/01,10/UBND-TTĐT', organIds: ['000.00.00.G22', '000.00.24.H34'] }],
      staff: [{ department: 'Văn thư', staff: 'Trần Thị Bình', email: 'vt@kontum.gov.vn', mobile: '0912345678' }],
    },
  }
  doc.attachments = [
    { contentId: 'cv12', contentType: 'application/zip', manifestContentType: 'application/pdf', name: 'Công văn 12.pdf', description: 'Bản ký số', data: bytes(70_001, 1) },
    { contentId: 'bytes', contentType: 'application/octet-stream', name: 'all-bytes.bin', data: ALL_BYTE_VALUES },
    { contentId: 'empty', contentType: 'text/plain', name: 'empty.txt', data: Buffer.alloc(0) },
    { contentId: 'phu-luc', contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', name: 'Phụ lục.docx', data: bytes(2, 2) },
  ]
  return doc
}

/** What parsing gives back for `full()`: timestamps in Vietnam time; the rest unchanged. */
export function fullAsRead(): Edoc {
  const doc = full()
  doc.header.trace = [
    { organId: '000.00.00.H34', timestamp: '2024-05-01T08:30:00+07:00' },
    { organId: '000.00.00.G22', timestamp: '2024-05-01T08:31:02+07:00' },
    { organId: '000.00.24.H34', timestamp: '2024-05-01T10:00:59+07:00' },
  ]
  return doc
}

/** Runs `fn`, returns the EdxmlError's message and element (or fails the test). */
export function failure(fn: () => unknown): { message: string; element: string | undefined } {
  try {
    fn()
  } catch (err) {
    if (err instanceof EdxmlError) return { message: err.message, element: err.element }
    throw err
  }
  throw new Error('expected an EdxmlError')
}

export const xmlOf = (doc: Edoc) => buildEdoc(doc).toString('utf8')
