/**
 * Domain schemas for citizens: what the population connector returns and the API serves.
 * English names only; wire names live in connectors/population.
 *
 * Data minimisation (Decree 13/2023): the population database always answers with the whole
 * record, so the hub projects it. Identity fields are served by default; each sensitive group is
 * served only when the caller asks for it (`include`) and holds `citizens:read-sensitive`.
 */
import { Type, type Static } from 'typebox'

export const PersonalId = Type.String({ pattern: '^[0-9]{12}$', description: '12-digit personal ID (số định danh cá nhân)', examples: ['062090001234'] })
/** What a lookup or verify accepts: the 12-digit personal ID, or the old 9-digit ID-card number. */
export const CitizenId = Type.String({
  pattern: '^([0-9]{12}|[0-9]{9})$',
  description: '12-digit personal ID, or the old 9-digit ID-card number (CMND), which is looked up as such',
  examples: ['062090001234', '233123456'],
})
export const DateOfBirth = Type.String({ pattern: '^[0-9]{4}(-[0-9]{2}-[0-9]{2})?$', description: '`YYYY-MM-DD`, or `YYYY` when only the year is known' })

export const Address = Type.Object({
  /** Statistics-office (GSO) codes: province 2 digits, district 3, ward 5. */
  provinceCode: Type.String({ description: 'GSO province code (2 digits)' }),
  /** Districts were abolished in 2025; older records still carry one. */
  districtCode: Type.Optional(Type.String({ description: 'GSO district code (3 digits)' })),
  wardCode: Type.Optional(Type.String({ description: 'GSO ward or commune code (5 digits)' })),
  detail: Type.String({ description: 'The address text as recorded (often the whole address)' }),
  country: Type.Optional(Type.String({ description: 'Country code, e.g. VN' })),
}, { additionalProperties: false })

export const RelatedPerson = Type.Object({
  fullName: Type.String(),
  personalId: Type.Optional(Type.String()),
  oldIdNumber: Type.Optional(Type.String({ description: 'old 9-digit ID-card number (CMND)' })),
  nationality: Type.Optional(Type.String()),
}, { additionalProperties: false })

export const HouseholdHead = Type.Object({
  fullName: Type.String(),
  personalId: Type.Optional(Type.String()),
  oldIdNumber: Type.Optional(Type.String()),
  relationship: Type.Optional(Type.String({ description: 'Relationship code to the head as recorded (e.g. `CH01` = the head; codes unconfirmed)' })),
}, { additionalProperties: false })

/** Groups beyond identity, each served only on request (`include`) with `citizens:read-sensitive`. */
export const CITIZEN_GROUPS = ['relatives', 'guardian', 'household', 'maritalStatus', 'religion', 'ethnicity', 'bloodType'] as const
export type CitizenGroup = (typeof CITIZEN_GROUPS)[number]
export const SENSITIVE_SCOPE = 'citizens:read-sensitive'

/** Which Citizen fields each group carries. */
const GROUP_FIELDS: Readonly<Record<CitizenGroup, readonly string[]>> = {
  relatives: ['father', 'mother', 'spouse'],
  guardian: ['guardian'],
  household: ['householdHead', 'householdBookNumber'],
  maritalStatus: ['maritalStatus'],
  religion: ['religion'],
  ethnicity: ['ethnicity'],
  bloodType: ['bloodType'],
}

