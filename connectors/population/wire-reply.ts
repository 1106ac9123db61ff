/**
 * Reading the population database's replies (reference §1 "Reply"): the lookup answers with
 * `CongdanCollection` (namespace http://www.mic.gov.vn/dancu/1.0) directly in the SOAP Body, no
 * `…Response` wrapper; a collection without `CongDan` means not found. Verify answers yes or no.
 * No upstream error element is read: no peer reads one (the 004/005 codes some clients show are
 * OpenCPS's own pre-flight checks). Faults are SOAP faults or HTTP statuses. Pure functions.
 */
import { UpstreamError } from '../../src/upstream/errors.js'
import type { Citizen } from '../../schemas/citizen.js'
import { createSafeParser, decodeUtf8, isNode, text, UnsafeXmlError, type SafeParser, type XmlNode } from '../../src/xml/safe-xml.js'
import { EL, OPERATION } from './wire.js'

export interface ReplyContext {
  /** HTTP status of the reply (200, or 500 for SOAP faults). */
  status: number
}

const GENDER: Readonly<Record<string, Citizen['gender']>> = { '1': 'male', '2': 'female' }
const BLOOD: Readonly<Record<string, string>> = { '00': 'unknown', '01': 'A', '02': 'B', '03': 'AB', '04': 'O' }
const MARITAL: Readonly<Record<string, string>> = { '1': 'single', '2': 'married', '3': 'divorced_or_widowed' }

const bad = (what: string) => new UpstreamError('bad_response', `The population database sent an unusable reply: ${what}.`)
const serverFailed = (status: number) => new UpstreamError('unavailable', `The population database failed with HTTP ${status} and no SOAP fault.`, { status })
const replyParser: SafeParser = createSafeParser({ arrays: [EL.citizen] })

/** Optional child element: undefined when absent or empty, bad_response when not one element. */
function child(node: XmlNode, key: string, where: string): XmlNode | undefined {
  const v = node[key]
  if (v === undefined || v === '') return undefined
  if (!isNode(v)) throw bad(`${where}/${key} is not a single element`)
  return v
}

/** Checks the envelope and classifies faults; returns the SOAP Body. */
function openBody(body: Uint8Array | string, ctx: ReplyContext): XmlNode {
  let parsed: ReturnType<SafeParser['parse']>
  try {
    parsed = replyParser.parse(decodeUtf8(body))
  } catch (err) {
    throw err instanceof UnsafeXmlError ? bad(err.message) : err
  }
  // A 500 that is not SOAP at all is a crashed server or a proxy error page: transient.
  if (!parsed.wellFormed) throw ctx.status >= 500 ? serverFailed(ctx.status) : bad(`the document is not well-formed XML (line ${parsed.line})`)
  const env = isNode(parsed.doc) ? parsed.doc['Envelope'] : undefined
  const soapBody = isNode(env) ? env['Body'] : undefined
  if (!isNode(soapBody)) throw ctx.status >= 500 ? serverFailed(ctx.status) : bad('no soap:Envelope/soap:Body')
  if (soapBody['Fault'] !== undefined) throw faultError(soapBody['Fault'], ctx)
  if (ctx.status !== 200) throw serverFailed(ctx.status)
  return soapBody
}

/** `soap:Client` (and any non-Server code) → rejected; `soap:Server` → unavailable (retryable). */
function faultError(fault: unknown, ctx: ReplyContext): UpstreamError {
  const code = (text(isNode(fault) ? fault : {}, 'faultcode') ?? '').replace(/^.*:/, '')
  // faultstring is not copied: it may echo the request, i.e. personal data.
  if (/^Server/i.test(code)) {
    return new UpstreamError('unavailable', 'The population database reported a server fault (soap:Server); try again later.', { status: ctx.status, upstreamCode: 'soap:Server' })
  }
  return new UpstreamError('rejected', `The population database refused the request (SOAP fault ${code ? `soap:${code}` : 'without a faultcode'}); check the service code (MaDVC) licensed for the procedure and the officer's registered account.`, { status: ctx.status, upstreamCode: code ? `soap:${code}` : 'soap:Fault' })
}

/** `NgayThangNam` as `yyyyMMdd` or `yyyy-MM-dd` (both seen), else `Nam`. */
function parseDate(node: XmlNode, where: string): string {
  const full = text(node, EL.fullDate)
  if (full !== undefined) {
    const m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(full)
    if (!m) throw bad(`${where}/${EL.fullDate} is neither yyyyMMdd nor yyyy-MM-dd`)
    const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])))
    if (d.getUTCMonth() !== Number(m[2]) - 1 || d.getUTCDate() !== Number(m[3])) throw bad(`${where}/${EL.fullDate} is not a calendar date`)
    return `${m[1]}-${m[2]}-${m[3]}`
  }
  const year = text(node, EL.yearOnly)
  if (year !== undefined && /^\d{4}$/.test(year)) return year
  throw bad(`${where} has neither ${EL.fullDate} nor ${EL.yearOnly} (yyyy)`)
}

/** `HoVaTen` as plain text (relatives) or `{Ho, ChuDem, Ten}` joined from the non-empty parts. */
function parseName(node: XmlNode, where: string): string | undefined {
  const direct = text(node, EL.fullName)
  if (direct !== undefined) return direct
  const parts = child(node, EL.fullName, where)
  if (!parts) return undefined
  const joined = [EL.surname, EL.middleName, EL.givenName].map((k) => text(parts, k)).filter((p) => p !== undefined).join(' ')
  return joined === '' ? undefined : joined
}

