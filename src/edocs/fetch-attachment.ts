/**
 * Downloads an attachment given by URL for `POST /v1/edocs`, within limits: HTTPS anywhere, or
 * plain http on loopback only (a sidecar or the one-stop software on the same host); no
 * redirects; a size cap enforced while reading (Content-Length is not trusted); one deadline.
 * Failures are the caller's 422, naming the attachment — never a 5xx.
 */
import { request } from 'undici'
import { GatewayError } from '../errors.js'

export interface FetchLimits {
  maxBytes: number
  timeoutMs: number
  /** Host names (`*.` prefix for subdomains) attachments may come from over HTTPS; unset = any. */
  allowHosts?: string[]
}

const hostAllowed = (host: string, patterns: string[]) =>
  patterns.some((p) => (p.startsWith('*.') ? host.endsWith(p.slice(1)) && host.length > p.length - 1 : host === p.toLowerCase()))

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]'])

const unfetchable = (path: string, why: string) =>
  new GatewayError(422, 'ATTACHMENT_UNAVAILABLE', `The attachment at ${path} could not be fetched: ${why}.`)

/** Refuses a URL the hub must not fetch; returns the parsed URL otherwise. */
export function checkAttachmentUrl(raw: string, path: string, allowHosts?: string[]): URL {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new GatewayError(400, 'VALIDATION_FAILED', `${path} is not a URL.`)
  }
  if (url.username || url.password) throw new GatewayError(400, 'VALIDATION_FAILED', `${path} must not carry credentials.`)
  if (url.protocol === 'https:') {
    if (allowHosts && !hostAllowed(url.hostname.toLowerCase(), allowHosts)) throw new GatewayError(400, 'VALIDATION_FAILED', `${path} is on host ${url.hostname}, which is not in edocs.fetch.allowHosts.`)
    return url
  }
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) return url
  throw new GatewayError(400, 'VALIDATION_FAILED', `${path} must be https://, or http:// on loopback.`)
}

export async function fetchAttachment(raw: string, path: string, limits: FetchLimits, signal?: AbortSignal): Promise<Buffer> {
  const url = checkAttachmentUrl(raw, path, limits.allowHosts)
  const deadline = AbortSignal.timeout(limits.timeoutMs)
  const combined = signal ? AbortSignal.any([signal, deadline]) : deadline
  try {
    // undici's request() follows no redirects unless a redirect interceptor is added.
    const res = await request(url, { method: 'GET', signal: combined, headersTimeout: limits.timeoutMs, bodyTimeout: limits.timeoutMs })
    if (res.statusCode < 200 || res.statusCode > 299) {
      await res.body.dump().catch(() => undefined)
      throw unfetchable(path, `the server answered HTTP ${res.statusCode}`)
    }
    // Destroying the body early makes undici emit an abort error: it is ours, not news.
    res.body.on('error', () => undefined)
    const declared = Number(res.headers['content-length'])
    if (Number.isFinite(declared) && declared > limits.maxBytes) {
      res.body.destroy()
      throw unfetchable(path, `it is ${declared} bytes; the limit is ${limits.maxBytes}`)
    }
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length
      if (size > limits.maxBytes) {
        res.body.destroy()
        throw unfetchable(path, `it exceeds the limit of ${limits.maxBytes} bytes`)
      }
      chunks.push(chunk as Buffer)
    }
    return Buffer.concat(chunks, size)
  } catch (err) {
    if (err instanceof GatewayError) throw err
    if (deadline.aborted) throw unfetchable(path, `no complete answer within ${limits.timeoutMs} ms`)
    throw unfetchable(path, (err as Error).message.slice(0, 200))
  }
}
