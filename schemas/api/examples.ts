/**
 * Request examples of the OpenAPI document, by operationId: what the console at /docs fills in
 * for "Try it out" and what generated clients show. Each is sandbox data that passes the API's own
 * validation (the demo citizen 062090001234, the sandbox enterprise 6101234566, the sandbox
 * procedure 1.001193 and agencies); test/integration/openapi-examples.test.ts sends every one to a
 * sandbox hub and expects a 2xx. Values the hub mints itself (a document's uuid, a dead letter's
 * id) are shown as realistic placeholders; that test names which and takes them from earlier calls.
 */

export interface OperationExample {
  params?: Record<string, string | number>
  query?: Record<string, string | number | boolean>
  headers?: Record<string, string>
  body?: unknown
}

/** The accountable officer and purpose every personal-data route needs. */
export const OFFICER_HEADERS = { 'x-officer-id': 'CB-0001', 'x-purpose': 'HS-2026-000123' } as const

const citizen = { personalId: '062090001234', fullName: 'Nguyễn Văn An', dateOfBirth: '1990-05-15' }
const dossierCode = 'HS-2026-000123'

export const OPERATION_EXAMPLES: Record<string, OperationExample> = {
  lookupCitizen: { body: citizen },
  verifyCitizen: { body: citizen },
  // The sandbox civil-status register's birth entry (connectors/civil-status/sandbox-records.ts).
  lookupCivilStatusRecord: { body: { kind: 'birth', officeCode: '23284', book: '01/1990', number: '125' } },
  verifyCivilStatusRecord: { body: { kind: 'birth', officeCode: '23284', book: '01/1990', number: '125', fullName: citizen.fullName, dateOfBirth: citizen.dateOfBirth } },
  getEnterprise: { params: { code: '6101234566' } },
  registerDocument: {
    body: {
      code: '062090001234.CCCD', title: 'Căn cước công dân', issuingAgency: 'Cục Cảnh sát quản lý hành chính về trật tự xã hội',
      url: 'https://files.example.invalid/cccd.pdf', sha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
      validUntil: '2031-05-15T00:00:00+07:00', dossierCode,
    },
  },
  searchDocuments: { body: { ownerId: '062090001234' } },
  prefillApplication: { body: { procedureCode: '1.001193', applicant: { type: 'citizen', id: citizen.personalId, fullName: citizen.fullName, dateOfBirth: citizen.dateOfBirth } } },
  getProcedure: { params: { code: '1.001193' } },
  upsertDossier: {
    params: { code: dossierCode },
    body: {
      version: 1, procedureCode: '1.001193', agencyCode: '000.00.61.H48', channel: 'in_person', resultDelivery: 'desk', status: 'received',
      applicant: { type: 'citizen', id: citizen.personalId, name: citizen.fullName, phone: '0912345678', address: 'Phường Quyết Thắng, Thành phố Kon Tum, Tỉnh Kon Tum' },
      summary: 'Đăng ký khai sinh cho con: Nguyễn Thị Mai', receivedAt: '2026-11-26T08:30:00+07:00', dueAt: '2026-11-27T17:00:00+07:00',
      fees: [{ name: 'Lệ phí', amount: 8000 }],
    },
  },
  addDossierProgress: {
    params: { code: dossierCode },
    body: { id: 'step-1', officer: 'Trần Văn Bình', unit: 'Bộ phận một cửa', at: '2026-11-26T09:00:00+07:00', content: 'Tiếp nhận hồ sơ', status: 'processing' },
  },
  getDossier: { params: { code: dossierCode } },
  listDossiers: { query: { syncState: 'delivered', limit: 50 } },
  startPayment: { params: { code: dossierCode } },
  getPayment: { params: { code: dossierCode } },
  getPaymentReceipt: { params: { code: dossierCode } },
  receivePaymentCallback: {
    body: {
      LoaiBanTin: 'CONFIRM', MaLoi: '00', MaDoiTac: 'SANDBOX-H48', MaThamChieu: 'HS-2026-000123.mbx1k2a3b4c5', SoTien: '8000', MaTienTe: 'VND',
      MaGiaoDich: 'GD4F2A9C1B7E03', MaNganHang: 'SANDBOXBANK', ThoiGianGD: '20261126093000', ThongTinGiaoDich: 'Thanh toan HS-2026-000123.mbx1k2a3b4c5',
      MaXacThuc: '<the platform\'s checksum of this callback>',
    },
  },
  receiveNationalPortalWebhook: {
    headers: { 'webhook-id': 'msg_2v9QkqX4c0JfT7nS', 'webhook-timestamp': '1795660200', 'webhook-signature': 'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=' },
    body: {
      type: 'dossier.submitted', timestamp: '2026-11-26T08:30:00+07:00',
      data: {
        dossierCode: 'G22.99-261126-0001', procedureCode: '1.001193', procedureName: 'Thủ tục đăng ký khai sinh', agencyCode: '000.00.61.H48',
        applicant: { type: 'citizen', id: citizen.personalId, name: citizen.fullName, phone: '0912345678' },
        submittedAt: '2026-11-26T08:30:00+07:00',
        papers: [{ code: 'GCS', name: 'Giấy chứng sinh', url: 'https://files.example.invalid/giay-chung-sinh.pdf' }],
        fees: [{ name: 'Lệ phí', amount: 8000 }],
      },
    },
  },
  listEvents: { query: { after: 0, limit: 100 } },
  receivePortalForward: {
    params: { name: 'addtthcKhuyenMai' },
    body: { MaHoSo: 'G22.99-000001', MaTTHC: '2.000002', MaSoThue: '6101234566', TenThuongNhan: 'Công ty TNHH Một thành viên Cà phê Ngọc Linh' },
  },
  sendEdoc: {
    body: {
      to: [{ organId: '000.00.00.G22', organName: 'Văn phòng Chính phủ' }], code: { number: '123', notation: 'UBND-VP' },
      promulgation: { place: 'Kon Tum', date: '2026-11-26' }, documentType: { type: '1', typeName: 'Công văn' },
      subject: 'V/v báo cáo kết quả giải quyết thủ tục hành chính quý IV năm 2026', signer: { fullName: 'Nguyễn Văn Ánh', position: 'Chủ tịch' },
      attachments: [{ name: 'cong-van.pdf', contentType: 'application/pdf', data: 'JVBERi0xLjc=' }],
    },
  },
  getEdoc: { params: { id: '0b6f4f1e-8c3a-4d52-9e57-2a1d5c7b9e10' } },
  getEdocAttachment: { params: { id: '0b6f4f1e-8c3a-4d52-9e57-2a1d5c7b9e10', contentId: 'att1' } },
  reportEdocStatus: {
    params: { id: '0b6f4f1e-8c3a-4d52-9e57-2a1d5c7b9e10' },
    body: { statusCode: '03', description: 'Đã tiếp nhận văn bản', staff: { department: 'Văn phòng UBND tỉnh', staff: 'Lê Thị Hồng' } },
  },
  listDeadLetters: { query: { target: 'national-portal', limit: 100 } },
  replayDeadLetter: { params: { id: 42 } },
  replayDeadLettersSince: { body: { target: 'national-portal', since: '2026-11-26T00:00:00Z' } },
  searchAudit: { headers: { 'x-officer-id': 'CB-0001', 'x-purpose': 'complaint 2026-17' }, body: { personalId: '062090001234', limit: 100 } },
  enableSubscriber: { params: { name: 'kontum-one-stop' } },
  listUnroutedEvents: { query: { after: 0, limit: 100 } },
  listDeadDeliveries: { query: { subscriber: 'kontum-one-stop', limit: 100 } },
  replayDeadDelivery: { params: { subscriber: 'kontum-one-stop', seq: 7 } },
  listReceiveFailures: { query: { state: 'quarantined', limit: 100 } },
  retryReceiveFailure: { params: { docId: '7b7559af-7801-46d1-85c4-ef4d0f34b4e6' } },
  discardReceiveFailure: { params: { docId: '7b7559af-7801-46d1-85c4-ef4d0f34b4e6' } },
  listPortalQuarantine: { query: { limit: 100 } },
  listSampleSubscriberDeliveries: { query: { limit: 50 } },
  getPortalFile: { params: { sha256: '4a3c1e0e6c2b2f0d9f4b8a7e5d6c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c' } },
  getIndicators: { query: { from: '2026-11-01', to: '2026-11-30', groupBy: 'agency' } },
  getIndicatorSummary: { query: { from: '2026-11-01', to: '2026-11-30' } },
  auditAccessReport: { headers: { 'x-officer-id': 'CB-0001', 'x-purpose': 'citizen request 2026-42' }, body: { personalId: '062090001234', format: 'json' } },
  listUpstreamErrors: { query: { limit: 50 } },
  listEdocs: { query: { direction: 'outgoing', limit: 50 } },
  inspectReceiveFailure: { params: { docId: '7b7559af-7801-46d1-85c4-ef4d0f34b4e6' } },
  // The sandbox demo key (fixed, fake, sandbox only).
  consoleSignIn: { body: { key: 'lgsp-demo-key-0000-not-a-secret', officerId: 'CB-0001' } },
}