function parseAddress(node: XmlNode, key: string, where: string): Citizen['permanentAddress'] {
  const a = child(node, key, where)
  if (!a) return undefined
  const parts = { district: text(a, EL.districtCode), ward: text(a, EL.wardCode), country: text(a, EL.country) }
  return {
    provinceCode: text(a, EL.provinceCode) ?? '',
    ...(parts.district !== undefined && { districtCode: parts.district }),
    ...(parts.ward !== undefined && { wardCode: parts.ward }),
    detail: text(a, EL.detail) ?? '',
    ...(parts.country !== undefined && { country: parts.country }),
  }
}

/** `Cha`, `Me`, `VoChong`, `NguoiDaiDien`, `ChuHo`; an element with no name at all is left out. */
function parsePerson(node: XmlNode, key: string, where: string): Record<string, string> | undefined {
  const p = child(node, key, where)
  if (!p) return undefined
  const fullName = parseName(p, `${where}/${key}`)
  if (fullName === undefined) return undefined
  const out: Record<string, string> = { fullName }
  const fields = { personalId: EL.personalId, oldIdNumber: EL.oldIdNumber, nationality: EL.nationality, relationship: EL.relationship } as const
  for (const [name, el] of Object.entries(fields)) {
    const v = text(p, el)
    if (v !== undefined) out[name] = v
  }
  return out
}

/** One `CongDan` → the whole Citizen (the gateway projects it per purpose). */
export function parseCitizen(node: XmlNode, where = EL.citizen as string): Citizen {
  const personalId = text(node, EL.personalId)
  if (personalId === undefined) throw bad(`${where}/${EL.personalId} is missing`)
  const fullName = parseName(node, where)
  if (fullName === undefined) throw bad(`${where}/${EL.fullName} is missing or empty`)
  const dob = child(node, EL.dateOfBirth, where)
  if (!dob) throw bad(`${where}/${EL.dateOfBirth} is missing`)
  const relative = (key: string) => {
    const p = parsePerson(node, key, where)
    if (p) delete p['relationship']
    return p
  }
  const head = parsePerson(node, EL.householdHead, where)
  if (head) delete head['nationality']
  const optional: Record<string, unknown> = {
    oldIdNumber: text(node, EL.oldIdNumber),
    birthRegistrationPlace: parseAddress(node, EL.birthRegistrationPlace, where),
    permanentAddress: parseAddress(node, EL.permanentAddress, where),
    currentAddress: parseAddress(node, EL.currentAddress, where),
    hometown: parseAddress(node, EL.hometown, where),
    maritalStatus: MARITAL[text(node, EL.maritalStatus) ?? ''] ?? 'unknown',
    ethnicity: text(node, EL.ethnicity) ?? '',
    religion: text(node, EL.religion) ?? '',
    bloodType: BLOOD[text(node, EL.bloodType) ?? ''] ?? 'unknown',
    householdBookNumber: text(node, EL.householdBookNumber),
    householdHead: head,
    father: relative(EL.father),
    mother: relative(EL.mother),
    spouse: relative(EL.spouse),
    guardian: relative(EL.guardian),
  }
  const citizen: Record<string, unknown> = {
    personalId,
    ...(optional['oldIdNumber'] !== undefined && { oldIdNumber: optional['oldIdNumber'] }),
    fullName,
    dateOfBirth: parseDate(dob, `${where}/${EL.dateOfBirth}`),
    gender: GENDER[text(node, EL.gender) ?? ''] ?? 'unknown',
    nationality: text(node, EL.nationality) ?? '',
  }
  delete optional['oldIdNumber']
  for (const [k, v] of Object.entries(optional)) if (v !== undefined) citizen[k] = v
  return citizen as Citizen
}

/**
 * Lookup reply → the citizen, or null when the collection holds no `CongDan`. The record must be
 * the one asked for (by `SoDinhDanh`, or `SoCMND` for a 9-digit ID): another record means the
 * upstream answered another request, and is never passed on.
 */
export function parseLookupResponse(body: Uint8Array | string, ctx: ReplyContext & { personalId: string }): Citizen | null {
  const soapBody = openBody(body, ctx)
  if (!(EL.collection in soapBody)) throw bad(`no ${EL.collection} in the SOAP body`)
  const collection = soapBody[EL.collection]
  if (collection === '') return null
  if (!isNode(collection)) throw bad(`${EL.collection} is not a single element`)
  const records = collection[EL.citizen]
  if (records === undefined) return null
  if (!Array.isArray(records) || !records.every((r) => isNode(r) || r === '')) throw bad(`${EL.collection}/${EL.citizen} is not an element list`)
  const present = records.filter(isNode)
  if (present.length === 0) return null
  if (present.length > 1) throw bad(`${present.length} ${EL.citizen} records for one ID`)
  const citizen = parseCitizen(present[0] as XmlNode)
  const asked = ctx.personalId.length === 9 ? citizen.oldIdNumber : citizen.personalId
  if (asked !== ctx.personalId) throw bad('the record is not the one asked for')
  return citizen
}

const YES = new Set(['true', '1']), NO = new Set(['false', '0'])

/**
 * Verify reply → yes or no. Read from `XacThucThongTinCongDanResponse` (Hậu Giang): its `TonTai`
 * child (the one schema published) or, failing that, its own text. Unconfirmed; see README.
 */
export function parseVerifyResponse(body: Uint8Array | string, ctx: ReplyContext): boolean {
  const soapBody = openBody(body, ctx)
  const result = soapBody[EL.verifyResponse]
  if (result === undefined) throw bad(`no ${EL.verifyResponse} in the SOAP body`)
  const value = (isNode(result) ? text(result, EL.verifyExists) ?? text(result, '#text') : typeof result === 'string' ? result : undefined)?.trim().toLowerCase()
  if (value !== undefined && YES.has(value)) return true
  if (value !== undefined && NO.has(value)) return false
  throw bad(`${OPERATION.verify} answered neither true nor false`)
}
