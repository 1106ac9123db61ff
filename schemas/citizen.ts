/**
 * Domain schemas for citizens: what the population connector returns and the API serves.
 * English names only; wire names live in connectors/population.
 */
import { Type, type Static } from 'typebox'

export const PersonalId = Type.String({ pattern: '^[0-9]{12}$', description: '12-digit personal ID (số định danh cá nhân)', examples: ['062090001234'] })
export const DateOfBirth = Type.String({ pattern: '^[0-9]{4}(-[0-9]{2}-[0-9]{2})?$', description: '`YYYY-MM-DD`, or `YYYY` when only the year is known' })

export const Address = Type.Object({
  provinceCode: Type.String(),
  /** Districts were abolished in 2025; older records still carry one. */
  districtCode: Type.Optional(Type.String()),
  wardCode: Type.Optional(Type.String()),
  detail: Type.String(),
}, { additionalProperties: false })

export const RelatedPerson = Type.Object({
  fullName: Type.String(),
  personalId: Type.Optional(Type.String()),
  oldIdNumber: Type.Optional(Type.String({ description: 'old 9-digit ID-card number (CMND)' })),
  nationality: Type.Optional(Type.String()),
}, { additionalProperties: false })

export const Citizen = Type.Object({
  personalId: Type.String(),
  oldIdNumber: Type.Optional(Type.String()),
  fullName: Type.String(),
  dateOfBirth: Type.String({ description: '`YYYY-MM-DD`, or `YYYY` when only the year is recorded' }),
  gender: Type.Union([Type.Literal('male'), Type.Literal('female'), Type.Literal('unknown')]),
  nationality: Type.String({ description: 'nationality code as recorded upstream' }),
  ethnicity: Type.String({ description: 'ethnicity code as recorded upstream' }),
  religion: Type.String({ description: 'religion code as recorded upstream' }),
  bloodType: Type.Union(['unknown', 'A', 'B', 'AB', 'O'].map((v) => Type.Literal(v))),
  maritalStatus: Type.Union(['unknown', 'single', 'married', 'divorced_or_widowed'].map((v) => Type.Literal(v))),
  permanentAddress: Type.Optional(Address),
  currentAddress: Type.Optional(Address),
  hometown: Type.Optional(Address),
  householdBookNumber: Type.Optional(Type.String()),
  householdHead: Type.Optional(RelatedPerson),
  father: Type.Optional(RelatedPerson),
  mother: Type.Optional(RelatedPerson),
  spouse: Type.Optional(RelatedPerson),
}, { additionalProperties: false })
export type Citizen = Static<typeof Citizen>

export const LookupInput = Type.Object({
  personalId: PersonalId,
  fullName: Type.String({ minLength: 1, maxLength: 200 }),
  dateOfBirth: DateOfBirth,
}, { additionalProperties: false })
export type LookupInput = Static<typeof LookupInput>

/** A lookup answers `null` when the population DB holds no such citizen. */
export const LookupOutput = Type.Union([Citizen, Type.Null()])

export const VerifyInput = Type.Object({
  personalId: PersonalId,
  fullName: Type.String({ minLength: 1, maxLength: 200 }),
  dateOfBirth: DateOfBirth,
  gender: Type.Optional(Type.Union([Type.Literal('male'), Type.Literal('female')])),
  nationality: Type.Optional(Type.String({ maxLength: 10 })),
  ethnicity: Type.Optional(Type.String({ maxLength: 10 })),
  permanentProvinceCode: Type.Optional(Type.String({ maxLength: 10 })),
  permanentWardCode: Type.Optional(Type.String({ maxLength: 10 })),
}, { additionalProperties: false })
export type VerifyInput = Static<typeof VerifyInput>

export const VerifyOutput = Type.Object({
  match: Type.Boolean(),
  /** Names of the supplied fields (as in VerifyInput) the record disagrees with. */
  mismatches: Type.Array(Type.String()),
}, { additionalProperties: false })
export type VerifyOutput = Static<typeof VerifyOutput>
