/** Shared test data for the national-portal tests (not a test file). */
import type { DossierRecordInput } from '../../../schemas/portal.js'

/** A dossier with every field set, times in three different offsets; a citizen of the merged Quảng Ngãi province. */
export const FULL_DOSSIER: DossierRecordInput = {
  code: 'HS-2024-000123',
  version: 3,
  procedureCode: '1.001193',
  procedureName: 'Đăng ký khai sinh',
  fieldCode: 'HT',
  fieldName: 'Hộ tịch',
  agencyCode: '000.00.21.H48',
  receiptNumber: 'BN-0042',
  channel: 'post',
  resultDelivery: 'post',
  submittedVia: 'portal',
  onlinePayment: 'portal',
  applicant: {
    type: 'citizen', id: '062090001234', name: 'Nguyễn Thị Hoa', phone: '0912345678', email: 'hoa@example.vn', address: 'Thôn 3, xã Đăk Hà, tỉnh Quảng Ngãi',
    portalAccountId: 'techid-7f3a9c', vneidVerified: true,
  },
  summary: 'Đăng ký khai sinh cho con',
  submittedAt: '2024-02-29T23:00:00Z',
  receivedAt: '2024-03-01T01:30:00Z',
  dueAt: '2024-03-05T17:00:00+07:00',
  status: 'returned',
  returnedAt: '2024-03-04T22:15:00-02:00',
  processedAt: '2024-03-04T08:00:00+07:00',
  returnNote: 'Trả qua bưu chính công ích',
  handlingUnit: 'Bộ phận Tư pháp - Hộ tịch',
  note: 'Ưu tiên',
  documents: [
    { id: 'att-1', name: 'To khai.pdf', componentCode: 'GT.002', url: 'https://onestop.example.vn/f/1', sha256: 'b'.repeat(64) },
    { id: 'att-2', name: 'Old.pdf', deleted: true },
    { id: 'att-3', name: 'CCCD.pdf', componentCode: 'GT.001', documentCode: '062090001234.CCCD', sha256: 'c'.repeat(64), fromPortalDataStore: true, replacesResult: 'KQ-2023-9' },
  ],
  results: [{ id: 'kq-1', name: 'Giấy khai sinh', componentCode: 'KQ.001', resultCode: 'KQ.GKS', documentCode: '062090001234.GKS', url: 'https://onestop.example.vn/r/1', sha256: 'a'.repeat(64), issuedAt: '2024-03-04T08:00:00+07:00' }],
  fees: [{ code: 'LP01', name: 'Lệ phí đăng ký', amount: 8000, kind: 'fee', paymentMethod: 'Trực tuyến' }, { name: 'Phí sao', amount: 2000, kind: 'charge' }, { name: 'Khác', amount: 0 }],
  supplements: [
    {
      id: 'BS-1', requestedAt: '2024-03-02T02:00:00Z', requestedBy: 'Trần Văn Bình', reason: 'Thiếu giấy chứng sinh', dueAt: '2024-03-03T10:00:00+07:00',
      suppliedAt: '2024-03-02T15:00:00+07:00', receivedBy: 'Lê Thị Cúc', receiptNote: 'Đã nhận giấy chứng sinh',
      papers: [{ id: 'bs-att-1', name: 'Giay chung sinh.pdf', url: 'https://onestop.example.vn/f/9' }], fees: [{ name: 'Phí bổ sung', amount: 5000 }],
      previousDossierDueAt: '2024-03-05T17:00:00+07:00', newDossierDueAt: '2024-03-06T17:00:00+07:00',
    },
    { requestedAt: '2024-03-03T09:00:00+07:00', reason: 'Ảnh mờ' },
  ],
  otherPapers: [{ name: 'Bản sao sổ hộ khẩu', count: 2, kind: 1 }],
  facts: { connectedDatabases: ['population'], reusedDocuments: ['att-3'] },
}

/** The least a dossier needs: sandbox procedure, sandbox commune. */
export const MINIMAL_DOSSIER: DossierRecordInput = {
  code: 'HS-MIN-1', version: 1, procedureCode: '1.001193', agencyCode: '000.00.21.H48', channel: 'online',
  applicant: { type: 'citizen', id: '062090001234', name: 'Nguyễn Văn An', phone: '0905123456' }, receivedAt: '2024-03-01T08:00:00+07:00', status: 'received',
}
