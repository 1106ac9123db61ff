/**
 * Wire mapping of the National Business Registration Database's detail endpoint (reference §2):
 * `GET {lookup}?msdn=<code>` → `{ Data: { MainInformation, HOAdress, Representatives } }`.
 * The ONLY connector module that knows the wire names; pure functions, no I/O. What is verified
 * and what is our own choice is listed in this folder's README.
 */
import { UpstreamError } from '../../src/upstream/errors.js'
import type { Enterprise, EnterpriseAddress, EnterpriseStatus, EnterpriseType, Member, Representative } from '../../schemas/enterprise.js'

/** Query parameter carrying the enterprise code. */
export const CODE_PARAM = 'msdn'

export type ReadResult<T> = { ok: true; value: T } | { ok: false; error: UpstreamError }

export interface ReadOptions {
  /** A 404 without the `Data` envelope means "no such enterprise" (else it is `rejected`). */
  bare404IsNotFound: boolean
}

/** Path and query of one lookup; `path` may carry a query of its own (the adapter form `?category=chiTietDoanhNghiep&version=1.1`). */
export function lookupPath(path: string, code: string): string {
  return `${path}${path.includes('?') ? '&' : '?'}${new URLSearchParams({ [CODE_PARAM]: code }).toString()}`
}

/**
 * Legal form from `ENTERPRISE_TYPE_NAME`, first match wins. Matched on lower-case NFC text so
 * abbreviations ("TNHH", "1 thành viên") and wording variants land on the same type.
 */
const TYPE_RULES: ReadonlyArray<readonly [RegExp, EnterpriseType]> = [
  [/^chi nhánh/, 'branch'],
  [/^văn phòng đại diện/, 'representative_office'],
  [/^địa điểm kinh doanh/, 'business_location'],
  [/(tnhh|trách nhiệm hữu hạn).*(một|1) thành viên/, 'single_member_llc'],
  [/(tnhh|trách nhiệm hữu hạn).*(hai|2) thành viên/, 'multi_member_llc'],
  [/cổ phần/, 'joint_stock'],
  [/tư nhân/, 'private_enterprise'],
  [/hợp danh/, 'partnership'],
  [/hợp tác xã/, 'cooperative'],
  [/nhà nước/, 'state_owned'],
]

/** Status from `ENTERPRISE_STATUS_NAME`; "not at the registered address" first, since it also says "hoạt động". */
const STATUS_RULES: ReadonlyArray<readonly [RegExp, EnterpriseStatus]> = [
  [/địa chỉ/, 'not_at_registered_address'],
  [/tạm ngừng/, 'suspended'],
  [/(đang làm thủ tục|đang) giải thể/, 'dissolving'],
  [/giải thể/, 'dissolved'],
  [/phá sản/, 'bankrupt'],
  [/thu hồi/, 'certificate_revoked'],
  [/^(đang )?hoạt động/, 'active'],
]

const normalise = (s: string) => s.normalize('NFC').trim().replace(/\s+/g, ' ').toLocaleLowerCase('vi')
const classifyText = <T extends string>(text: string | undefined, rules: ReadonlyArray<readonly [RegExp, T]>, fallback: T): T => {
  if (text === undefined) return fallback
  const n = normalise(text)
  return rules.find(([re]) => re.test(n))?.[1] ?? fallback
}
export const enterpriseTypeOf = (name: string | undefined): EnterpriseType => classifyText(name, TYPE_RULES, 'other')
export const enterpriseStatusOf = (name: string | undefined): EnterpriseStatus => classifyText(name, STATUS_RULES, 'other')

class WireError extends Error {}
const bad = (what: string) => new WireError(what)

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const isEmpty = (v: unknown) => v === null || v === undefined || (isObject(v) && Object.keys(v).length === 0) || (Array.isArray(v) && v.length === 0)

/** A text field: absent, null or blank → undefined; a number is read as text; anything else is malformed. */
function text(record: Record<string, unknown>, key: string): string | undefined {
  const v = record[key]
  if (v === undefined || v === null) return undefined
  if (typeof v === 'number' && Number.isFinite(v)) return String(v)
  if (typeof v !== 'string') throw bad(`${key} is not text`)
  const t = v.trim()
  return t === '' ? undefined : t
}

const VN_OFFSET_MS = 7 * 3600_000
const vnDate = (ms: number) => new Date(ms + VN_OFFSET_MS).toISOString().slice(0, 10)
function realDate(y: string, m: string, d: string): string | undefined {
  const iso = `${y}-${m}-${d}`
  const t = Date.parse(`${iso}T00:00:00Z`)
  return Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== iso ? undefined : iso
}

