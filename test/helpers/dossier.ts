/** Dossier fixtures and polling for the sync tests. */
import type { DossierSnapshot } from '../../schemas/dossier.js'
import type { TestHub } from './hub.js'

/** A valid snapshot; `summary` carries the version so what the portal received can be mapped back. */
export function snapshot(version: number, overrides: Partial<DossierSnapshot> & { procedureCode: string; agencyCode: string }): DossierSnapshot {
  return {
    version,
    procedureName: 'Đăng ký khai sinh',
    channel: 'in_person',
    applicant: { type: 'citizen', id: '062090001234', name: 'Nguyễn Văn An', phone: '0912345678' },
    summary: `version ${version}`,
    receivedAt: '2026-11-20T08:30:00+07:00',
    dueAt: '2026-11-25T17:00:00+07:00',
    status: 'processing',
    ...overrides,
  }
}

/** The version a received portal record carries in its summary (`TrichYeuHoSo`). */
export const versionOf = (summary: unknown): number => Number(/version (\d+)/.exec(String(summary))?.[1] ?? NaN)

/** Polls `fn` until it returns a truthy value or `timeoutMs` passes (then throws with `what`). */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 15_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await fn()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, everyMs))
  }
}

/** A dossier code no other test or run uses; `kind` says which test made it. */
let codeSeq = 0
export const newCode = (kind: string) => `HS-${kind}-${process.pid}-${Date.now().toString(36)}-${++codeSeq}`

/** A call to the hub's sandbox portal simulator (control and inspection routes); the JSON reply. */
export async function portalSim(hub: TestHub, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${hub.simulators['national-portal']!.url}${path}`, {
    method, ...(body !== undefined && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  })
  return res.json()
}
/** Every version of a dossier the portal simulator received, in arrival order. */
export const receivedVersions = async (hub: TestHub, code: string): Promise<number[]> =>
  (await portalSim(hub, 'GET', `/__sim/dossiers/${encodeURIComponent(code)}`)).versions.map((v: any) => versionOf(v.record.TrichYeuHoSo))
export const putDossier = (hub: TestHub, code: string, body: unknown) => hub.call(`/v1/dossiers/${code}`, { method: 'PUT', body })
/** The dossier's sync state towards the national portal, as GET /v1/dossiers/{code} shows it. */
export const syncState = async (hub: TestHub, code: string) => (await hub.call(`/v1/dossiers/${code}`)).body?.sync?.['national-portal']
