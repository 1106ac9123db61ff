/**
 * Wire mapping of the National Population Database (SOAP 1.1, namespace http://dancuquocgia.bca).
 * The ONLY module that knows Vietnamese wire names: everything else (connector, simulator, tests)
 * uses the English keys of `EL`. Pure functions, no I/O. What is verified against the public
 * reference and what is our own guess is listed in this folder's README.
 */
import { XMLBuilder } from 'fast-xml-parser'
import { UpstreamError } from '../../src/upstream/errors.js'
import type { Citizen, LookupInput, VerifyInput, VerifyOutput } from '../../schemas/citizen.js'
import { createSafeParser, decodeUtf8, isNode, text, UnsafeXmlError, type SafeParser, type XmlNode } from '../../src/xml/safe-xml.js'

export const SOAP_ENV_NS = 'http://schemas.xmlsoap.org/soap/envelope/'
export const NAMESPACE = 'http://dancuquocgia.bca'
export const OPERATION = { lookup: 'TraCuuThongTinCongDan', verify: 'XacThucThongTinCongDan' } as const
export type OperationKey = keyof typeof OPERATION

/** English key → wire element name. */
export const EL = {
  requestId: 'MaYeuCau', serviceCode: 'MaDVC', integrationCode: 'MaTichHop', officerId: 'MaCanBo',
  personalId: 'SoDinhDanh', oldIdNumber: 'SoCMND', fullName: 'HoVaTen', nameText: 'Ten',
  dateOfBirth: 'NgayThangNamSinh', fullDate: 'NgayThangNam', yearOnly: 'Nam',
  gender: 'GioiTinh', nationality: 'QuocTich', ethnicity: 'DanToc', religion: 'TonGiao',
  bloodType: 'NhomMau', maritalStatus: 'TinhTrangHonNhan', householdBookNumber: 'SoSoHoKhau',
  permanentAddress: 'ThuongTru', currentAddress: 'NoiOHienTai', hometown: 'QueQuan',
  provinceCode: 'MaTinhThanh', districtCode: 'MaQuanHuyen', wardCode: 'MaPhuongXa', detail: 'ChiTiet',
  householdHead: 'ChuHo', father: 'Cha', mother: 'Me', spouse: 'VoChong',
  collection: 'CongdanCollection', citizen: 'CongDan',
  // Unverified (our choice): error and verify-result shapes.
  errorCode: 'MaLoi', errorDescription: 'MoTaLoi',
  verifyResult: 'KetQuaXacThuc', verifyMatch: 'KetQua', mismatchedField: 'TruongKhongKhop',
} as const

/** Header elements every request starts with, in the order the upstream requires. */
export const REQUEST_HEADER_ORDER = [EL.requestId, EL.serviceCode, EL.integrationCode, EL.officerId] as const
/** Full element order of a lookup request. */
export const LOOKUP_ORDER = [...REQUEST_HEADER_ORDER, EL.personalId, EL.fullName, EL.dateOfBirth] as const
/** Optional elements a verify request may add after the lookup elements, in this order (unverified). */
export const VERIFY_EXTRA_ORDER = [EL.gender, EL.nationality, EL.ethnicity, EL.permanentAddress] as const
export const VERIFY_ADDRESS_ORDER = [EL.provinceCode, EL.wardCode] as const

export const ERROR_CODE = { procedureNotLicensed: '004', officerNotAuthorised: '005' } as const
export const DEFAULT_INTEGRATION_CODE = '037'

/** Verify mismatch names on the wire (element paths) → VerifyInput field names. */
export const MISMATCH_FIELDS: Readonly<Record<string, string>> = {
  [EL.personalId]: 'personalId',
  [EL.fullName]: 'fullName',
  [EL.dateOfBirth]: 'dateOfBirth',
  [EL.gender]: 'gender',
  [EL.nationality]: 'nationality',
  [EL.ethnicity]: 'ethnicity',
  [`${EL.permanentAddress}/${EL.provinceCode}`]: 'permanentProvinceCode',
  [`${EL.permanentAddress}/${EL.wardCode}`]: 'permanentWardCode',
}

const GENDER = { male: '1', female: '2' } as const
// Typed as string: schemas/citizen.ts builds these unions with .map(), which TypeScript infers as never.
const BLOOD: Readonly<Record<string, string>> = { '00': 'unknown', '01': 'A', '02': 'B', '03': 'AB', '04': 'O' }
const MARITAL: Readonly<Record<string, string>> = { '1': 'single', '2': 'married', '3': 'divorced_or_widowed' }

export interface RequestHeader {
  requestId: string
  serviceCode: string
  integrationCode: string
  officerId: string
}

// ---------------------------------------------------------------- building

