/**
 * The simulated portal's side of DESIGN §4: it pushes events to the hub's
 * `POST /v1/webhooks/national-portal`, signed in the Standard Webhooks form. Duplicates (same
 * `webhook-id`, same bytes, a fresh attempt timestamp) and a seeded shuffle let tests check the
 * hub's deduplication and ordering independence. Also the `POST /__sim/push` control route.
 */
import { randomBytes } from 'node:crypto'
import { EVENT_TYPES, type EventDataMap, type EventType } from '../../schemas/events.js'
import { signWebhook } from '../../src/webhooks/signature.js'
import { SANDBOX_PROCEDURES } from './sandbox-catalogue.js'
import { createPrng } from '../../src/sim/prng.js'

export interface PushEvent {
  /** The `webhook-id`. Default `msg_<random>`. */
  id?: string
  type: string
  data: unknown
  /** The envelope's `timestamp` (when the event happened). Default: when pushEvents starts. */
  timestamp?: string
}

export interface PushOptions {
  /** The hub's webhook URL. */
  url: string
  /** Signing secret(s), `whsec_<base64>` or raw; several = one `v1` entry each (rotation). */
  secret: string | readonly string[]
  events: readonly PushEvent[]
  /** How many events (picked with the seed) are sent a second time with the same id. Default 0. */
  duplicates?: number
  /** Send in a seeded random order instead of the given one (duplicates included). Default false. */
  shuffle?: boolean
  /** Seed of the duplicate choice and the shuffle. Default 1. */
  seed?: number
  /** Requests in flight at once. Default 1 (strictly in order). */
  concurrency?: number
  /** Per-request deadline in ms. Default 15000. */
  timeoutMs?: number
  /** Clock for `webhook-timestamp`, ms since the epoch. Default Date.now (tests skew it). */
  now?: () => number
}

export interface PushResult {
  id: string
  type: string
  /** HTTP status; 0 when no answer came (network error or deadline). */
  status: number
  /** The answer's body as text, or the error message when status is 0. */
  body: string
  /** True for the second sending of an id. */
  duplicate: boolean
}

function shuffleInPlace<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[items[i], items[j]] = [items[j]!, items[i]!]
  }
  return items
}

const newMessageId = () => `msg_${randomBytes(16).toString('base64url')}`

/** POSTs every event (and the duplicates), answering one result per request, in sending order. */
export async function pushEvents(options: PushOptions): Promise<PushResult[]> {
  const secrets = typeof options.secret === 'string' ? [options.secret] : [...options.secret]
  const now = options.now ?? Date.now
  const random = createPrng(options.seed ?? 1)
  const startedAt = new Date(now()).toISOString()
  const prepared = options.events.map((e) => ({
    id: e.id ?? newMessageId(),
    type: e.type,
    // Serialised once: a duplicate carries the very same bytes.
    body: JSON.stringify({ type: e.type, timestamp: e.timestamp ?? startedAt, data: e.data }),
  }))
  const picks = shuffleInPlace([...prepared], random).slice(0, Math.max(0, Math.min(options.duplicates ?? 0, prepared.length)))
  const sends = [...prepared.map((p) => ({ ...p, duplicate: false })), ...picks.map((p) => ({ ...p, duplicate: true }))]
  if (options.shuffle) shuffleInPlace(sends, random)
  // A bad id or secret throws here, before anything is sent.
  for (const p of prepared) signWebhook({ id: p.id, timestamp: 0, body: '', secrets })

  const results: PushResult[] = new Array(sends.length)
  let next = 0
  async function worker() {
    while (next < sends.length) {
      const index = next++
      const send = sends[index]!
      const headers = signWebhook({ id: send.id, timestamp: Math.floor(now() / 1000), body: send.body, secrets })
      let status = 0
      let body: string
      try {
        const res = await fetch(options.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: send.body,
          signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
        })
        status = res.status
        body = await res.text()
      } catch (err) {
        status = 0
        body = err instanceof Error ? `${err.name}: ${err.message}` : String(err)
      }
      results[index] = { id: send.id, type: send.type, status, body, duplicate: send.duplicate }
    }
  }
  const workers = Math.max(1, Math.min(options.concurrency ?? 1, sends.length))
  await Promise.all(Array.from({ length: workers }, worker))
  return results
}

type Overrides<T extends EventType> = Partial<EventDataMap[T]>

