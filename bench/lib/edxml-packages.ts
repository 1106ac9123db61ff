/**
 * The packages and operations of the edxml benchmark, shared by the in-process timing (bench/edxml.ts)
 * and the per-operation memory child (edxml-memory-child.ts).
 */
import { XMLParser } from 'fast-xml-parser'
import { buildEdoc, parseEdoc } from '../../connectors/document-axis/edxml.js'
import type { Edoc } from '../../connectors/document-axis/model.js'
import { signPackage, verifyPackage } from '../../connectors/document-axis/edxml-signature.js'
import { createTestPki, type TestIdentity } from '../../connectors/document-axis/test-pki.js'
import { seededBytes } from '../../src/sim/prng.js'

/** A header with what real packages carry (VNPT's library output, reference S2) and two attachments totalling ~780 KB (~1 MiB as base64). */
export function benchEdoc(): Edoc {
  return {
    header: {
      from: { organId: '000.00.00.H34', organizationInCharge: 'UBND tỉnh Kon Tum', organName: 'Ủy ban nhân dân tỉnh Kon Tum', email: 'ubnd@kontum.gov.vn' },
      to: [
        { organId: '000.00.00.G22', organName: 'Văn phòng Chính phủ' },
        { organId: '000.00.24.H34', organName: 'Sở Thông tin và Truyền thông tỉnh Kon Tum' },
      ],
      documentId: '000.00.00.H34,2024/05/01,12/UBND-TTĐT',
      code: { number: '12', notation: 'UBND-TTĐT' },
      promulgation: { place: 'Kon Tum', date: '2024-05-01' },
      documentType: { type: '1', typeDetail: '0', typeName: 'Công văn' },
      subject: 'V/v triển khai Kế hoạch số 1613/KH-UBND về chuyển đổi số',
      content: 'Đề nghị các đơn vị triển khai và báo cáo kết quả trước ngày 15/5/2024.',
      signer: { competence: 'KT. CHỦ TỊCH', position: 'PHÓ CHỦ TỊCH', fullName: 'Nguyễn Văn An' },
      dueDate: '2024-05-15',
      other: { priority: '1', sphereOfPromulgation: 'Toàn tỉnh', typerNotation: 'TTĐT', promulgationAmount: 25, pageAmount: 3, direction: false, appendixes: ['Phụ lục'] },
      responseFor: [{ organId: '000.00.00.G22', code: '7816/VPCP-TTĐT', promulgationDate: '2015-09-30', documentId: '000.00.00.G22,2015/09/30,7816/VPCP-TTĐT' }],
      steeringType: '1',
      toPlaces: ['Như trên', 'Lưu: VT, TTĐT'],
      trace: [{ organId: '000.00.00.H34', timestamp: '2024-05-01T08:30:00+07:00' }],
      business: { docType: 'new', paper: '0', staff: [{ department: 'Văn thư', staff: 'Trần Thị Bình', email: 'vt@kontum.gov.vn', mobile: '0912345678' }] },
    },
    attachments: [
      { contentId: 'cv12', contentType: 'application/pdf', name: 'Công văn 12.pdf', data: seededBytes(400_000, 0x2024) },
      { contentId: 'phuluc', contentType: 'application/zip', manifestContentType: 'application/pdf', name: 'Phụ lục.doc', data: seededBytes(380_000, 0x1613) },
    ],
  }
}

export interface BenchPackages {
  edoc: Edoc
  pkg: Buffer
  text: string
  /** The same package with another namespace prefix: the attachment fast path does not apply. */
  otherPrefix: Buffer
  identity: TestIdentity
  signed: Buffer
}

export function benchPackages(): BenchPackages {
  const edoc = benchEdoc()
  const pkg = buildEdoc(edoc)
  const text = pkg.toString('utf8')
  const identity = createTestPki().issue('000.00.00.H34', 'UBND tỉnh Kon Tum')
  return {
    edoc, pkg, text, identity, signed: signPackage(pkg, identity),
    otherPrefix: Buffer.from(text.replaceAll('edXML:', 'vb:').replaceAll('xmlns:edXML=', 'xmlns:vb=')),
  }
}

export const OPERATIONS = {
  build: (p: BenchPackages) => () => buildEdoc(p.edoc),
  parse: (p: BenchPackages) => () => parseEdoc(p.pkg),
  roundTrip: (p: BenchPackages) => () => parseEdoc(buildEdoc(p.edoc)),
  fullPath: (p: BenchPackages) => () => parseEdoc(p.otherPrefix),
  sign: (p: BenchPackages) => () => signPackage(p.pkg, p.identity),
  verify: (p: BenchPackages) => () => verifyPackage(p.signed),
  baseline: (p: BenchPackages) => {
    const parser = new XMLParser()
    return () => parser.parse(p.text) as unknown
  },
} satisfies Record<string, (p: BenchPackages) => () => unknown>
export type OperationKey = keyof typeof OPERATIONS