/** XML 1.0 forbids most C0 controls even escaped; drop them so a stray byte cannot break the document. */
const clean = (v: string) => v.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')

/** Names go upper-case (Vietnamese-aware), NFC-composed and single-spaced, as the upstream stores them. */
export function normaliseName(name: string): string {
  return clean(name).normalize('NFC').trim().replace(/\s+/g, ' ').toLocaleUpperCase('vi')
}

/** `YYYY-MM-DD` → `{NgayThangNam: yyyyMMdd}`; `YYYY` → `{Nam: yyyy}`. */
function wireDate(dateOfBirth: string): Record<string, string> {
  return dateOfBirth.length === 4 ? { [EL.yearOnly]: dateOfBirth } : { [EL.fullDate]: dateOfBirth.replaceAll('-', '') }
}

// The builder escapes & < > " ' in text, so a value can never close or open an element.
const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', suppressEmptyNode: false, processEntities: true })

function envelope(op: OperationKey, fields: Record<string, unknown>): string {
  const doc = {
    'soap:Envelope': {
      '@_xmlns:soap': SOAP_ENV_NS,
      'soap:Body': { [OPERATION[op]]: { '@_xmlns': NAMESPACE, ...fields } },
    },
  }
  return `<?xml version="1.0" encoding="utf-8"?>${builder.build(doc)}`
}

function lookupFields(input: LookupInput, header: RequestHeader): Record<string, unknown> {
  // Insertion order is document order; it must follow LOOKUP_ORDER.
  return {
    [EL.requestId]: clean(header.requestId),
    [EL.serviceCode]: clean(header.serviceCode),
    [EL.integrationCode]: clean(header.integrationCode),
    [EL.officerId]: clean(header.officerId),
    [EL.personalId]: clean(input.personalId),
    [EL.fullName]: normaliseName(input.fullName),
    [EL.dateOfBirth]: wireDate(input.dateOfBirth),
  }
}

export function buildLookupRequest(input: LookupInput, header: RequestHeader): string {
  return envelope('lookup', lookupFields(input, header))
}

export function buildVerifyRequest(input: VerifyInput, header: RequestHeader): string {
  const fields = lookupFields(input, header)
  if (input.gender !== undefined) fields[EL.gender] = GENDER[input.gender]
  if (input.nationality !== undefined) fields[EL.nationality] = clean(input.nationality)
  if (input.ethnicity !== undefined) fields[EL.ethnicity] = clean(input.ethnicity)
  if (input.permanentProvinceCode !== undefined || input.permanentWardCode !== undefined) {
    const address: Record<string, string> = {}
    if (input.permanentProvinceCode !== undefined) address[EL.provinceCode] = clean(input.permanentProvinceCode)
    if (input.permanentWardCode !== undefined) address[EL.wardCode] = clean(input.permanentWardCode)
    fields[EL.permanentAddress] = address
  }
  return envelope('verify', fields)
}

// ---------------------------------------------------------------- parsing

export interface ReplyContext {
  /** HTTP status of the reply (200, or 500 for SOAP faults). */
  status: number
  /** Our MaDVC, named in the "not licensed" message so the operator knows what to ask for. */
  serviceCode?: string
}

const bad = (what: string) => new UpstreamError('bad_response', `The population database sent an unusable reply: ${what}.`)
const serverFailed = (status: number) => new UpstreamError('unavailable', `The population database failed with HTTP ${status} and no SOAP fault.`, { status })
const replyParser = createSafeParser({ arrays: [EL.citizen, EL.mismatchedField] })

function required(node: XmlNode, key: string, where: string): string {
  const v = text(node, key)
  if (v === undefined) throw bad(`${where}/${key} is missing or not a single text value`)
  return v
}

/** Optional child element: undefined when absent or empty, bad_response when not an element. */
function child(node: XmlNode, key: string, where: string): XmlNode | undefined {
  const v = node[key]
  if (v === undefined || v === '') return undefined
  if (!isNode(v)) throw bad(`${where}/${key} is not a single element`)
  return v
}

/**
 * Checks the envelope, classifies SOAP faults and upstream error codes, and returns the
 * operation's result element (`<Op>Response`, or its `<Op>Result` child when the server wraps it).
 */
function openReply(body: Uint8Array | string, op: OperationKey, ctx: ReplyContext): XmlNode {
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
  const name = `${OPERATION[op]}Response`
  let result = soapBody[name]
  if (!isNode(result)) throw bad(`no ${name} in the SOAP body`)
  if (isNode(result[`${OPERATION[op]}Result`])) result = result[`${OPERATION[op]}Result`] as XmlNode
  checkErrorCode(result as XmlNode, ctx)
  return result as XmlNode
}

