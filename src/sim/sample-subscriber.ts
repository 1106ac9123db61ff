/**
 * The sandbox's sample subscriber: a small one-stop webhook receiver on loopback that `npm start`
 * registers as subscriber `kontum-one-stop` (every agency), so webhook routing, retries and the
 * 410 → disabled → `POST /admin/subscribers/kontum-one-stop/enable` flow can be tried by hand.
 * It verifies each delivery's Standard Webhooks signature and keeps what arrived in memory — the
 * id, type, routing keys and what it answered, never the payload (it carries applicants' personal
 * data). `GET /admin/sandbox/subscriber/deliveries` shows them; `POST <url>/__sim/mode
 * {"answer": 410}` makes it misbehave (`times` deliveries, or until told otherwise).
 */
import type { Logger } from 'pino'
import { send, startLoopbackServer } from './http-server.js'
import { verifyWebhook } from '../webhooks/signature.js'

export const SAMPLE_SUBSCRIBER_NAME = 'kontum-one-stop'
/** Fake by design, like every sandbox secret. */
export const SAMPLE_SUBSCRIBER_SECRET = `whsec_${Buffer.from('sandbox-sample-subscriber-not-real').toString('base64')}`
const KEEP = 500

export interface SampleDelivery {
  webhookId: string | null
  type: string | null
  agencyCode: string | null
  dossierCode: string | null
  /** For edoc.* events: the hub's id of the document (report a status on it with POST /v1/edocs/{id}/status). */
  edocId: string | null
  receivedAt: string
  /** What the receiver answered: 204, the status it was told to answer, or 401 for a bad signature. */
  answered: number
  signature: 'valid' | 'invalid'
}

export interface SampleSubscriber {
  name: string
  /** Where the hub delivers (`<base>/webhooks`). */
  url: string
  /** The receiver's base URL (control routes under `/__sim/`). */
  baseUrl: string
  secret: string
  /** Newest first. */
  deliveries(limit: number): SampleDelivery[]
  /** What the next deliveries are answered: a status and, optionally, for how many. */
  answer(): { status: number; remaining: number | null }
  close(): Promise<void>
}

const str = (v: unknown) => (typeof v === 'string' && v.length > 0 && v.length <= 200 ? v : null)

function summarise(raw: string): Pick<SampleDelivery, 'type' | 'agencyCode' | 'dossierCode' | 'edocId'> {
  let body: { type?: unknown; data?: Record<string, unknown> } = {}
  try {
    const parsed: unknown = JSON.parse(raw)
    if (typeof parsed === 'object' && parsed !== null) body = parsed as typeof body
  } catch {}
  const data = typeof body.data === 'object' && body.data !== null ? body.data : {}
  return { type: str(body.type), agencyCode: str(data.agencyCode), dossierCode: str(data.dossierCode), edocId: str(data.edocId) }
}

export async function startSampleSubscriber(options: { log?: Logger; port?: number } = {}): Promise<SampleSubscriber> {
  const secret = SAMPLE_SUBSCRIBER_SECRET
  const kept: SampleDelivery[] = []
  let status = 204
  let remaining: number | null = null
  const json = (res: Parameters<typeof send>[0], code: number, value: unknown) => send(res, code, JSON.stringify(value), 'application/json; charset=utf-8')

  function nextAnswer(): number {
    const answer = status
    if (remaining !== null && --remaining <= 0) {
      status = 204
      remaining = null
    }
    return answer
  }

  const server = await startLoopbackServer({
    name: 'sample subscriber',
    ...(options.port !== undefined && { port: options.port }),
    ...(options.log && { log: options.log }),
    maxRequestBytes: 1024 * 1024,
    handle(req, res, body, route) {
      if (route === '/__sim/mode' && req.method === 'POST') {
        let wanted: { answer?: unknown; times?: unknown } = {}
        try {
          wanted = JSON.parse(body || '{}') as typeof wanted
        } catch {}
        const answer = wanted.answer
        const times = wanted.times
        if (!Number.isInteger(answer) || (answer as number) < 200 || (answer as number) > 599) return json(res, 400, { error: 'answer must be an HTTP status 200–599, e.g. {"answer": 410}' })
        if (times !== undefined && !(Number.isInteger(times) && (times as number) >= 1)) return json(res, 400, { error: 'times must be a positive integer' })
        status = answer as number
        remaining = (times as number | undefined) ?? null
        return json(res, 200, { answer: status, remaining })
      }
      if (route === '/__sim/mode' && req.method === 'GET') return json(res, 200, { answer: status, remaining })
      if (req.method !== 'POST') return json(res, 405, { error: 'POST deliveries here' })
      const verified = verifyWebhook({ headers: req.headers, rawBody: Buffer.from(body, 'utf8'), secrets: [secret] })
      const answered = verified.ok ? nextAnswer() : 401
      const id = req.headers['webhook-id']
      kept.unshift({
        webhookId: typeof id === 'string' ? id.slice(0, 256) : null, ...summarise(body), receivedAt: new Date().toISOString(),
        answered, signature: verified.ok ? 'valid' : 'invalid',
      })
      if (kept.length > KEEP) kept.length = KEEP
      if (answered === 204) return send(res, 204, '', 'text/plain; charset=utf-8')
      json(res, answered, { answered, reason: verified.ok ? 'told to by POST /__sim/mode' : verified.message })
    },
    onCrash(res) {
      send(res, 500, 'sample subscriber failed\n', 'text/plain; charset=utf-8')
    },
  })
  return {
    name: SAMPLE_SUBSCRIBER_NAME,
    url: `${server.url}/webhooks`,
    baseUrl: server.url,
    secret,
    deliveries: (limit) => kept.slice(0, limit).map((d) => ({ ...d })),
    answer: () => ({ status, remaining }),
    close: () => server.close(),
  }
}

