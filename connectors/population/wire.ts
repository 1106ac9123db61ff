/**
 * Wire mapping of the National Population Database: element names and request building
 * (SOAP 1.1, requests in `http://dancuquocgia.bca`). Replies are read in wire-reply.ts. These two
 * are the ONLY modules that know Vietnamese wire names: the connector, simulator and tests use the
 * English keys of `EL`. Pure functions, no I/O. Sources: ../shared/reference/population-registry.md
 * §1 and this folder's README (what is confirmed, what is configurable because peers disagree).
 */
import { createHash } from 'node:crypto'
import { XMLBuilder } from 'fast-xml-parser'
import type { LookupInput } from '../../schemas/citizen.js'

export const SOAP_ENV_NS = 'http://schemas.xmlsoap.org/soap/envelope/'
/** Namespace of the requests. */
export const NAMESPACE = 'http://dancuquocgia.bca'
/** Namespace of the lookup reply's `CongdanCollection` (prefix `ns1` in every reply seen). */
export const REPLY_NAMESPACE = 'http://www.mic.gov.vn/dancu/1.0'
export const OPERATION = { lookup: 'TraCuuThongTinCongDan', verify: 'XacThucThongTinCongDan' } as const
export type OperationKey = keyof typeof OPERATION
/** MaTichHop per operation: 037 lookup (OF, C6, HV), 003 verify (OF, VD). */
export const INTEGRATION_CODE: Readonly<Record<OperationKey, string>> = { lookup: '037', verify: '003' }

/** English key → wire element name. */
export const EL = {
  requestId: 'MaYeuCau', serviceCode: 'MaDVC', integrationCode: 'MaTichHop', agencyCode: 'MaDonVi', officerId: 'MaCanBo',
  personalId: 'SoDinhDanh', oldIdNumber: 'SoCMND', fullName: 'HoVaTen', surname: 'Ho', middleName: 'ChuDem', givenName: 'Ten',
  dateOfBirth: 'NgayThangNamSinh', fullDate: 'NgayThangNam', yearOnly: 'Nam',
  gender: 'GioiTinh', nationality: 'QuocTich', ethnicity: 'DanToc', religion: 'TonGiao',
  bloodType: 'NhomMau', maritalStatus: 'TinhTrangHonNhan', householdBookNumber: 'SoSoHoKhau',
  birthRegistrationPlace: 'NoiDangKyKhaiSinh', permanentAddress: 'ThuongTru', currentAddress: 'NoiOHienTai', hometown: 'QueQuan',
  provinceCode: 'MaTinhThanh', districtCode: 'MaQuanHuyen', wardCode: 'MaPhuongXa', detail: 'ChiTiet', country: 'QuocGia',
  householdHead: 'ChuHo', relationship: 'QuanHe', father: 'Cha', mother: 'Me', spouse: 'VoChong', guardian: 'NguoiDaiDien',
  collection: 'CongdanCollection', citizen: 'CongDan',
  /** Verify: the reply element (Hậu Giang) and the boolean inside it (unconfirmed; see README). */
  verifyResponse: 'XacThucThongTinCongDanResponse', verifyExists: 'TonTai',
} as const

/** `CongDan` children in the order of the reference sample (SX). */
export const CITIZEN_ORDER = [
  EL.personalId, EL.oldIdNumber, EL.fullName, EL.gender, EL.ethnicity, EL.religion, EL.maritalStatus, EL.bloodType,
  EL.dateOfBirth, EL.birthRegistrationPlace, EL.nationality, EL.hometown, EL.permanentAddress, EL.currentAddress,
  EL.father, EL.mother, EL.spouse, EL.guardian, EL.householdHead, EL.householdBookNumber,
] as const

/** How peers write `HoVaTen` (reference §1 row 8). */
export const NAME_FORMATS = ['ascii-compact', 'ascii-upper', 'upper', 'as-typed'] as const
export type NameFormat = (typeof NAME_FORMATS)[number]
/** How `NgayThangNam` is written: C6, PH `yyyyMMdd`; the platform spec and OF `yyyy-MM-dd`. */
export const DATE_FORMATS = ['yyyyMMdd', 'yyyy-MM-dd'] as const
export type DateFormat = (typeof DATE_FORMATS)[number]
/** Where `MaDonVi` goes: before `MaCanBo` (platform spec, 4th) or after it (C6). */
export const AGENCY_POSITIONS = ['before-officer', 'after-officer'] as const
export type AgencyPosition = (typeof AGENCY_POSITIONS)[number]

export interface WireOptions {
  nameFormat: NameFormat
  dateFormat: DateFormat
  agencyPosition: AgencyPosition
}
export const DEFAULT_WIRE_OPTIONS: WireOptions = { nameFormat: 'ascii-compact', dateFormat: 'yyyyMMdd', agencyPosition: 'before-officer' }

/** `MaYeuCau` is String(40) in the platform spec (reference §1 row 1). */
export const MAX_REQUEST_ID_LENGTH = 40

export interface RequestHeader {
  /** The hub's request id; sent as MaYeuCau through wireRequestId. */
  requestId: string
  /** The procedure's licensed code (MaDVC). */
  serviceCode: string
  /** The officer's account registered with the population database (MaCanBo). */
  officerCode: string
  /** The agency's code (MaDonVi); not sent when absent. */
  agencyCode?: string
}

