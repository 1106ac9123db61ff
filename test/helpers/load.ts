/**
 * Load for the fault suite: dossier PUTs and signed webhooks from a few concurrent workers until
 * stopped, recording every answer. What was answered 202 must be delivered later; nothing may
 * be answered 500.
 */
import { signWebhook } from '../../src/webhooks/signature.js'
import { SANDBOX_WEBHOOK_SECRET } from '../../src/server.js'
import { sampleEvent } from '../../connectors/national-portal/simulator-push.js'
import { SANDBOX_PROCEDURES, SANDBOX_PROVINCE_CODE } from '../../connectors/national-portal/simulator.js'
import type { TestHub } from './hub.js'
import { snapshot } from './dossier.js'

export interface LoadResult {
  /** Every status seen, with how often. */
  statuses: Map<number, number>
  /** Dossier → highest version answered 202. */
  accepted: Map<string, number>
  /** Webhook ids answered 202 (committed to the inbox). */
  events: string[]
  /** Bodies of 5xx answers other than 503, and 503s without Retry-After. */
  failures: string[]
  /** Every answer: when its request was sent and answered (ms epoch), and its status (0 = none). */
  timeline: Array<{ sent: number; at: number; status: number; kind: 'put' | 'webhook' }>
}

export function startLoad(hub: TestHub, options: { dossiers: number; workers?: number; tag: string }): { stop(): Promise<LoadResult> } {
  const result: LoadResult = { statuses: new Map(), accepted: new Map(), events: [], failures: [], timeline: [] }
  const versions = new Map<string, number>()
  let stopping = false
  let n = 0
  const base = { procedureCode: SANDBOX_PROCEDURES.birthRegistration, agencyCode: SANDBOX_PROVINCE_CODE }
  const count = (status: number, body: unknown, headers: Headers | undefined, sent: number, kind: 'put' | 'webhook') => {
    result.statuses.set(status, (result.statuses.get(status) ?? 0) + 1)
    result.timeline.push({ sent, at: Date.now(), status, kind })
    if (status >= 500 && status !== 503) result.failures.push(`${status} ${JSON.stringify(body).slice(0, 300)}`)
    if (status === 503 && !headers?.get('retry-after')) result.failures.push(`503 without Retry-After ${JSON.stringify(body).slice(0, 300)}`)
  }
  async function worker() {
    while (!stopping) {
      const i = n++
      if (i % 4 === 3) {
        const id = `msg_${options.tag}_${i}`
        const body = JSON.stringify({ type: 'dossier.status_changed', timestamp: new Date().toISOString(), data: sampleEvent('dossier.status_changed', { dossierCode: `H34-${options.tag}-${i % options.dossiers}` }).data })
        const headers = signWebhook({ id, timestamp: Math.floor(Date.now() / 1000), body, secrets: [SANDBOX_WEBHOOK_SECRET] })
        const sent = Date.now()
        const res = await fetch(`${hub.url}/v1/webhooks/national-portal`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body }).catch(() => undefined)
        const text = res ? await res.text() : 'no answer'
        count(res?.status ?? 0, text, res?.headers, sent, 'webhook')
        if (res?.status === 202) result.events.push(id)
        continue
      }
      const code = `HS-${options.tag}-${i % options.dossiers}`
      const version = (versions.get(code) ?? 0) + 1
      versions.set(code, version)
      const sent = Date.now()
      const res = await hub.call(`/v1/dossiers/${code}`, { method: 'PUT', body: snapshot(version, base) }).catch(() => ({ status: 0, body: 'no answer', headers: undefined }))
      count(res.status, res.body, res.headers, sent, 'put')
      if (res.status === 202) result.accepted.set(code, Math.max(result.accepted.get(code) ?? 0, version))
    }
  }
  const running = Array.from({ length: options.workers ?? 6 }, worker)
  return {
    async stop() {
      stopping = true
      await Promise.all(running)
      return result
    },
  }
}

/** The versions of a dossier the portal simulator received, in arrival order. */
export async function portalVersions(hub: TestHub, code: string): Promise<number[]> {
  const res = await fetch(`${hub.simulators['national-portal']!.url}/__sim/dossiers/${code}`)
  if (res.status === 404) return []
  const body = (await res.json()) as { versions: Array<{ record: { TrichYeuHoSo: string } }> }
  return body.versions.map((v) => Number(/version (\d+)/.exec(v.record.TrichYeuHoSo)?.[1]))
}
