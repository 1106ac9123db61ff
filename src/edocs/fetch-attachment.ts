/**
 * Downloads an attachment given by URL for `POST /v1/edocs`, within limits, without letting the
 * hub be used to reach what callers cannot:
 * - HTTPS only; plain http to loopback only when `allowLoopback` (set by the sandbox);
 * - `allowHosts`, when set, applies to every host, loopback included;
 * - the host's addresses are checked after DNS resolution, on the connection itself (a pinned
 *   lookup, so a name cannot resolve to a public address for the check and a private one for the
 *   connection): loopback, private, link-local, CGNAT, unique-local, multicast and unspecified
 *   addresses are refused (loopback allowed only with `allowLoopback`);
 * - no redirects; a size cap enforced while reading (Content-Length is not trusted); one deadline;
 * - every failure to connect or answer reads the same ("could not be fetched"), so the error text
 *   never tells whether a port is open, closed or filtered.
 * Failures are the caller's 400/422, naming the attachment — never a 5xx.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import { BlockList, isIP } from 'node:net'
import { Agent, request } from 'undici'
import { GatewayError } from '../errors.js'

export interface FetchLimits {
  maxBytes: number
  timeoutMs: number
  /** Host names (`*.` prefix for subdomains) attachments may come from; unset = any public host. */
  allowHosts?: string[]
  /** Plain http to loopback addresses (the sandbox's sidecars). Default false. */
  allowLoopback?: boolean
}

const hostAllowed = (host: string, patterns: string[]) =>
  patterns.some((p) => (p.startsWith('*.') ? host.endsWith(p.slice(1).toLowerCase()) && host.length > p.length - 1 : host === p.toLowerCase()))

const LOOPBACK = new BlockList()
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4')
LOOPBACK.addAddress('::1', 'ipv6')

/** Addresses no attachment may come from (RFC 6890 special-purpose ranges that reach inside). */
const INTERNAL = new BlockList()
for (const [net, prefix] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4]] as const) {
  INTERNAL.addSubnet(net, prefix, 'ipv4')
}
for (const [net, prefix] of [['::', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96]] as const) INTERNAL.addSubnet(net, prefix, 'ipv6')

/** An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`) is judged as its IPv4 address. */
function normalise(address: string): { address: string; family: 'ipv4' | 'ipv6' } {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  if (mapped) return { address: mapped[1]!, family: 'ipv4' }
  return { address, family: isIP(address) === 6 ? 'ipv6' : 'ipv4' }
}

/** Why an address may not be fetched from, or undefined when it may. */
export function addressRefusal(raw: string, allowLoopback: boolean): string | undefined {
  const { address, family } = normalise(raw)
  if (LOOPBACK.check(address, family)) return allowLoopback ? undefined : 'it is on this machine (loopback), which only the sandbox allows'
  if (INTERNAL.check(address, family)) return 'it resolves to a private, link-local or reserved address'
  return undefined
}

const refused = (path: string, why: string) => new GatewayError('VALIDATION_FAILED', `${path} may not be fetched: ${why}.`)
const unfetchable = (path: string, why = 'the server could not be reached or did not answer with the file') =>
  new GatewayError('ATTACHMENT_UNAVAILABLE', `The attachment at ${path} could not be fetched: ${why}.`)

const bareHost = (url: URL) => url.hostname.replace(/^\[|\]$/g, '').toLowerCase()

/** Refuses a URL the hub must not fetch (before any DNS lookup); returns the parsed URL otherwise. */
export function checkAttachmentUrl(raw: string, path: string, limits: Pick<FetchLimits, 'allowHosts' | 'allowLoopback'> = {}): URL {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new GatewayError('VALIDATION_FAILED', `${path} is not a URL.`)
  }
  if (url.username || url.password) throw new GatewayError('VALIDATION_FAILED', `${path} must not carry credentials.`)
  const host = bareHost(url)
  if (limits.allowHosts && !hostAllowed(host, limits.allowHosts)) {
    throw new GatewayError('VALIDATION_FAILED', `${path} is on host ${host}, which is not in edocs.fetch.allowHosts.`)
  }
  const loopbackName = host === 'localhost' || host.endsWith('.localhost')
  const literal = isIP(host) !== 0
  if (url.protocol === 'http:') {
    const loopback = loopbackName || (literal && LOOPBACK.check(normalise(host).address, normalise(host).family))
    if (!loopback || !limits.allowLoopback) throw new GatewayError('VALIDATION_FAILED', `${path} must be https://${limits.allowLoopback ? ', or http:// on loopback' : ''}.`)
    return url
  }
  if (url.protocol !== 'https:') throw new GatewayError('VALIDATION_FAILED', `${path} must be https://.`)
  if (loopbackName && !limits.allowLoopback) throw refused(path, 'it is on this machine (loopback), which only the sandbox allows')
  const why = literal ? addressRefusal(host, limits.allowLoopback === true) : undefined
  if (why) throw refused(path, why)
  return url
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void

/** A lookup that refuses names resolving to internal addresses; the connection uses what it checked. */
export function checkedLookup(allowLoopback: boolean, onRefused: (why: string) => void) {
  return (hostname: string, options: { all?: boolean }, callback: LookupCallback) => {
    dnsLookup(hostname, { all: true }, (err, addresses) => {
      if (err) return callback(err, '')
      const why = addresses.map((a) => addressRefusal(a.address, allowLoopback)).find((w) => w !== undefined)
      if (why) {
        onRefused(why)
        return callback(Object.assign(new Error('refused address'), { code: 'EREFUSEDADDRESS' }), '')
      }
      if (options.all) return callback(null, addresses)
      callback(null, addresses[0]!.address, addresses[0]!.family)
    })
  }
}

export async function fetchAttachment(raw: string, path: string, limits: FetchLimits, signal?: AbortSignal): Promise<Buffer> {
  const url = checkAttachmentUrl(raw, path, limits)
  const deadline = AbortSignal.timeout(limits.timeoutMs)
  const combined = signal ? AbortSignal.any([signal, deadline]) : deadline
  let refusal: string | undefined
  const dispatcher = new Agent({ connect: { lookup: checkedLookup(limits.allowLoopback === true, (why) => (refusal = why)) } })
  try {
    // undici's request() follows no redirects unless a redirect interceptor is added.
    const res = await request(url, { method: 'GET', signal: combined, headersTimeout: limits.timeoutMs, bodyTimeout: limits.timeoutMs, dispatcher })
    // Destroying the body early makes undici emit an abort error: it is ours, not news.
    res.body.on('error', () => undefined)
    if (res.statusCode < 200 || res.statusCode > 299) {
      res.body.destroy()
      throw unfetchable(path)
    }
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
    if (refusal !== undefined) throw refused(path, refusal)
    throw unfetchable(path) // connection refused, reset, timed out, TLS: all alike
  } finally {
    void dispatcher.close().catch(() => undefined) // a per-fetch agent: nothing left to lose if closing it fails
  }
}
