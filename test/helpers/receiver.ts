/**
 * A one-stop system's webhook endpoint for tests: verifies every delivery with the hub's own
 * verifier (a bad signature is 401 and not recorded) and misbehaves on demand — fail with a
 * status, hang, or answer 410 Gone — for a number of deliveries or until told otherwise.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { Socket } from 'node:net'
import { verifyWebhook, type VerifyFailureReason } from '../../src/webhooks/signature.js'

export type ReceiverMode =
  | 'ok'
  | 'gone'
  | { fail: number; times?: number }
  | { hang: true; times?: number }

export interface ReceivedDelivery {
  /** `webhook-id`. */
  id: string
  /** The envelope's `type` (undefined when the body is not an envelope). */
  type: string | undefined
  /** The parsed JSON body (the raw text when it is not JSON). */
  body: unknown
  rawBody: string
  headers: IncomingHttpHeaders
  /** Date.now() when it arrived. */
  at: number
}

export interface DeliveryAttempt extends Omit<ReceivedDelivery, 'id' | 'type'> {
  id: string | undefined
  type: string | undefined
  path: string
  /** What was answered: a status, or 'hang' (never answered). */
  outcome: number | 'hang'
  /** Why verification failed (the attempt was answered 401). */
  refused?: VerifyFailureReason
}

export interface Receiver {
  /** POST here (any path is accepted). */
  url: string
  /** Deliveries answered 2xx, in arrival order. */
  received: ReceivedDelivery[]
  /** Every request, verified or not, whatever was answered. */
  attempts: DeliveryAttempt[]
  /**
   * Behaviour of the next verified deliveries: 'ok' (204), 'gone' (410), `{fail: status}`,
   * `{hang: true}`. With `times` (argument or property) it returns to 'ok' after that many.
   */
  mode(m: ReceiverMode, times?: number): void
  /** Resolves once `received` holds at least `count` deliveries; rejects after `timeoutMs` (default 10000). */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedDelivery[]>
  /**
   * Resolves once every id in `ids` has been received at least once (delivery is at least once:
   * after a fault, repeats would make a count reach its mark while an id is still on its way).
   */
  waitForIds(ids: readonly string[], timeoutMs?: number): Promise<ReceivedDelivery[]>
  /** Ends hanging requests and the server. */
  close(): Promise<void>
}

export interface ReceiverOptions {
  /** The subscriber's secret(s), `whsec_<base64>` or raw. */
  secret: string | readonly string[]
  /** Port on 127.0.0.1. Default 0 (any free port). */
  port?: number
  /** Timestamp tolerance in seconds. Default 300. */
  toleranceS?: number
}

function parse(raw: string): unknown {
  try {
    return JSON.parse(raw)
  } catch {
    return raw
  }
}

const typeOf = (body: unknown) => (typeof body === 'object' && body !== null && typeof (body as { type?: unknown }).type === 'string' ? (body as { type: string }).type : undefined)

export async function startReceiver(options: ReceiverOptions): Promise<Receiver> {
  const secrets = typeof options.secret === 'string' ? [options.secret] : [...options.secret]
  const received: ReceivedDelivery[] = []
  const attempts: DeliveryAttempt[] = []
  const sockets = new Set<Socket>()
  const waiters = new Set<() => void>()
  let current: ReceiverMode = 'ok'
  let remaining: number | undefined

  /** The mode for this delivery, spending one of its `times`. */
  function take(): ReceiverMode {
    const m = current
    if (remaining !== undefined && --remaining <= 0) {
      current = 'ok'
      remaining = undefined
    }
    return m
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', function onDelivery() {
      const raw = Buffer.concat(chunks)
      const rawBody = raw.toString('utf8')
      const body = parse(rawBody)
      const base = { rawBody, body, headers: req.headers, at: Date.now(), path: req.url ?? '/', type: typeOf(body) }
      const answer = (status: number) => {
        res.writeHead(status, status === 204 ? {} : { 'content-type': 'text/plain; charset=utf-8' })
        res.end(status === 204 ? undefined : `receiver answered ${status}\n`)
      }
      if (req.method !== 'POST') {
        attempts.push({ ...base, id: undefined, outcome: 405 })
        return answer(405)
      }
      const verified = verifyWebhook({ headers: req.headers, rawBody: raw, secrets, ...(options.toleranceS !== undefined && { toleranceS: options.toleranceS }) })
      if (!verified.ok) {
        const id = req.headers['webhook-id']
        attempts.push({ ...base, id: typeof id === 'string' ? id : undefined, outcome: 401, refused: verified.reason })
        return answer(401)
      }
      const m = take()
      const outcome = m === 'ok' ? 204 : m === 'gone' ? 410 : 'hang' in m ? 'hang' : m.fail
      attempts.push({ ...base, id: verified.id, outcome })
      if (outcome === 'hang') return // close() ends the socket
      if (outcome >= 200 && outcome <= 299) {
        received.push({ id: verified.id, type: base.type, body, rawBody, headers: req.headers, at: base.at })
        for (const wake of waiters) wake()
      }
      answer(outcome)
    })
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as { port: number }

  /** Resolves with the deliveries so far once `done()`; rejects after `timeoutMs` saying `progress()`. */
  const until = (done: () => boolean, progress: () => string, timeoutMs: number) => new Promise<ReceivedDelivery[]>((resolve, reject) => {
    const check = () => {
      if (!done()) return
      cleanup()
      resolve(received.slice())
    }
    const timer = setTimeout(() => {
      cleanup()
      reject(new Error(`receiver: ${progress()} after ${timeoutMs} ms (${attempts.length} attempts)`))
    }, timeoutMs)
    const cleanup = () => {
      clearTimeout(timer)
      waiters.delete(check)
    }
    waiters.add(check)
    check()
  })

  return {
    url: `http://127.0.0.1:${port}/webhooks`,
    received,
    attempts,
    mode(m, times) {
      if (typeof m === 'object' && 'fail' in m && !(Number.isInteger(m.fail) && m.fail >= 100 && m.fail <= 599)) throw new Error('receiver mode: fail must be an HTTP status 100–599')
      const n = times ?? (typeof m === 'object' ? m.times : undefined)
      if (n !== undefined && !(Number.isInteger(n) && n >= 1)) throw new Error('receiver mode: times must be a positive integer')
      current = m
      remaining = m === 'ok' ? undefined : n
    },
    waitFor(count, timeoutMs = 10_000) {
      return until(() => received.length >= count, () => `${received.length} of ${count} deliveries`, timeoutMs)
    },
    waitForIds(ids, timeoutMs = 10_000) {
      const missing = () => { const got = new Set(received.map((d) => d.id)); return ids.filter((id) => !got.has(id)) }
      return until(() => missing().length === 0, () => `${missing().length} of ${ids.length} event ids still missing (${received.length} deliveries)`, timeoutMs)
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      for (const socket of sockets) socket.destroy()
      await closed
    },
  }
}