/**
 * `FOUNDING_DATE` → `YYYY-MM-DD`. The format is unverified, so the common ones are read:
 * `YYYY-MM-DD`, ISO date-times (without offset: the date as written; with one: the date in
 * Vietnam time), `dd/MM/yyyy`, `yyyyMMdd` and .NET `/Date(ms)/`. Returns undefined for none.
 */
export function parseWireDate(value: string): string | undefined {
  let m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.exec(value)
  if (m) {
    const date = realDate(m[1]!, m[2]!, m[3]!)
    if (date === undefined || m[7] === undefined) return date
    const t = Date.parse(value.replace(' ', 'T').replace(/([+-]\d{2})(\d{2})$/, '$1:$2'))
    return Number.isNaN(t) ? undefined : vnDate(t)
  }
  if ((m = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(value))) return realDate(m[3]!, m[2]!, m[1]!)
  if ((m = /^(\d{4})(\d{2})(\d{2})$/.exec(value))) return realDate(m[1]!, m[2]!, m[3]!)
  if ((m = /^\/Date\((-?\d{1,15})(?:[+-]\d{4})?\)\/$/.exec(value))) return vnDate(Number(m[1]))
  return undefined
}

/** `CAPITAL_AMOUNT` in VND: a whole number, or digits with thousands separators; anything else is left out. */
function capital(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? v : undefined
  if (typeof v !== 'string') return undefined
  const t = v.trim()
  if (!/^\d+$/.test(t) && !/^\d{1,3}([.,\s]\d{3})+$/.test(t)) return undefined
  const n = Number(t.replace(/[.,\s]/g, ''))
  return Number.isSafeInteger(n) ? n : undefined
}

const digitsOf = (code: string) => code.replace(/[^0-9]/g, '')

function address(v: unknown): EnterpriseAddress | undefined {
  if (v === undefined || v === null) return undefined
  if (!isObject(v)) throw bad('HOAdress is not an object')
  const fullText = text(v, 'AddressFullText')
  if (fullText === undefined) return undefined
  const province = text(v, 'CityName')
  const district = text(v, 'DistrictName')
  const ward = text(v, 'WardName')
  return { fullText, ...(province !== undefined && { province }), ...(district !== undefined && { district }), ...(ward !== undefined && { ward }) }
}

/** One object or a list of them (clients seen read both); a representative without a name is left out. */
function representatives(v: unknown): Representative[] {
  if (v === undefined || v === null) return []
  const items = Array.isArray(v) ? v : [v]
  const out: Representative[] = []
  for (const item of items) {
    if (!isObject(item)) throw bad('a Representatives item is not an object')
    const fullName = text(item, 'FULL_NAME')
    if (fullName === undefined) continue
    const position = text(item, 'POSITION_NAME')
    out.push({ fullName, ...(position !== undefined && { position }) })
  }
  return out
}

/** `LEGAL_NAMES`: the legal representatives' names joined with ';' (used when `Representatives` names nobody). */
function legalNames(main: Record<string, unknown>): Representative[] {
  return (text(main, 'LEGAL_NAMES') ?? '').split(';').map((n) => n.trim()).filter((n) => n !== '').map((fullName) => ({ fullName }))
}

/** `Member[]` {MEMBER_NAME, AMOUNT, RATIO_PERCENT, COUNTRY}: members and their capital (personal data; served only on request). */
function members(v: unknown): Member[] {
  if (v === undefined || v === null) return []
  const items = Array.isArray(v) ? v : [v]
  const out: Member[] = []
  for (const item of items) {
    if (!isObject(item)) throw bad('a Member item is not an object')
    const name = text(item, 'MEMBER_NAME')
    if (name === undefined) continue
    const amount = decimal(item['AMOUNT'])
    const ratio = decimal(item['RATIO_PERCENT'])
    const country = text(item, 'COUNTRY')
    out.push({ name, ...(amount !== undefined && { capitalVnd: amount }), ...(ratio !== undefined && { ratioPercent: ratio }), ...(country !== undefined && { country }) })
  }
  return out
}

/** A non-negative decimal as a number or text (`number(21,3)` in the registry); anything else is left out. */
function decimal(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+(\.\d+)?$/.test(v.trim()) ? Number(v.trim()) : undefined
  return n !== undefined && Number.isFinite(n) && n >= 0 ? n : undefined
}

