/**
 * Who may call the population simulator, the two ways provinces reach the database:
 * - direct, X-Road style: `Timestamp` + `Authorization: Basic base64(user:sha256hex(authUrl + user
 *   + timestamp + secret))`, where authUrl is the auth URL issued with the account, not the endpoint;
 * - LGSP token scheme: `POST {token}` with `lgspaccesstoken` and `grant_type=client_credentials`
 *   → `access_token`; calls carry `Authorization: Bearer`, the same `lgspaccesstoken` and the
 *   officer's `AuthHash` = base64(keyName:keyPassword) of a registered account.
 * All credentials here are obviously fake sandbox values.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { lgspAccessToken, lgspAuthHash, xroadSignature } from '../../src/upstream/auth/index.js'

export const SANDBOX_XROAD = Object.freeze({ username: 'sandbox-user', secretKey: 'sandbox-secret-not-real', authUrl: 'https://auth.sandbox.invalid/xroad/auth' })
export const SANDBOX_LGSP = Object.freeze({
  accessKey: 'sandbox-access-key', secretKey: 'sandbox-lgsp-secret-not-real', appName: 'LGSP-HUB-SANDBOX', partnerCode: '000.00.00.H34', partnerCodeCus: 'CSDLQGDC',
})
/** Officers with their own population-DB accounts (X-Officer-Id → account). */
export const SANDBOX_OFFICERS: Readonly<Record<string, { code: string; keyName: string; keyPassword: string }>> = Object.freeze({
  'CB-0001': { code: 'cb0001.kontum', keyName: 'cb0001', keyPassword: 'sandbox-officer-pass-not-real' },
})
/** The unit's account, sent for officers without their own. */
export const SANDBOX_UNIT_ACCOUNT = Object.freeze({ keyName: 'unit-kontum', keyPassword: 'sandbox-unit-pass-not-real' })

export interface SimulatorAuthOptions {
  xroad: { username: string; secretKey: string; authUrl: string; maxClockSkewMs?: number } | false
  lgsp: { keys: Parameters<typeof lgspAccessToken>[0]; officers: Record<string, { code: string; keyName: string; keyPassword: string }>; unitAccount?: { keyName: string; keyPassword: string }; tokenTtlS?: number } | false
}

export type CallerCheck = { ok: true; officerMatches(code: string): boolean } | { ok: false; challenge: string }

const same = (a: string, b: string) => {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}
const header = (req: IncomingMessage, name: string) => {
  const v = req.headers[name]
  return typeof v === 'string' ? v : undefined
}
const anyOfficer = { ok: true as const, officerMatches: () => true }

export function createSimulatorAuth(options: Partial<SimulatorAuthOptions> | false | undefined) {
  const xroad = options === false ? false : options?.xroad ?? { ...SANDBOX_XROAD }
  const lgsp: SimulatorAuthOptions['lgsp'] = options === false ? false : options?.lgsp ?? { keys: SANDBOX_LGSP, officers: { ...SANDBOX_OFFICERS }, unitAccount: SANDBOX_UNIT_ACCOUNT }
  const expectedLgsp = lgsp ? lgspAccessToken(lgsp.keys) : undefined
  /** AuthHash → the MaCanBo it belongs to, or null for the unit's account (any officer). */
  const accounts = new Map<string, string | null>()
  if (lgsp) {
    for (const a of Object.values(lgsp.officers)) accounts.set(lgspAuthHash(a.keyName, a.keyPassword), a.code)
    if (lgsp.unitAccount) accounts.set(lgspAuthHash(lgsp.unitAccount.keyName, lgsp.unitAccount.keyPassword), null)
  }
  const tokens = new Map<string, number>()

  function checkXroad(req: IncomingMessage): boolean {
    if (!xroad) return false
    const timestamp = header(req, 'timestamp')
    const given = header(req, 'authorization')
    if (timestamp === undefined || !/^\d{10,13}$/.test(timestamp) || given === undefined) return false
    // Clients disagree on seconds vs milliseconds; 13 digits is milliseconds.
    const ms = timestamp.length >= 13 ? Number(timestamp) : Number(timestamp) * 1000
    if (Math.abs(Date.now() - ms) > (xroad.maxClockSkewMs ?? 300_000)) return false
    return same(xroadSignature(xroad.authUrl, xroad.username, timestamp, xroad.secretKey), given)
  }

  function checkLgsp(req: IncomingMessage, needsAccount: boolean): CallerCheck {
    const fail = { ok: false as const, challenge: 'Bearer realm="lgsp"' }
    const m = /^Bearer\s+(\S+)$/i.exec(header(req, 'authorization') ?? '')
    const until = m ? tokens.get(m[1]!) : undefined
    if (until === undefined || until <= Date.now()) return fail
    if (!same(header(req, 'lgspaccesstoken') ?? '', expectedLgsp!)) return fail
    const hash = header(req, 'authhash')
    if (!needsAccount && hash === undefined) return anyOfficer
    if (hash === undefined || !accounts.has(hash)) return fail
    const owner = accounts.get(hash)
    return { ok: true, officerMatches: (code) => owner === null || owner === code }
  }

  return {
    /** Checks a request by whichever scheme it carries; a data call (`needsAccount`) on the LGSP path also needs a registered account's AuthHash. */
    check(req: IncomingMessage, needsAccount = true): CallerCheck {
      if (!xroad && !lgsp) return anyOfficer
      if (lgsp && header(req, 'lgspaccesstoken') !== undefined) return checkLgsp(req, needsAccount)
      return checkXroad(req) ? anyOfficer : { ok: false, challenge: 'Basic realm="population"' }
    },
    /** The LGSP token endpoint: form grant_type=client_credentials with the right lgspaccesstoken. */
    token(req: IncomingMessage, body: string): { status: number; body: string } {
      if (!lgsp || !same(header(req, 'lgspaccesstoken') ?? '', expectedLgsp!)) return { status: 401, body: JSON.stringify({ error: 'invalid_client' }) }
      if (!/^application\/x-www-form-urlencoded\b/i.test(header(req, 'content-type') ?? '') || new URLSearchParams(body).get('grant_type') !== 'client_credentials') {
        return { status: 400, body: JSON.stringify({ error: 'unsupported_grant_type' }) }
      }
      const ttl = lgsp.tokenTtlS ?? 3600
      const now = Date.now()
      if (tokens.size > 10_000) for (const [t, until] of tokens) if (until <= now) tokens.delete(t)
      const accessToken = randomUUID()
      tokens.set(accessToken, now + ttl * 1000)
      return { status: 200, body: JSON.stringify({ access_token: accessToken, token_type: 'Bearer', expires_in: ttl }) }
    },
  }
}
