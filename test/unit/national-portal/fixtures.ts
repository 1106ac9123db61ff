/** Shared test data for the national-portal tests (not a test file). */
import type { DossierRecordInput } from '../../../connectors/national-portal/schemas.js'

/** A dossier with every field set, times in three different offsets. */
export const FULL_DOSSIER: DossierRecordInput = {
  code: 'HS-2024-000123',
  version: 3,
  procedureCode: '1.001193',
  procedureName: 'Đăng ký khai sinh',
  fieldCode: 'HT',
  fieldName: 'Hộ tịch',
  agencyCode: '000.01.20.H34',
  receiptNumber: 'BN-0042',
  channel: 'post',
  applicant: { type: 'business', id: '0100109106', name: 'Công ty TNHH Ví Dụ', phone: '0912345678', email: 'lienhe@example.vn', address: '12 Trần Phú, Kon Tum' },
  summary: 'Đăng ký khai sinh cho con',
  receivedAt: '2024-03-01T01:30:00Z',
  dueAt: '2024-03-05T17:00:00+07:00',
  status: 'returned',
  returnedAt: '2024-03-04T22:15:00-02:00',
  processedAt: '2024-03-04T08:00:00+07:00',
  returnNote: 'Trả tại bộ phận một cửa',
  handlingUnit: 'Bộ phận Tư pháp - Hộ tịch',
  note: 'Ưu tiên',
  documents: [
    { id: 'att-1', name: 'To khai.pdf', componentCode: 'GT.002', url: 'https://onestop.example.vn/f/1' },
    { id: 'att-2', name: 'Old.pdf', deleted: true },
  ],
  results: [{ name: 'Giấy khai sinh', componentCode: 'KQ.001', documentCode: '062090001234.GKS', url: 'https://onestop.example.vn/r/1', sha256: 'a'.repeat(64), issuedAt: '2024-03-04T08:00:00+07:00' }],
  fees: [{ code: 'LP01', name: 'Lệ phí đăng ký', amount: 8000, kind: 'fee', paymentMethod: 'Trực tuyến' }, { name: 'Phí sao', amount: 2000, kind: 'charge' }, { name: 'Khác', amount: 0 }],
  supplements: [{ requestedAt: '2024-03-02T02:00:00Z', reason: 'Thiếu giấy chứng sinh', dueAt: '2024-03-03T10:00:00+07:00', suppliedAt: '2024-03-02T15:00:00+07:00' }, { requestedAt: '2024-03-03T09:00:00+07:00', reason: 'Ảnh mờ' }],
}

/** The least a dossier needs: sandbox procedure, sandbox commune. */
export const MINIMAL_DOSSIER: DossierRecordInput = {
  code: 'HS-MIN-1', version: 1, procedureCode: '1.001193', agencyCode: '000.01.20.H34', channel: 'online',
  applicant: { type: 'citizen', id: '062090001234', name: 'Nguyễn Văn An', phone: '0905123456' }, receivedAt: '2024-03-01T08:00:00+07:00', status: 'received',
}
