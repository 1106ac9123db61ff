/**
 * One outgoing webhook attempt to a one-stop system: the event signed in the Standard Webhooks
 * form with the subscriber's secret and a stable event id, success = 2xx within the timeout.
 * The answer is classified for the delivery worker; a receiver's body is never kept.
 */
import { Agent, request } from 'undici'
import { signWebhook } from '../webhooks/signature.js'
import { parseRetryAfter } from '../jobs/backoff.js'

export type AttemptOutcome =
  | { kind: 'delivered'; status: number }
  /** 410 Gone: the subscriber is disabled until an admin re-enables it. */
  | { kind: 'gone'; status: number }
  /** 4xx other than 408/409/429: not retried, dead-lettered. */
  | { kind: 'refused'; status: number; error: string }
  | { kind: 'retry'; status?: number; error: string; retryAfterMs?: number }

export interface Dispatcher {
  send(input: { url: string; secrets: string[]; eventId: string; body: string; timeoutMs: number }): Promise<AttemptOutcome>
  close(): Promise<void>
}

const RETRYABLE_4XX = new Set([408, 409, 429])

export function createDispatcher(options: { connections?: number } = {}): Dispatcher {
  const agent = new Agent({ connections: options.connections ?? 16, connect: { timeout: 5000 } })
  return {
    async send({ url, secrets, eventId, body, timeoutMs }) {
      const headers = { 'content-type': 'application/json', 'user-agent': 'lgsp-hub', ...signWebhook({ id: eventId, timestamp: Math.floor(Date.now() / 1000), body, secrets }) }
      try {
        const res = await request(url, {
          method: 'POST', headers, body, dispatcher: agent,
          signal: AbortSignal.timeout(timeoutMs), headersTimeout: timeoutMs, bodyTimeout: timeoutMs,
        })
        await res.body.dump({ limit: 64 * 1024 }).catch(() => undefined) // a receiver's body is never kept; the status decides
        const status = res.statusCode
        if (status >= 200 && status <= 299) return { kind: 'delivered', status }
        if (status === 410) return { kind: 'gone', status }
        if (status >= 400 && status <= 499 && !RETRYABLE_4XX.has(status)) return { kind: 'refused', status, error: `the receiver answered ${status}` }
        const after = parseRetryAfter(res.headers['retry-after'])
        return { kind: 'retry', status, error: `the receiver answered ${status}`, ...(after !== undefined && { retryAfterMs: after }) }
      } catch (err) {
        const e = err as Error & { code?: string }
        const what = e.name === 'TimeoutError' || e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT'
          ? `no 2xx within ${timeoutMs} ms`
          : `could not reach the receiver (${e.code ?? e.name})`
        return { kind: 'retry', error: what }
      }
    },
    close: () => agent.close(),
  }
}