/** `Data` → the enterprise, `null` when it holds none. Throws WireError when malformed. */
function readData(data: unknown, requested: string): Enterprise | null {
  if (isEmpty(data)) return null
  const d = Array.isArray(data) ? data[0] : data
  if (!isObject(d)) throw bad('Data is not an object')
  const main = d['MainInformation']
  if (isEmpty(main)) return null
  if (!isObject(main)) throw bad('MainInformation is not an object')

  const name = text(main, 'NAME')
  if (name === undefined) throw bad('NAME is missing')
  const answered = text(main, 'ENTERPRISE_GDT_CODE')
  if (answered === undefined) throw bad('ENTERPRISE_GDT_CODE is missing')
  // Compared as digits: the registry may write a branch code with or without the hyphen.
  if (digitsOf(answered) !== digitsOf(requested)) throw bad('the reply is about another enterprise code')
  const rawDate = text(main, 'FOUNDING_DATE')
  const foundingDate = rawDate === undefined ? undefined : parseWireDate(rawDate)
  if (rawDate !== undefined && foundingDate === undefined) throw bad('FOUNDING_DATE is not a date')
  const typeName = text(main, 'ENTERPRISE_TYPE_NAME')
  // OCN reads ENTERPRISE_STATUS_ID/_NAME; QB's reply has ENTERPRISE_STATUS (a code when numeric, else the name).
  const bareStatus = text(main, 'ENTERPRISE_STATUS')
  const statusName = text(main, 'ENTERPRISE_STATUS_NAME') ?? (bareStatus !== undefined && !/^\d+$/.test(bareStatus) ? bareStatus : undefined)
  const statusCode = text(main, 'ENTERPRISE_STATUS_ID') ?? (bareStatus !== undefined && /^\d+$/.test(bareStatus) ? bareStatus : undefined)
  const foreignName = text(main, 'NAME_F')
  const shortName = text(main, 'SHORT_NAME')
  const charterCapitalVnd = capital(main['CAPITAL_AMOUNT'])
  const headOfficeAddress = address(d['HOAdress'] ?? d['HOAddress'])
  const parentCode = requested.length > 10 ? requested.slice(0, 10) : undefined
  const named = representatives(d['Representatives'])
  const memberList = members(d['Member'] ?? d['Members'])

  return {
    code: requested,
    ...(parentCode !== undefined && { parentCode }),
    name,
    ...(foreignName !== undefined && { foreignName }),
    ...(shortName !== undefined && { shortName }),
    type: enterpriseTypeOf(typeName),
    ...(typeName !== undefined && { typeName }),
    status: enterpriseStatusOf(statusName),
    ...(statusName !== undefined && { statusName }),
    ...(statusCode !== undefined && { statusCode }),
    ...(foundingDate !== undefined && { foundingDate }),
    ...(headOfficeAddress !== undefined && { headOfficeAddress }),
    representatives: named.length > 0 ? named : legalNames(main),
    ...(charterCapitalVnd !== undefined && { charterCapitalVnd }),
    ...(memberList.length > 0 && { members: memberList }),
  }
}

/**
 * Reads one reply the client accepted (2xx or 404). Not found is `null`: a 2xx whose `Data`
 * (or `Data.MainInformation`) is null or empty, or a 404 that carries the `Data` envelope.
 * Messages name fields, never values: a reply holds representatives' names.
 */
export function readEnterpriseReply(body: Buffer, status: number, requested: string, options: ReadOptions): ReadResult<Enterprise | null> {
  let json: unknown
  let parsed = true
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body))
  } catch {
    parsed = false
  }
  // Beside `Data` the registry sends `Status` ("1" ok, "0" nothing to return) and `Message`.
  const enveloped = parsed && isObject(json) && ('Data' in json || 'Status' in json)
  if (status === 404) {
    if (enveloped || options.bare404IsNotFound) return { ok: true, value: null }
    return {
      ok: false,
      error: new UpstreamError('rejected', 'The business registry answered HTTP 404 without its reply envelope: check baseUrl and paths.lookup (or set bare404IsNotFound if this registry answers a plain 404 for an unknown code).', { status }),
    }
  }
  if (!parsed) return { ok: false, error: new UpstreamError('bad_response', 'The business registry sent a reply that is not JSON.', { status }) }
  if (!enveloped) return { ok: false, error: new UpstreamError('bad_response', 'The business registry reply has neither Data nor Status.', { status }) }
  try {
    // "0" with a Message and no record is the registry saying it has nothing for this code.
    return { ok: true, value: readData((json as Record<string, unknown>)['Data'], requested) }
  } catch (err) {
    if (!(err instanceof WireError)) throw err
    return { ok: false, error: new UpstreamError('bad_response', `The business registry sent a reply the connector could not read (${err.message}).`, { status }) }
  }
}
