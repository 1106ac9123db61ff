/**
 * Standard Webhooks signatures (symmetric `v1` scheme): HMAC-SHA256 over
 * `${webhook-id}.${webhook-timestamp}.${raw body}`, base64, sent as space-separated `v1,<sig>`
 * entries so a secret can be rotated without downtime. Used both ways: the national portal's
 * pushes are verified with it, and the hub's deliveries to one-stop systems are signed with it.
 * Dependency-free on purpose: the simulators and test fixtures use it too.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

/** A type alias, not an interface, so it passes where a header record is expected. */
export type WebhookHeaders = {
  'webhook-id': string
  'webhook-timestamp': string
  'webhook-signature': string
}

export type VerifyFailureReason = 'missing_headers' | 'bad_timestamp' | 'timestamp_out_of_tolerance' | 'bad_signature' | 'malformed_signature'

export type VerifyResult =
  | { ok: true; id: string; timestamp: number }
  | { ok: false; reason: VerifyFailureReason; message: string }

export interface SignInput {
  id: string
  /** Unix seconds of this attempt. */
  timestamp: number
  body: Buffer | string
  /** One `v1` entry per secret, in this order (current secret first, then the ones being retired). */
  secrets: readonly string[]
}

export interface VerifyInput {
  /** Request headers as node:http gives them (lower-case names); other casings are looked up too. */
  headers: Readonly<Record<string, string | readonly string[] | undefined>>
  /** The body exactly as received: never a re-serialised parse. */
  rawBody: Buffer | string
  /** Any of them may have signed (rotation): `whsec_…` strings, or keys parseSecret made at boot. */
  secrets: ReadonlyArray<string | Buffer>
  /** Largest accepted distance between `webhook-timestamp` and now, in seconds. Default 300. */
  toleranceS?: number
  /** Clock in ms since the epoch. Default Date.now. */
  now?: () => number
}

const SECRET_PREFIX = 'whsec_'
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/
/** A base64 HMAC-SHA256: 32 bytes are 43 characters and one `=`. */
const V1_SIGNATURE = /^[A-Za-z0-9+/]{43}=$/
/** Printable ASCII without spaces, and no `.`: the spec forbids it so `id.timestamp` cannot be re-split. */
const WEBHOOK_ID = /^[\x21-\x2d\x2f-\x7e]{1,256}$/
/** Whether an event id can travel as `webhook-id` (checked at ingest, so no event is stored that could never be delivered). */
export const isWebhookId = (id: string) => WEBHOOK_ID.test(id)
const TIMESTAMP = /^[0-9]{1,12}$/

/**
 * The HMAC key of a secret: `whsec_<base64>` is base64-decoded (the Standard Webhooks form),
 * anything else is taken as UTF-8 bytes. Throws on an empty secret or a `whsec_` secret whose
 * rest is not base64, so a bad configuration fails at startup.
 */
export function parseSecret(secret: string): Buffer {
  if (secret.startsWith(SECRET_PREFIX)) {
    const encoded = secret.slice(SECRET_PREFIX.length)
    if (encoded.length === 0 || !BASE64.test(encoded)) throw new Error('webhook secret: the part after "whsec_" must be standard base64 (with padding); generate one with generateSecret()')
    return Buffer.from(encoded, 'base64')
  }
  if (secret.length === 0) throw new Error('webhook secret is empty: set a "whsec_<base64>" secret or a raw string')
  return Buffer.from(secret, 'utf8')
}