const SAMPLES: { [K in EventType]: () => EventDataMap[K] } = {
  'dossier.submitted': () => ({
    dossierCode: 'H48.99-250601-0001',
    procedureCode: SANDBOX_PROCEDURES.birthRegistration,
    procedureName: 'Đăng ký khai sinh',
    agencyCode: '000.00.61.H48',
    applicant: { type: 'citizen', id: '062090001234', name: 'Nguyễn Văn An', phone: '0905123456', email: 'an.nguyen@example.vn', address: '12 Trần Phú, Kon Tum' },
    summary: 'Đăng ký khai sinh cho con',
    submittedAt: '2025-06-01T08:30:00+07:00',
    papers: [
      { code: 'GT.001', name: 'Bản sao căn cước công dân', url: 'https://dichvucong.example.vn/files/gt001.pdf', sha256: 'a'.repeat(64) },
      { code: 'GT.002', name: 'Tờ khai đăng ký khai sinh', url: 'https://dichvucong.example.vn/files/gt002.pdf' },
    ],
    fees: [{ code: 'LP01', name: 'Lệ phí đăng ký khai sinh', amount: 8000, kind: 'fee', paymentMethod: 'Trực tuyến' }],
  }),
  'dossier.status_changed': () => ({
    dossierCode: 'H48.99-250601-0001', agencyCode: '000.00.61.H48', status: 'processing', changedAt: '2025-06-02T09:00:00+07:00', note: 'Chuyển xử lý',
  }),
  'dossier.payment_updated': () => ({
    dossierCode: 'H48.99-250601-0001', agencyCode: '000.00.61.H48', amount: 8000, status: 'paid', transactionId: 'PAY-20250601-000123', paidAt: '2025-06-01T08:35:00+07:00',
  }),
  'feedback.submitted': () => ({
    dossierCode: 'H48.99-250601-0001', agencyCode: '000.00.61.H48', rating: 5, comment: 'Giải quyết nhanh', submittedAt: '2025-06-05T10:00:00+07:00',
  }),
}

/** A valid event of the given type (sandbox commune `000.01.20.H34`), fields shallow-overridden. */
export function sampleEvent<T extends EventType>(type: T, overrides: Overrides<T> = {}): { type: T; data: EventDataMap[T] } {
  return { type, data: { ...SAMPLES[type](), ...overrides } }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const isEventType = (v: unknown): v is EventType => (EVENT_TYPES as readonly unknown[]).includes(v)

/**
 * `POST /__sim/push` `{url, secret, events, duplicates?, shuffle?, seed?, concurrency?}` →
 * `{results}`. An event without `data` gets the sample payload of its (known) type. Never rejects.
 */
export async function handlePushRoute(body: unknown): Promise<{ status: number; body: unknown }> {
  const bad = (error: string) => ({ status: 400, body: { error } })
  if (!isObject(body)) return bad('body must be a JSON object')
  const { url, secret, events, duplicates, shuffle, seed, concurrency } = body
  if (typeof url !== 'string' || !/^https?:\/\//.test(url)) return bad('url must be an http(s) URL')
  const secrets = typeof secret === 'string' ? [secret] : secret
  if (!Array.isArray(secrets) || secrets.length === 0 || !secrets.every((s) => typeof s === 'string' && s !== '')) return bad('secret must be a non-empty string or a list of them')
  if (!Array.isArray(events) || events.length === 0 || events.length > 10_000) return bad('events must be a list of 1–10000 {id?, type, data?}')
  const list: PushEvent[] = []
  for (const [i, e] of events.entries()) {
    if (!isObject(e) || typeof e.type !== 'string' || (e.id !== undefined && typeof e.id !== 'string')) return bad(`events[${i}] must be {id?, type, data?}`)
    if (e.data === undefined && !isEventType(e.type)) return bad(`events[${i}]: no data, and no sample for type ${e.type}`)
    const data = e.data === undefined ? sampleEvent(e.type as EventType).data : e.data
    list.push({ type: e.type, data, ...(e.id !== undefined && { id: e.id }), ...(typeof e.timestamp === 'string' && { timestamp: e.timestamp }) })
  }
  const int = (v: unknown, min: number, max: number) => v === undefined || (Number.isInteger(v) && (v as number) >= min && (v as number) <= max)
  if (!int(duplicates, 0, 10_000) || !int(seed, 0, 2 ** 32 - 1) || !int(concurrency, 1, 64)) return bad('duplicates (0–10000), seed and concurrency (1–64) must be integers')
  if (shuffle !== undefined && typeof shuffle !== 'boolean') return bad('shuffle must be a boolean')
  try {
    const results = await pushEvents({
      url, secret: secrets as string[], events: list,
      ...(duplicates !== undefined && { duplicates: duplicates as number }),
      ...(shuffle !== undefined && { shuffle }),
      ...(seed !== undefined && { seed: seed as number }),
      ...(concurrency !== undefined && { concurrency: concurrency as number }),
    })
    return { status: 200, body: { results } }
  } catch (err) {
    // signWebhook refuses a bad id or secret before anything is sent.
    return bad(err instanceof Error ? err.message : String(err))
  }
}
