/**
 * The simulated registry behind the HTTP server in simulator.ts: the OAuth2 token endpoint
 * (Basic client credentials, expiring tokens) and the detail endpoint rendering enterprises in
 * the wire format. It spells the wire names out itself, independently of wire.ts, so a drifting
 * reader fails its tests. Replies are pre-rendered at start: a lookup is one Map read.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto'
import type { Enterprise } from '../../schemas/enterprise.js'

export interface Reply {
  status: number
  body: string
  headers?: Record<string, string>
}

export interface RegistryCounters {
  tokensIssued: number
  /** Token requests refused: wrong credentials, grant type or content type. */
  tokenRefused: number
  lookups: { found: number; notFound: number; invalid: number }
  /** Lookups refused for a missing, unknown or expired bearer token. */
  unauthorized: number
}

export interface RegistryOptions {
  credentials: { consumerKey: string; consumerSecret: string }
  tokenTtlMs: number
  notFound: 'empty' | '404'
  enterprises: Enterprise[]
}

const json = (status: number, value: unknown, headers?: Record<string, string>): Reply => ({ status, body: JSON.stringify(value), ...(headers && { headers }) })

/**
 * The registry's detail reply for one enterprise, in the shape reference §2 describes (QB, OCN):
 * `Data{MainInformation, HOAdress, Representatives[], Member[]}` beside `DataCount`, `Status`
 * and `Message`. Representatives carry `FULL_NAME` only (no peer reads a position).
 */
export function renderEnterprise(e: Enterprise, id: number): unknown {
  const a = e.headOfficeAddress
  return {
    Data: {
      MainInformation: {
        ENTERPRISE_ID: id,
        ENTERPRISE_GDT_CODE: e.code,
        NAME: e.name,
        NAME_F: e.foreignName ?? '',
        SHORT_NAME: e.shortName ?? '',
        ENTERPRISE_TYPE_NAME: e.typeName ?? '',
        ENTERPRISE_STATUS_ID: e.statusCode ?? '',
        ENTERPRISE_STATUS_NAME: e.statusName ?? '',
        FOUNDING_DATE: e.foundingDate === undefined ? null : `${e.foundingDate}T00:00:00`,
        CAPITAL_AMOUNT: e.charterCapitalVnd ?? null,
        LEGAL_NAMES: e.representatives.map((r) => r.fullName).join(';'),
      },
      HOAdress: a === undefined ? null : { AddressFullText: a.fullText, CityName: a.province ?? '', DistrictName: a.district ?? '', WardName: a.ward ?? '' },
      Representatives: e.representatives.map((r) => ({ FULL_NAME: r.fullName })),
      Member: (e.members ?? []).map((m) => ({ MEMBER_NAME: m.name, AMOUNT: m.capitalVnd ?? null, RATIO_PERCENT: m.ratioPercent ?? null, COUNTRY: m.country ?? '' })),
    },
    DataCount: 1,
    Status: '1',
    Message: 'Thành công',
  }
}

const NOT_FOUND_EMPTY = JSON.stringify({ Data: { MainInformation: null, HOAdress: null, Representatives: [], Member: [] }, DataCount: 0, Status: '0', Message: 'Không tìm thấy thông tin doanh nghiệp' })
const NOT_FOUND_404 = JSON.stringify({ Data: null, DataCount: 0, Status: '0', Message: 'Không tìm thấy thông tin doanh nghiệp' })
const INVALID_CODE = JSON.stringify({ Data: null, DataCount: 0, Status: '0', Message: 'Mã số doanh nghiệp không hợp lệ' })
const BEARER_REFUSED = { 'www-authenticate': 'Bearer error="invalid_token", error_description="The access token is missing, unknown or expired"' }

export const emptyCounters = (): RegistryCounters => ({ tokensIssued: 0, tokenRefused: 0, lookups: { found: 0, notFound: 0, invalid: 0 }, unauthorized: 0 })

export function createSimulatedRegistry(options: RegistryOptions) {
  const expected = Buffer.from(`${options.credentials.consumerKey}:${options.credentials.consumerSecret}`, 'utf8')
  const replies = new Map<string, string>()
  options.enterprises.forEach((e, i) => replies.set(e.code.replace('-', ''), JSON.stringify(renderEnterprise(e, 100_000 + i))))
  /** Access token → the time it stops working. */
  const tokens = new Map<string, number>()
  let counters = emptyCounters()

  function basicMatches(header: string | undefined): boolean {
    const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '')
    if (!m) return false
    const given = Buffer.from(m[1]!, 'base64')
    return given.length === expected.length && timingSafeEqual(given, expected)
  }

  function token(authorization: string | undefined, contentType: string | undefined, body: string): Reply {
    if (!basicMatches(authorization)) {
      counters.tokenRefused++
      return json(401, { error: 'invalid_client', error_description: 'Client authentication failed' }, { 'www-authenticate': 'Basic realm="business-registry"' })
    }
    if (!/^application\/x-www-form-urlencoded\b/i.test(contentType ?? '') || new URLSearchParams(body).get('grant_type') !== 'client_credentials') {
      counters.tokenRefused++
      return json(400, { error: 'unsupported_grant_type', error_description: 'Send grant_type=client_credentials as a form' })
    }
    const now = Date.now()
    if (tokens.size > 10_000) for (const [t, until] of tokens) if (until <= now) tokens.delete(t)
    const accessToken = randomUUID()
    tokens.set(accessToken, now + options.tokenTtlMs)
    counters.tokensIssued++
    return json(200, { access_token: accessToken, scope: 'am_application_scope default', token_type: 'Bearer', expires_in: Math.max(1, Math.ceil(options.tokenTtlMs / 1000)) })
  }

  function lookup(authorization: string | undefined, msdn: string | null): Reply {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')
    const until = m ? tokens.get(m[1]!) : undefined
    if (until === undefined || until <= Date.now()) {
      counters.unauthorized++
      return json(401, { fault: { code: 900901, message: 'Invalid Credentials', description: 'Access failure for API. Make sure you have given the correct access token' } }, BEARER_REFUSED)
    }
    // The registry accepts a branch code with or without its hyphen.
    if (msdn === null || !/^[0-9]{10}(-?[0-9]{3})?$/.test(msdn)) {
      counters.lookups.invalid++
      return { status: 400, body: INVALID_CODE }
    }
    const found = replies.get(msdn.replace('-', ''))
    if (found !== undefined) {
      counters.lookups.found++
      return { status: 200, body: found }
    }
    counters.lookups.notFound++
    return options.notFound === '404' ? { status: 404, body: NOT_FOUND_404 } : { status: 200, body: NOT_FOUND_EMPTY }
  }

  return {
    token,
    lookup,
    /** Every issued token stops working at once. */
    expireTokens: () => tokens.clear(),
    counters: (): RegistryCounters => structuredClone(counters),
    resetCounters: () => {
      counters = emptyCounters()
    },
  }
}