/** A fresh `whsec_` secret of 32 random bytes. */
export function generateSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(32).toString('base64')}`
}

function hmac(key: Buffer, id: string, timestamp: string, body: Buffer | string): Buffer {
  // The body is fed as received (bytes or string), never re-encoded through a concatenation.
  return createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest()
}

/** The three Standard Webhooks headers for one attempt. Throws on a bad id, timestamp or no secret. */
export function signWebhook(input: SignInput): WebhookHeaders {
  const { id, timestamp, body, secrets } = input
  if (!WEBHOOK_ID.test(id)) throw new Error('webhook id must be 1–256 printable ASCII characters without spaces or "."')
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw new Error('webhook timestamp must be whole Unix seconds')
  if (secrets.length === 0) throw new Error('signWebhook needs at least one secret')
  const ts = String(timestamp)
  const signatures = secrets.map((s) => `v1,${hmac(parseSecret(s), id, ts, body).toString('base64')}`)
  return { 'webhook-id': id, 'webhook-timestamp': ts, 'webhook-signature': signatures.join(' ') }
}

type HeaderBag = VerifyInput['headers']

/** One header value; a repeated header counts as absent (its parts cannot be trusted apart). */
function header(headers: HeaderBag, name: string): string | undefined {
  let value = headers[name]
  if (value === undefined) {
    const key = Object.keys(headers).find((k) => k.toLowerCase() === name)
    value = key === undefined ? undefined : headers[key]
  }
  if (typeof value === 'string') return value
  return value !== undefined && value.length === 1 ? value[0] : undefined
}

const fail = (reason: VerifyFailureReason, message: string): VerifyResult => ({ ok: false, reason, message })

/**
 * Checks headers, timestamp and signature, in that order. Passes when any `v1` entry matches the
 * HMAC of any secret; entries of other schemes (`v1a`, …) are skipped. Deduplication by id is the
 * caller's job. Throws only on an unusable secret string (see parseSecret; the hub parses its
 * secrets at boot, src/config/check.ts), never on request input.
 */
export function verifyWebhook(input: VerifyInput): VerifyResult {
  const { headers, rawBody, secrets, toleranceS = 300, now = Date.now } = input
  const id = header(headers, 'webhook-id')
  const ts = header(headers, 'webhook-timestamp')
  const signature = header(headers, 'webhook-signature')
  const missing = [id === undefined && 'webhook-id', ts === undefined && 'webhook-timestamp', signature === undefined && 'webhook-signature'].filter(Boolean)
  if (id === undefined || ts === undefined || signature === undefined) return fail('missing_headers', `missing or repeated headers: ${missing.join(', ')}`)
  if (!WEBHOOK_ID.test(id)) return fail('missing_headers', 'webhook-id must be 1–256 printable ASCII characters without spaces or "."')
  if (!TIMESTAMP.test(ts)) return fail('bad_timestamp', 'webhook-timestamp must be whole Unix seconds')
  const timestamp = Number(ts)
  const nowS = Math.floor(now() / 1000)
  if (timestamp < nowS - toleranceS) return fail('timestamp_out_of_tolerance', `webhook-timestamp is more than ${toleranceS} s old`)
  if (timestamp > nowS + toleranceS) return fail('timestamp_out_of_tolerance', `webhook-timestamp is more than ${toleranceS} s in the future`)

  const candidates: Buffer[] = []
  for (const entry of signature.split(' ')) {
    if (entry === '') continue
    const comma = entry.indexOf(',')
    if (comma <= 0 || entry.slice(0, comma) !== 'v1') continue
    const value = entry.slice(comma + 1)
    if (V1_SIGNATURE.test(value)) candidates.push(Buffer.from(value, 'base64'))
  }
  if (candidates.length === 0) return fail('malformed_signature', 'webhook-signature holds no well-formed "v1,<base64 HMAC-SHA256>" entry')
  if (secrets.length === 0) return fail('bad_signature', 'no webhook secret is configured to verify with')

  let matched = false
  for (const secret of secrets) {
    const expected = hmac(typeof secret === 'string' ? parseSecret(secret) : secret, id, ts, rawBody)
    for (const candidate of candidates) {
      // Both are 32 bytes (checked above), as timingSafeEqual requires; no early exit.
      if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) matched = true
    }
  }
  return matched ? { ok: true, id, timestamp } : fail('bad_signature', 'no webhook-signature entry matches: wrong secret, or the body, id or timestamp changed in transit')
}