/** `soap:Client` (and any non-Server code) → rejected; `soap:Server` → unavailable (retryable). */
function faultError(fault: unknown, ctx: ReplyContext): UpstreamError {
  const node = isNode(fault) ? fault : {}
  const detail = child(node, 'detail', 'Fault')
  if (detail) checkErrorCode(detail, ctx) // an upstream code inside the fault detail wins (unverified)
  const code = (text(node, 'faultcode') ?? '').replace(/^.*:/, '')
  // faultstring is not copied: it may echo the request, i.e. personal data.
  if (/^Server/i.test(code)) {
    return new UpstreamError('unavailable', 'The population database reported a server fault (soap:Server); try again later.', { status: ctx.status, upstreamCode: 'soap:Server' })
  }
  return new UpstreamError('rejected', `The population database refused the request (SOAP fault ${code ? `soap:${code}` : 'without a faultcode'}).`, { status: ctx.status, upstreamCode: code ? `soap:${code}` : 'soap:Fault' })
}

/** Empty, absent or all-zero MaLoi means success (unverified); anything else is a refusal. */
function checkErrorCode(node: XmlNode, ctx: ReplyContext): void {
  const code = text(node, EL.errorCode)
  if (code === undefined || /^0+$/.test(code)) return
  const safeCode = code.slice(0, 20).replace(/[^\w.-]/g, '?')
  const service = ctx.serviceCode ? ` "${ctx.serviceCode}"` : ''
  if (code === ERROR_CODE.procedureNotLicensed) {
    throw new UpstreamError('rejected', `The population database refused: procedure not licensed to use it (004). Ask the DB operator to license the MaDVC${service} for this integration, or correct connectors.population.serviceCode.`, { upstreamCode: code })
  }
  if (code === ERROR_CODE.officerNotAuthorised) {
    throw new UpstreamError('rejected', 'The population database refused: the officer (X-Officer-Id, sent as MaCanBo) has no authorised account (005). Use the code of an officer registered with the population DB.', { upstreamCode: code })
  }
  throw new UpstreamError('rejected', `The population database refused the request with error code ${safeCode}.`, { upstreamCode: safeCode })
}

function parseDate(node: XmlNode, where: string): string {
  const full = text(node, EL.fullDate)
  if (full !== undefined) {
    const m = /^(\d{4})(\d{2})(\d{2})$/.exec(full)
    if (!m) throw bad(`${where}/${EL.fullDate} is not yyyyMMdd`)
    const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])))
    if (d.getUTCMonth() !== Number(m[2]) - 1 || d.getUTCDate() !== Number(m[3])) throw bad(`${where}/${EL.fullDate} is not a calendar date`)
    return `${m[1]}-${m[2]}-${m[3]}`
  }
  const year = text(node, EL.yearOnly)
  if (year !== undefined && /^\d{4}$/.test(year)) return year
  throw bad(`${where} has neither ${EL.fullDate} (yyyyMMdd) nor ${EL.yearOnly} (yyyy)`)
}

/** `<HoVaTen><Ten>…</Ten></HoVaTen>` as the reference shows; a bare `<HoVaTen>…</HoVaTen>` is tolerated. */
function parseName(node: XmlNode, where: string): string {
  const direct = text(node, EL.fullName)
  if (direct !== undefined) return direct
  const wrapped = child(node, EL.fullName, where)
  if (wrapped) return required(wrapped, EL.nameText, `${where}/${EL.fullName}`)
  throw bad(`${where}/${EL.fullName} is missing`)
}

function parseAddress(node: XmlNode, key: string, where: string): Citizen['permanentAddress'] {
  const a = child(node, key, where)
  if (!a) return undefined
  const district = text(a, EL.districtCode)
  const ward = text(a, EL.wardCode)
  return {
    provinceCode: text(a, EL.provinceCode) ?? '',
    ...(district !== undefined && { districtCode: district }),
    ...(ward !== undefined && { wardCode: ward }),
    detail: text(a, EL.detail) ?? '',
  }
}

function parseRelated(node: XmlNode, key: string, where: string): Citizen['father'] {
  const p = child(node, key, where)
  if (!p) return undefined
  const path = `${where}/${key}`
  const person: NonNullable<Citizen['father']> = { fullName: parseName(p, path) }
  const id = text(p, EL.personalId)
  const oldId = text(p, EL.oldIdNumber)
  const nationality = text(p, EL.nationality)
  if (id !== undefined) person.personalId = id
  if (oldId !== undefined) person.oldIdNumber = oldId
  if (nationality !== undefined) person.nationality = nationality
  return person
}