// ---------------------------------------------------------------- building

/** XML 1.0 forbids most C0 controls even escaped; drop them so a stray byte cannot break the document. */
const clean = (v: string) => v.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')

/**
 * `MaYeuCau` for a request id: the id itself when it fits in 40 characters (a minted UUID does),
 * else the first 40 hex digits of its SHA-256. Callers may send an `x-request-id` of up to 64
 * characters; cutting it would let two ids share a prefix, and the hash is still found again
 * from the id the hub logged. The same id always gives the same value, so retries keep it.
 */
export function wireRequestId(requestId: string): string {
  const id = clean(requestId)
  return id.length <= MAX_REQUEST_ID_LENGTH ? id : createHash('sha256').update(id, 'utf8').digest('hex').slice(0, MAX_REQUEST_ID_LENGTH)
}

const stripMarks = (s: string) => s.replace(/Đ/g, 'D').replace(/đ/g, 'd').normalize('NFD').replace(/\p{M}/gu, '').normalize('NFC')

/**
 * `ascii-compact`: no diacritics, no spaces, letters and digits only, upper (`NGUYENVANAN`; C6, OF).
 * `ascii-upper`: no diacritics, single spaces, upper (PH). `upper`: Vietnamese upper case, NFC,
 * single spaces. `as-typed`: trimmed and single-spaced only (HV).
 */
export function normaliseName(name: string, format: NameFormat): string {
  const spaced = clean(name).normalize('NFC').trim().replace(/\s+/g, ' ')
  switch (format) {
    case 'ascii-compact': return stripMarks(spaced).replace(/[^A-Za-z0-9]/g, '').toUpperCase()
    case 'ascii-upper': return stripMarks(spaced).toUpperCase()
    case 'upper': return spaced.toLocaleUpperCase('vi')
    case 'as-typed': return spaced
  }
}

/** `YYYY-MM-DD` → `{NgayThangNam}` in the configured format; `YYYY` → `{Nam}`. */
function wireDate(dateOfBirth: string, format: DateFormat): Record<string, string> {
  if (dateOfBirth.length === 4) return { [`dan:${EL.yearOnly}`]: dateOfBirth }
  return { [`dan:${EL.fullDate}`]: format === 'yyyyMMdd' ? dateOfBirth.replaceAll('-', '') : dateOfBirth }
}

// The builder escapes & < > " ' in text, so a value can never close or open an element.
const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', suppressEmptyNode: true, processEntities: true })

/** One request: `soapenv:Envelope` with an empty Header, the operation in prefix `dan` (as OC writes it). */
function envelope(op: OperationKey, fields: Record<string, unknown>): string {
  const doc = {
    'soapenv:Envelope': {
      '@_xmlns:soapenv': SOAP_ENV_NS,
      '@_xmlns:dan': NAMESPACE,
      'soapenv:Header': '',
      'soapenv:Body': { [`dan:${OPERATION[op]}`]: fields },
    },
  }
  return `<?xml version="1.0" encoding="utf-8"?>${builder.build(doc)}`
}

/** Element names in document order for a request with these choices (the simulator checks the same list). */
export function requestOrder(hasAgency: boolean, agencyPosition: AgencyPosition, oldId: boolean): string[] {
  const head: string[] = [EL.requestId, EL.serviceCode, EL.integrationCode]
  if (hasAgency && agencyPosition === 'before-officer') head.push(EL.agencyCode)
  head.push(EL.officerId)
  if (hasAgency && agencyPosition === 'after-officer') head.push(EL.agencyCode)
  return [...head, oldId ? EL.oldIdNumber : EL.personalId, EL.fullName, EL.dateOfBirth]
}

/**
 * The same identity elements for both operations; only MaTichHop differs. A 9-digit ID goes in
 * `SoCMND`, a 12-digit one in `SoDinhDanh` (OF, PH choose by length and send only one).
 */
export function buildRequest(op: OperationKey, input: LookupInput, header: RequestHeader, options: WireOptions = DEFAULT_WIRE_OPTIONS): string {
  const oldId = input.personalId.length === 9
  const values: Record<string, unknown> = {
    [EL.requestId]: wireRequestId(header.requestId),
    [EL.serviceCode]: clean(header.serviceCode),
    [EL.integrationCode]: INTEGRATION_CODE[op],
    [EL.agencyCode]: header.agencyCode === undefined ? undefined : clean(header.agencyCode),
    [EL.officerId]: clean(header.officerCode),
    [oldId ? EL.oldIdNumber : EL.personalId]: clean(input.personalId),
    [EL.fullName]: normaliseName(input.fullName, options.nameFormat),
    [EL.dateOfBirth]: wireDate(input.dateOfBirth, options.dateFormat),
  }
  const fields: Record<string, unknown> = {}
  // Insertion order is document order.
  for (const name of requestOrder(header.agencyCode !== undefined, options.agencyPosition, oldId)) fields[`dan:${name}`] = values[name]
  return envelope(op, fields)
}

export const buildLookupRequest = (input: LookupInput, header: RequestHeader, options?: WireOptions) => buildRequest('lookup', input, header, options)
export const buildVerifyRequest = (input: LookupInput, header: RequestHeader, options?: WireOptions) => buildRequest('verify', input, header, options)
