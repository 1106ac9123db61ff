/**
 * Load for the dossier-sync benchmark. `putUpdates`: dossier snapshots PUT to the hub over N
 * concurrent undici connections, either as fast as they are answered or paced at a fixed rate;
 * the time of every 202 is recorded per (dossier, version). Versions of one dossier are never in
 * flight together (a newer one would make the older one a 409). `addJobs`: the raw BullMQ
 * baseline, the same number of jobs added with the same concurrency and job options as the hub's
 * wake-ups. Plus the few control calls (ledger counts, simulator faults).
 */
import { Queue } from 'bullmq'
import { Redis } from 'ioredis'
import { Pool } from 'undici'
import { SANDBOX_PROCEDURES } from '../../connectors/national-portal/simulator.js'
import { snapshot } from '../../test/helpers/dossier.js'

export interface Update {
  code: string
  version: number
}

/** What the load saw: accept times (ms since epoch) per dossier and version, request latencies, failures. */
export interface AcceptLog {
  accepted: Map<string, Map<number, number>>
  /** Send → 202 in ms, with the time of the 202. */
  latencies: Array<{ at: number; ms: number }>
  firstSendAt: number
  lastAcceptAt: number
  failures: string[]
}

export const newAcceptLog = (): AcceptLog => ({ accepted: new Map(), latencies: [], firstSendAt: Infinity, lastAcceptAt: 0, failures: [] })
export const acceptedCount = (log: AcceptLog): number => [...log.accepted.values()].reduce((n, m) => n + m.size, 0)

export interface PutOptions {
  url: string
  /** Authorization and content-type. */
  headers: Record<string, string>
  connections: number
  /** The i-th update, or undefined when there are no more. */
  item(i: number): Update | undefined
  /** Paced: update i is due at `startAt + i / rate` s; none is sent after `endAt`. */
  pace?: { rate: number; startAt: number; endAt: number }
  /** Stops sending (Ctrl-C). */
  signal?: AbortSignal
}

/**
 * A dossier as a one-stop system sends it now (docs/portal-record.md): sent with a pre-merger Kon
 * Tum code (mapped to the merged province's at accept), papers of which one names a document-store
 * code and hash (the hub's reuse check runs for it), fees, a result with its code, a supplement.
 */
