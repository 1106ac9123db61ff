/**
 * Sample data for the sandbox (`npm start` with no upstream): 36 dossiers of November 2026 and
 * their feedback, sent through the hub's own API (`PUT /v1/dossiers`, the signed webhook), so
 * `/v1/indicators` shows non-trivial numbers at once. Deterministic and idempotent: a restart
 * sends the same versions (answered `unchanged`) and the same webhook ids (deduplicated).
 * Never runs outside the sandbox (src/main.ts calls it only then).
 */
import type { DossierSnapshot } from '../../schemas/dossier.js'
import { signWebhook } from '../webhooks/signature.js'
import type { HubHandle } from '../server.js'

/** A commune, a department, and an old Kon Tum code the merger mapping turns into a Quảng Ngãi one. */
const AGENCIES = ['000.00.61.H48', '000.00.10.H48', '000.00.13.H34'] as const
const PROCEDURES = [['1.001193', 'Đăng ký khai sinh'], ['2.000815', 'Chứng thực bản sao từ bản chính'], ['1.009999', 'Cấp giấy phép xây dựng nhà ở riêng lẻ']] as const
const CHANNELS = ['online', 'in_person', 'online', 'post'] as const
const SHA = (n: number) => n.toString(16).padStart(64, 'a')

/** Dossier n (0–35): every property varies on its own cycle, so each indicator gets a share between 0 and 1. */
export function sampleDossier(n: number): { code: string; snapshot: DossierSnapshot } {
  const day = 2 + (n % 26)
  const received = `2026-11-${String(day).padStart(2, '0')}T08:00:00+07:00`
  const due = `2026-11-${String(day + 2).padStart(2, '0')}T17:00:00+07:00`
  const [procedureCode, procedureName] = PROCEDURES[n % 3]!
  const finished = n % 4 !== 3
  const late = n % 5 === 0
  const processedAt = `2026-11-${String(day + (late ? 3 : 1)).padStart(2, '0')}T10:00:00+07:00`
  const snapshot: DossierSnapshot = {
    version: 1,
    procedureCode, procedureName,
    agencyCode: AGENCIES[n % 3]!,
    channel: CHANNELS[n % 4]!,
    applicant: { type: 'citizen', id: `0620900${String(10000 + n)}`, name: `Công dân mẫu ${n}` },
    summary: `Hồ sơ mẫu ${n}`,
    receivedAt: received,
    dueAt: due,
    status: finished ? (n % 2 === 0 ? 'returned' : 'processed') : 'processing',
    ...(finished && { processedAt }),
    onlinePayment: n % 3 === 0 ? 'portal' : 'none',
    fees: n % 6 === 5 ? [] : [{ name: 'Lệ phí', amount: 8000, kind: 'fee' }],
    documents: [
      { id: `p${n}-1`, name: 'Tờ khai', url: `https://sandbox.invalid/papers/${n}-1.pdf`, ...(n % 3 !== 2 && { sha256: SHA(n) }) },
      { id: `p${n}-2`, name: 'Giấy tờ tùy thân', ...(n % 4 === 0 && { reused: true }), ...(n % 7 === 0 && { fromPortalDataStore: true }) },
    ],
    ...(finished && n % 3 !== 1 && { results: [{ name: 'Kết quả', resultCode: 'KQ', url: `https://sandbox.invalid/results/${n}.pdf`, sha256: SHA(1000 + n) }] }),
    ...(n % 5 < 2 && { connectedDatabases: ['population' as const] }),
  }
  return { code: `H48-SAMPLE-${String(n).padStart(3, '0')}`, snapshot }
}

export async function seedSandboxSample(hub: Pick<HubHandle, 'url' | 'config'>): Promise<{ dossiers: number; feedback: number }> {
  const auth = { authorization: `Bearer ${hub.config.sandbox.demoKey}`, 'content-type': 'application/json' }
  let dossiers = 0
  for (let n = 0; n < 36; n++) {
    const { code, snapshot } = sampleDossier(n)
    const res = await fetch(`${hub.url}/v1/dossiers/${code}`, { method: 'PUT', headers: auth, body: JSON.stringify(snapshot) })
    if (res.status >= 300) throw new Error(`PUT /v1/dossiers/${code} answered ${res.status}: ${await res.text()}`)
    dossiers++
  }
  let feedback = 0
  const secret = hub.config.webhooks.nationalPortal.secrets[0]!
  for (let n = 0; n < 36; n += 3) {
    const { code, snapshot } = sampleDossier(n)
    const body = JSON.stringify({
      type: 'feedback.submitted', timestamp: '2026-11-28T09:00:00+07:00',
      data: { dossierCode: code, agencyCode: snapshot.agencyCode, rating: n % 9 === 0 ? 2 : 5, submittedAt: `2026-11-${String(2 + (n % 26)).padStart(2, '0')}T16:00:00+07:00` },
    })
    const headers = signWebhook({ id: `msg_sandbox_feedback_${n}`, timestamp: Math.floor(Date.now() / 1000), body, secrets: [secret] })
    const res = await fetch(`${hub.url}/v1/webhooks/national-portal`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body })
    if (res.status >= 300) throw new Error(`the sample feedback ${n} answered ${res.status}: ${await res.text()}`)
    feedback++
  }
  return { dossiers, feedback }
}
