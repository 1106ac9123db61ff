/** Shared pieces of the document-axis integration tests: the one-stop's secret, a remote agency, a valid send body. */
import { randomBytes } from 'node:crypto'
import { SANDBOX_AXIS } from '../../connectors/document-axis/simulator.js'

export const ONE_STOP = `whsec_${Buffer.from(`one-stop-${randomBytes(6).toString('hex')}`).toString('base64')}`
export const G22 = { organId: SANDBOX_AXIS.governmentOffice.organId, organName: SANDBOX_AXIS.governmentOffice.name }
let seq = 0

/** A valid POST /v1/edocs body; the number is unique per call. */
export function edocBody(overrides: Record<string, unknown> = {}) {
  return {
    to: [G22],
    code: { number: String(1000 + ++seq) + randomBytes(2).toString('hex'), notation: 'UBND-VP' },
    promulgation: { place: 'Kon Tum', date: '2026-11-26' },
    documentType: { type: '1', typeName: 'Công văn' },
    subject: 'V/v báo cáo kết quả giải quyết thủ tục hành chính quý IV năm 2026',
    signer: { fullName: 'Nguyễn Văn Ánh', position: 'Chủ tịch' },
    attachments: [{ name: 'cong-van.pdf', contentType: 'application/pdf', data: Buffer.from('%PDF-1.7 công văn').toString('base64') }],
    ...overrides,
  }
}