const BASE = {
  procedureCode: SANDBOX_PROCEDURES.birthRegistration, agencyCode: '000.01.20.H34', channel: 'online' as const, resultDelivery: 'post' as const,
  submittedVia: 'portal' as const, submittedAt: '2026-11-20T07:55:00+07:00', onlinePayment: 'portal' as const, handlingUnit: 'Bộ phận Tư pháp - Hộ tịch',
  applicant: { type: 'citizen' as const, id: '062090001234', name: 'Nguyễn Văn An', phone: '0912345678', portalAccountId: 'techid-bench-0001', vneidVerified: true },
  documents: [
    { id: 'att-1', name: 'To khai dang ky khai sinh.pdf', componentCode: 'GT.002', url: 'https://onestop.example.invalid/f/1', sha256: 'b'.repeat(64) },
    { id: 'att-2', name: 'Giay chung sinh.pdf', componentCode: 'GT.003', url: 'https://onestop.example.invalid/f/2' },
    { id: 'att-3', name: 'CCCD.pdf', componentCode: 'GT.001', documentCode: '062090001234.CCCD', sha256: 'c'.repeat(64) },
  ],
  fees: [{ code: 'LP01', name: 'Lệ phí đăng ký khai sinh', amount: 8000, kind: 'fee' as const, paymentMethod: 'Trực tuyến' }, { name: 'Phí cấp bản sao', amount: 3000, kind: 'charge' as const }],
  results: [{ id: 'kq-1', name: 'Giấy khai sinh', componentCode: 'KQ.001', resultCode: 'KQ.001', url: 'https://onestop.example.invalid/r/1' }],
  supplements: [{ id: 'BS-1', requestedAt: '2026-11-21T09:00:00+07:00', requestedBy: 'Trần Văn Bình', reason: 'Bổ sung giấy chứng sinh bản chính' }],
  otherPapers: [{ name: 'Bản sao sổ hộ khẩu', count: 1, kind: 1 }],
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
/** Stop sending after this many failed requests: the run is invalid anyway. */
const MAX_FAILURES = 5

/** `updates` spread over dossiers in rounds: every dossier's v1, then every v2, … */
export function rounds(codes: string[], total: number): (i: number) => Update | undefined {
  return (i) => (i < total ? { code: codes[i % codes.length]!, version: Math.floor(i / codes.length) + 1 } : undefined)
}

export async function putUpdates(o: PutOptions, log: AcceptLog): Promise<void> {
  const pool = new Pool(o.url, { connections: o.connections })
  const inflight = new Map<string, Promise<void>>()
  let next = 0

  async function send(u: Update): Promise<void> {
    const body = JSON.stringify(snapshot(u.version, BASE))
    const started = performance.now()
    log.firstSendAt = Math.min(log.firstSendAt, Date.now())
    try {
      const res = await pool.request({ method: 'PUT', path: `/v1/dossiers/${u.code}`, headers: o.headers, body })
      const text = await res.body.text()
      if (res.statusCode !== 202) {
        log.failures.push(`PUT ${u.code} v${u.version}: HTTP ${res.statusCode} ${text.slice(0, 300)}`)
        return
      }
      const at = Date.now()
      log.latencies.push({ at, ms: performance.now() - started })
      log.lastAcceptAt = Math.max(log.lastAcceptAt, at)
      let versions = log.accepted.get(u.code)
      if (!versions) log.accepted.set(u.code, (versions = new Map()))
      versions.set(u.version, at)
    } catch (err) {
      log.failures.push(`PUT ${u.code} v${u.version}: ${(err as Error).message}`)
    }
  }

  async function worker(): Promise<void> {
    while (log.failures.length < MAX_FAILURES && !o.signal?.aborted) {
      const i = next++
      const u = o.item(i)
      if (!u) return
      if (o.pace) {
        const due = o.pace.startAt + (i * 1000) / o.pace.rate
        if (due > o.pace.endAt) return
        if (due > Date.now()) await sleep(due - Date.now())
      }
      const previous = inflight.get(u.code)
      if (previous) await previous
      const p = send(u)
      inflight.set(u.code, p)
      await p
      if (inflight.get(u.code) === p) inflight.delete(u.code)
    }
  }

  try {
    await Promise.all(Array.from({ length: o.connections }, worker))
  } finally {
    await pool.close()
  }
}

export interface AddResult {
  /** Add resolved, ms since epoch, per job id. */
  addedAt: Map<string, number>
  latencies: number[]
  firstAddAt: number
  lastAddAt: number
}

/** The baseline producer: `jobs` wake-ups added by `connections` concurrent loops, job options as src/sync/queues.ts. */
export async function addJobs(o: { redisUrl: string; prefix: string; queue: string; jobs: number; connections: number; signal?: AbortSignal }): Promise<AddResult> {
  const connection = new Redis(o.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false })
  const queue = new Queue(o.queue, {
    connection, prefix: o.prefix,
    defaultJobOptions: { removeOnComplete: true, removeOnFail: { age: 86_400, count: 10_000 }, attempts: 5, backoff: { type: 'exponential', delay: 1000 } },
  })
  const result: AddResult = { addedAt: new Map(), latencies: [], firstAddAt: 0, lastAddAt: 0 }
  try {
    await queue.waitUntilReady()
    let next = 0
    result.firstAddAt = Date.now()
    await Promise.all(Array.from({ length: o.connections }, async () => {
      while (next < o.jobs && !o.signal?.aborted) {
        const i = next++
        const jobId = `o-${i + 1}`
        const started = performance.now()
        await queue.add('kick', { target: 'baseline', code: `BASE-${i}` }, { jobId })
        result.latencies.push(performance.now() - started)
        result.addedAt.set(jobId, Date.now())
      }
    }))
    result.lastAddAt = Date.now()
    return result
  } finally {
    await queue.close()
    await connection.quit().catch(() => connection.disconnect())
  }
}

export interface LedgerCounts {
  waiting: number
  active: number
  delayed: number
  failed: number
  pending: number
  retrying: number
  dead: number
}

/** The hub's `/admin/queues` for the national-portal target. */
export async function ledgerCounts(hubUrl: string, headers: Record<string, string>): Promise<LedgerCounts> {
  const res = await fetch(`${hubUrl}/admin/queues`, { headers: { authorization: headers.authorization! } })
  if (res.status !== 200) throw new Error(`GET /admin/queues answered ${res.status}: ${(await res.text()).slice(0, 300)}`)
  const body = (await res.json()) as { targets: Record<string, LedgerCounts> }
  return body.targets['national-portal']!
}

/** The circuit state the hub reports for the national-portal connector (runs its health probe too). */
export async function circuitState(hubUrl: string, headers: Record<string, string>): Promise<string> {
  const res = await fetch(`${hubUrl}/admin/connectors`, { headers: { authorization: headers.authorization! } })
  if (res.status !== 200) return `unknown (HTTP ${res.status})`
  const body = (await res.json()) as { connectors: Array<{ id: string; circuit: string }> }
  return body.connectors.find((c) => c.id === 'national-portal')?.circuit ?? 'unknown'
}

/** Every sync request to the simulator answers `status` (with Retry-After: 1 for 503), or no fault at all. */
export async function setOutage(simUrl: string, status: number | undefined): Promise<void> {
  const res = status === undefined
    ? await fetch(`${simUrl}/__sim/faults`, { method: 'DELETE' })
    : await fetch(`${simUrl}/__sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status }) })
  if (res.status !== 200) throw new Error(`simulator fault control answered ${res.status}: ${await res.text()}`)
}

/** Polls `fn` every `everyMs` until it returns true; false when `timeoutMs` passed first. */
export async function until(fn: () => Promise<boolean>, timeoutMs: number, everyMs = 500): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (await fn()) return true
    if (Date.now() > deadline) return false
    await sleep(everyMs)
  }
}
