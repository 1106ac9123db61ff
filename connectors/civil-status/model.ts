/**
 * The civil-status registry's records in the hub's terms (English, ISO dates) and the contracts
 * of its two operations. Records are addressed by the registry's own identifiers — the kind of
 * event, the registering commune, the register book and the entry number — never by a personal ID.
 * The wire names (soDangKy, quyenSo, nksHoTen, …) are in wire.ts only.
 */
import { Type, type Static } from 'typebox'
import { contract } from '../../src/upstream/contract.js'

export const RECORD_KINDS = ['birth', 'marriage', 'death'] as const
export type RecordKind = (typeof RECORD_KINDS)[number]

const IsoDate = Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: '`YYYY-MM-DD`' })
const Name = Type.String({ minLength: 1, maxLength: 100 })

/** The registry's identifiers of one entry. */
export const RecordRef = Type.Object({
  kind: Type.Enum([...RECORD_KINDS], { description: 'birth (khai sinh), marriage (kết hôn) or death (khai tử)' }),
  officeCode: Type.String({ pattern: '^[0-9]{5}$', description: 'Code of the commune (ward) whose register holds the entry' }),
  book: Type.String({ minLength: 1, maxLength: 30, pattern: '^[0-9A-Za-z./-]+$', description: 'Register book (quyển số), e.g. `01/2020`' }),
  number: Type.String({ minLength: 1, maxLength: 20, pattern: '^[0-9A-Za-z./-]+$', description: 'Entry number in the book (số đăng ký)' }),
}, { additionalProperties: false })
export type RecordRef = Static<typeof RecordRef>

export const Place = Type.Object({
  provinceCode: Type.Optional(Type.String()),
  districtCode: Type.Optional(Type.String()),
  wardCode: Type.Optional(Type.String()),
  detail: Type.Optional(Type.String()),
}, { additionalProperties: false })

export const Person = Type.Object({
  fullName: Name,
  gender: Type.Optional(Type.Enum(['male', 'female', 'unknown'])),
  dateOfBirth: Type.Optional(IsoDate),
  ethnicity: Type.Optional(Type.String({ description: 'Code or name as the register holds it' })),
  nationality: Type.Optional(Type.String()),
}, { additionalProperties: false })

/**
 * One entry. Personal ID numbers the register holds (the child's, the parents', the requester's)
 * are not passed on: the entry is identified by its register coordinates.
 */
export const CivilStatusRecord = Type.Object({
  kind: Type.Enum([...RECORD_KINDS]),
  registration: Type.Object({
    officeCode: Type.String(), book: Type.String(), number: Type.String(),
    page: Type.Optional(Type.String({ description: 'Page of the book (trang số)' })),
    registeredOn: IsoDate,
  }, { additionalProperties: false }),
  /** birth: the child; death: the deceased. */
  person: Type.Optional(Type.Object({ ...Person.properties, placeOfBirth: Type.Optional(Place) }, { additionalProperties: false })),
  mother: Type.Optional(Type.Object({ fullName: Name }, { additionalProperties: false })),
  father: Type.Optional(Type.Object({ fullName: Name }, { additionalProperties: false })),
  death: Type.Optional(Type.Object({ date: IsoDate, place: Type.Optional(Place), cause: Type.Optional(Type.String()) }, { additionalProperties: false })),
  husband: Type.Optional(Person),
  wife: Type.Optional(Person),
}, { additionalProperties: false })
export type CivilStatusRecord = Static<typeof CivilStatusRecord>

export const VerifyClaims = Type.Object({
  ...RecordRef.properties,
  fullName: Type.String({ minLength: 1, maxLength: 100, description: 'The name the applicant gives: the child\'s (birth), the deceased\'s (death) or either spouse\'s (marriage)' }),
  dateOfBirth: Type.Optional(IsoDate),
}, { additionalProperties: false })
export type VerifyClaims = Static<typeof VerifyClaims>

export const VerifyResult = Type.Object({
  found: Type.Boolean({ description: 'The register holds an entry with these coordinates' }),
  match: Type.Boolean({ description: 'Found, and every field given agrees with it' }),
  mismatches: Type.Array(Type.Enum(['fullName', 'dateOfBirth']), { description: 'The fields given that disagree' }),
}, { additionalProperties: false })
export type VerifyResult = Static<typeof VerifyResult>

export const RecordLookup = contract('civilStatus.lookup', 'getRecord', RecordRef, Type.Union([CivilStatusRecord, Type.Null()]),
  'One entry of the civil-status register by its register coordinates; null when the register has none.')
export const RecordVerify = contract('civilStatus.verify', 'verifyRecord', VerifyClaims, VerifyResult,
  'Whether the register holds the entry and it agrees with the name (and birth date) given.')
