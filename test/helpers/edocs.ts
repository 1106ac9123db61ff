/** Shared pieces of the document-axis integration tests: the one-stop's secret, a remote agency, a valid send body, a receiving hub. */
import { randomBytes } from 'node:crypto'
import { SANDBOX_AXIS, startDocumentAxisSimulator } from '../../connectors/document-axis/simulator.js'
import { startTestHub } from './hub.js'
import { startReceiver } from './receiver.js'

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

/**
 * A hub on PostgreSQL receiving from its own axis simulator (no auto-replies) as the province,
 * delivering events to a one-stop receiver. `config` is merged into the hub's config (a schema
 * of its own, connector limits); teardown closes all three.
 */
export async function startAxisHub(t: { teardown(fn: () => unknown): void }, config: { database?: Record<string, unknown>; limits?: Record<string, unknown> } = {}) {
  const receiver = await startReceiver({ secret: ONE_STOP })
  const axis = await startDocumentAxisSimulator({ autoReply: false })
  t.teardown(async () => {
    await receiver.close()
    await axis.close()
  })
  const own = SANDBOX_AXIS.province
  const start = (limits = config.limits) => startTestHub('postgres', {
    ...(config.database && { database: config.database }),
    connectors: { 'document-axis': { baseUrl: axis.url, systemId: own.systemId, secret: own.secret, organId: own.organId, organName: own.name, ...(limits && { limits }) } },
    edocs: { pollEveryMs: 200 },
    subscribers: [{ name: 'one-stop', url: `${receiver.url}/hooks`, secrets: [ONE_STOP], agencies: ['*.H34'] }],
    webhooks: { scheduleMs: [0, 200, 200, 300] },
    sync: { reconcileEveryMs: 300, staleAfterMs: 1000 },
  })
  return { receiver, axis, own, start }
}