export const Citizen = Type.Object({
  personalId: Type.String(),
  oldIdNumber: Type.Optional(Type.String()),
  fullName: Type.String(),
  dateOfBirth: Type.String({ description: '`YYYY-MM-DD`, or `YYYY` when only the year is recorded' }),
  gender: Type.Union([Type.Literal('male'), Type.Literal('female'), Type.Literal('unknown')]),
  nationality: Type.String({ description: 'nationality code as recorded upstream (may be empty)' }),
  birthRegistrationPlace: Type.Optional(Address),
  permanentAddress: Type.Optional(Address),
  currentAddress: Type.Optional(Address),
  hometown: Type.Optional(Address),
  // Groups below: only with `include` (see CITIZEN_GROUPS).
  maritalStatus: Type.Optional(Type.Union([Type.Literal('unknown'), Type.Literal('single'), Type.Literal('married'), Type.Literal('divorced_or_widowed')], { description: 'group `maritalStatus`' })),
  ethnicity: Type.Optional(Type.String({ description: 'group `ethnicity`: ethnicity code as recorded upstream (sensitive)' })),
  religion: Type.Optional(Type.String({ description: 'group `religion`: religion code as recorded upstream (sensitive)' })),
  bloodType: Type.Optional(Type.Union([Type.Literal('unknown'), Type.Literal('A'), Type.Literal('B'), Type.Literal('AB'), Type.Literal('O')], { description: 'group `bloodType`' })),
  householdBookNumber: Type.Optional(Type.String({ description: 'group `household`' })),
  householdHead: Type.Optional(HouseholdHead),
  father: Type.Optional(RelatedPerson),
  mother: Type.Optional(RelatedPerson),
  spouse: Type.Optional(RelatedPerson),
  guardian: Type.Optional(RelatedPerson),
}, { additionalProperties: false })
export type Citizen = Static<typeof Citizen>

/** Groups the caller asks for (`include`), deduplicated, in CITIZEN_GROUPS order. */
export const Include = Type.Array(Type.Enum([...CITIZEN_GROUPS]), {
  maxItems: CITIZEN_GROUPS.length,
  description: `Sensitive groups to return besides identity (${CITIZEN_GROUPS.join(', ')}); needs the scope ${SENSITIVE_SCOPE}. Omitted = identity only.`,
})

export const normaliseGroups = (include: readonly string[] | undefined): CitizenGroup[] =>
  CITIZEN_GROUPS.filter((g) => include?.includes(g))

/** The record with only identity fields and the asked groups. */
export function projectCitizen(citizen: Citizen, groups: readonly CitizenGroup[]): Citizen {
  const allowed = new Set(groups.flatMap((g) => GROUP_FIELDS[g]))
  const hidden = new Set(CITIZEN_GROUPS.flatMap((g) => GROUP_FIELDS[g]).filter((f) => !allowed.has(f)))
  return Object.fromEntries(Object.entries(citizen).filter(([k]) => !hidden.has(k))) as Citizen
}

/** The connector's lookup input. */
export const LookupInput = Type.Object({
  personalId: CitizenId,
  fullName: Type.String({ minLength: 1, maxLength: 200 }),
  dateOfBirth: DateOfBirth,
  procedureCode: Type.Optional(Type.String({ minLength: 1, maxLength: 50, pattern: '^[A-Za-z0-9._-]+$', description: 'The procedure the lookup serves; picks the licensed service code (MaDVC). Default: the connector\'s serviceCode' })),
}, { additionalProperties: false })
export type LookupInput = Static<typeof LookupInput>

/** A lookup answers `null` when the population DB holds no such citizen. */
export const LookupOutput = Type.Union([Citizen, Type.Null()])

/** Verify checks identity only: the population database has no other verify input. */
export const VerifyInput = LookupInput
export type VerifyInput = LookupInput

export const VERIFIED_FIELDS = ['personalId', 'fullName', 'dateOfBirth'] as const

export const VerifyOutput = Type.Object({
  match: Type.Boolean({ description: 'true when the population database holds a citizen with exactly these identity fields' }),
  checked: Type.Array(Type.Enum([...VERIFIED_FIELDS]), { description: 'The supplied fields that were checked together' }),
  detail: Type.String({ description: 'What the answer means; the database answers yes or no and never says which field differs' }),
}, { additionalProperties: false })
export type VerifyOutput = Static<typeof VerifyOutput>

/** POST /v1/citizens/lookup: the lookup plus the sensitive groups asked for. */
export const CitizenLookupRequest = Type.Object({
  ...LookupInput.properties,
  include: Type.Optional(Include),
}, { additionalProperties: false })
export type CitizenLookupRequest = Static<typeof CitizenLookupRequest>