/** One `CongDan` → Citizen. Identity fields are required; absent codes become '' or 'unknown'. */
export function parseCitizen(node: XmlNode, where = EL.citizen as string): Citizen {
  const citizen: Citizen = {
    personalId: required(node, EL.personalId, where),
    fullName: parseName(node, where),
    dateOfBirth: '',
    gender: 'unknown',
    nationality: text(node, EL.nationality) ?? '',
    ethnicity: text(node, EL.ethnicity) ?? '',
    religion: text(node, EL.religion) ?? '',
    bloodType: (BLOOD[text(node, EL.bloodType) ?? ''] ?? 'unknown') as Citizen['bloodType'],
    maritalStatus: (MARITAL[text(node, EL.maritalStatus) ?? ''] ?? 'unknown') as Citizen['maritalStatus'],
  }
  const dob = child(node, EL.dateOfBirth, where)
  if (!dob) throw bad(`${where}/${EL.dateOfBirth} is missing`)
  citizen.dateOfBirth = parseDate(dob, `${where}/${EL.dateOfBirth}`)
  const g = text(node, EL.gender)
  citizen.gender = g === GENDER.male ? 'male' : g === GENDER.female ? 'female' : 'unknown'
  const oldId = text(node, EL.oldIdNumber)
  if (oldId !== undefined) citizen.oldIdNumber = oldId
  const optional = {
    permanentAddress: parseAddress(node, EL.permanentAddress, where),
    currentAddress: parseAddress(node, EL.currentAddress, where),
    hometown: parseAddress(node, EL.hometown, where),
    householdBookNumber: text(node, EL.householdBookNumber),
    householdHead: parseRelated(node, EL.householdHead, where),
    father: parseRelated(node, EL.father, where),
    mother: parseRelated(node, EL.mother, where),
    spouse: parseRelated(node, EL.spouse, where),
  }
  for (const [k, v] of Object.entries(optional)) if (v !== undefined) (citizen as Record<string, unknown>)[k] = v
  // Rebuild in schema order so whole-object comparisons and logs read the same every time.
  const { personalId, oldIdNumber, fullName, dateOfBirth, gender, nationality, ethnicity, religion, bloodType, maritalStatus, ...rest } = citizen
  return { personalId, ...(oldIdNumber !== undefined && { oldIdNumber }), fullName, dateOfBirth, gender, nationality, ethnicity, religion, bloodType, maritalStatus, ...rest }
}

/**
 * Lookup reply → the citizen, or null for an empty collection. The record must be the one asked
 * for: a different ID means the upstream answered another request, and is never passed on.
 */
export function parseLookupResponse(body: Uint8Array | string, ctx: ReplyContext & { personalId: string }): Citizen | null {
  const result = openReply(body, 'lookup', ctx)
  if (!(EL.collection in result)) throw bad(`no ${EL.collection} in the reply`)
  const collection = result[EL.collection]
  if (collection === '') return null
  if (!isNode(collection)) throw bad(`${EL.collection} is not a single element`)
  const records = collection[EL.citizen]
  if (records === undefined) return null
  if (!Array.isArray(records) || !records.every(isNode)) throw bad(`${EL.collection}/${EL.citizen} is not an element list`)
  if (records.length > 1) throw bad(`${records.length} ${EL.citizen} records for one personal ID`)
  const citizen = parseCitizen(records[0] as XmlNode)
  if (citizen.personalId !== ctx.personalId) throw bad(`the record's ${EL.personalId} is not the one asked for`)
  return citizen
}

/** Verify reply → `{match, mismatches}` with VerifyInput field names. */
export function parseVerifyResponse(body: Uint8Array | string, ctx: ReplyContext): VerifyOutput {
  const result = openReply(body, 'verify', ctx)
  const verdict = child(result, EL.verifyResult, OPERATION.verify)
  if (!verdict) throw bad(`no ${EL.verifyResult} in the reply`)
  const flag = text(verdict, EL.verifyMatch)
  if (flag !== '0' && flag !== '1') throw bad(`${EL.verifyResult}/${EL.verifyMatch} is not 0 or 1`)
  const listed = verdict[EL.mismatchedField] ?? []
  if (!Array.isArray(listed) || !listed.every((v) => typeof v === 'string')) throw bad(`${EL.verifyResult}/${EL.mismatchedField} is not a text list`)
  const mismatches = listed.filter((name) => name !== '').map((name) => {
    const field = MISMATCH_FIELDS[name]
    // An unknown field cannot be reported in domain terms; the mapping needs updating.
    if (field === undefined) throw bad(`unknown mismatched field "${name.slice(0, 60).replace(/[^\w/.-]/g, '?')}"`)
    return field
  })
  if (flag === '1' && mismatches.length > 0) throw bad(`${EL.verifyMatch}=1 but mismatched fields are listed`)
  return { match: flag === '1', mismatches: [...new Set(mismatches)] }
}
