/**
 * The civil-status database's wire format, in one place.
 *
 * Record fields follow real code that reads the Ministry of Justice's civil-status results
 * (README.md, "Sources"): birth entries `soDangKy, quyenSo, trangSo, ngayDangKy, nksHoTen,
 * nksGioiTinh, nksNgaySinh, nksDanToc, nksQuocTich, nksNoiSinh{maTinh, maHuyen, maXa, dcChiTiet},
 * meHoTen, chaHoTen, …`; death entries `nktHoTen, nktNgayChet, nktNoiChet, …`; marriage entries
 * `chongHoTen, voHoTen, …`; replies `{status: 1 | 0, statusDescription, value: [...]}`; the query
 * names the province (`maTinh`) and the register (`module`).
 *
 * **Provisional** (no public specification): the query by register coordinates (`noiDangKy`,
 * `quyenSo`, `soDangKy` in the body), the path, and the date format (`dd/MM/yyyy`; ISO accepted).
 */
import { UpstreamError } from '../../src/upstream/errors.js'
import type { CivilStatusRecord, RecordKind, RecordRef } from './model.js'

export type Json = Record<string, unknown>

export interface LookupBody {
  maTinh: string
  module: string
  noiDangKy: string
  quyenSo: string
  soDangKy: string
}

export const lookupBody = (ref: RecordRef, provinceCode: string, module: string): LookupBody =>
  ({ maTinh: provinceCode, module, noiDangKy: ref.officeCode, quyenSo: ref.book, soDangKy: ref.number })

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined)
const bad = (what: string) => new UpstreamError('bad_response', `The civil-status database sent an unusable reply: ${what}.`)

/** `dd/MM/yyyy` (as the register writes dates) or ISO; undefined when absent, bad_response when unreadable. */
export function isoDate(v: unknown, field: string): string | undefined {
  const s = text(v)
  if (s === undefined) return undefined
  const vn = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(s)
  const iso = /^(\d{4})-(\d{2})-(\d{2})(T.*)?$/.exec(s)
  const out = vn ? `${vn[3]}-${vn[2]}-${vn[1]}` : iso ? `${iso[1]}-${iso[2]}-${iso[3]}` : undefined
  if (out === undefined || Number.isNaN(Date.parse(`${out}T00:00:00Z`))) throw bad(`${field} is not a date`)
  return out
}

const GENDERS: Record<string, 'male' | 'female' | 'unknown'> = { 1: 'male', 2: 'female', 3: 'unknown' }

function place(v: unknown) {
  if (!isObject(v)) {
    const detail = text(v)
    return detail === undefined ? undefined : { detail }
  }
  const p = { provinceCode: text(v['maTinh']), districtCode: text(v['maHuyen']), wardCode: text(v['maXa']), detail: text(v['dcChiTiet']) }
  const kept = Object.fromEntries(Object.entries(p).filter(([, x]) => x !== undefined))
  return Object.keys(kept).length > 0 ? kept : undefined
}

const defined = <T extends object>(o: T) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T

/** A person under a prefix (`nks`, `nkt`, `chong`, `vo`): name required. */
function person(r: Json, prefix: string) {
  const fullName = text(r[`${prefix}HoTen`])
  if (fullName === undefined) throw bad(`${prefix}HoTen is missing`)
  return defined({
    fullName,
    gender: GENDERS[text(r[`${prefix}GioiTinh`]) ?? ''],
    dateOfBirth: isoDate(r[`${prefix}NgaySinh`], `${prefix}NgaySinh`),
    ethnicity: text(r[`${prefix}DanToc`]),
    nationality: text(r[`${prefix}QuocTich`]),
  })
}

/** One entry of `value`, in the hub's terms; identity-document numbers are left behind. */
export function readRecord(kind: RecordKind, r: unknown, ref: RecordRef): CivilStatusRecord {
  if (!isObject(r)) throw bad('an entry is not an object')
  const registeredOn = isoDate(r['ngayDangKy'], 'ngayDangKy')
  if (registeredOn === undefined) throw bad('ngayDangKy is missing')
  const registration = defined({
    officeCode: text(r['ndkksMaXa']) ?? ref.officeCode, book: text(r['quyenSo']) ?? ref.book, number: text(r['soDangKy']) ?? ref.number,
    page: text(r['trangSo']), registeredOn,
  })
  if (kind === 'birth') {
    const mother = text(r['meHoTen'])
    const father = text(r['chaHoTen'])
    return defined({
      kind, registration, person: defined({ ...person(r, 'nks'), placeOfBirth: place(r['nksNoiSinh']) }),
      mother: mother !== undefined ? { fullName: mother } : undefined, father: father !== undefined ? { fullName: father } : undefined,
    })
  }
  if (kind === 'death') {
    const date = isoDate(r['nktNgayChet'], 'nktNgayChet')
    if (date === undefined) throw bad('nktNgayChet is missing')
    return { kind, registration, person: person(r, 'nkt'), death: defined({ date, place: place(r['nktNoiChet']), cause: text(r['nktNguyenNhanChet']) }) }
  }
  return { kind, registration, husband: person(r, 'chong'), wife: person(r, 'vo') }
}

/**
 * A reply: `status` 1 with `value` (empty = no such entry), or 0 with the reason (the database
 * refused the query: `rejected`, not retried).
 */
export function readLookupReply(body: Buffer, kind: RecordKind, ref: RecordRef): CivilStatusRecord | null {
  let parsed: unknown
  try {
    parsed = JSON.parse(body.toString('utf8'))
  } catch {
    throw bad('not JSON')
  }
  if (!isObject(parsed)) throw bad('not a JSON object')
  const status = text(parsed['status'])
  const reason = text(parsed['statusDescription'])
  if (status === '0') throw new UpstreamError('rejected', `The civil-status database refused the query${reason ? `: ${reason}` : ''}.`, { ...(reason !== undefined && { upstreamReason: reason }) })
  if (status !== '1') throw bad('status is neither 1 nor 0')
  const value = parsed['value'] ?? []
  if (!Array.isArray(value)) throw bad('value is not a list')
  return value.length === 0 ? null : readRecord(kind, value[0], ref)
}
