/**
 * Domain schemas for enterprises: what the business-registry connector returns and the API
 * serves, and the enterprise-code check (`GET /v1/enterprises/{code}` answers 400 on a bad
 * check digit before any upstream call). English names only; wire names live in
 * connectors/business-registry.
 */
import { Type, type Static } from 'typebox'

/** `NNNNNNNNNN` (head office) or `NNNNNNNNNN-BBB` (a branch or other dependent unit). */
export const ENTERPRISE_CODE_PATTERN = '^[0-9]{10}(-[0-9]{3})?$'
export const EnterpriseCode = Type.String({
  pattern: ENTERPRISE_CODE_PATTERN,
  description: 'Enterprise code (mã số doanh nghiệp, = tax code): 10 digits, or `NNNNNNNNNN-BBB` for a branch',
  examples: ['0100109106', '0100109106-001'],
})

const CODE_RE = new RegExp(ENTERPRISE_CODE_PATTERN)
/** Weights of digits 1–9 (reference: Identifiers). */
const WEIGHTS = [31, 29, 23, 19, 17, 13, 7, 5, 3] as const

/**
 * The check digit for the first nine digits: N10 = 10 − (Σ Nᵢ·Wᵢ mod 11).
 *
 * When Σ mod 11 is 0 the formula gives 10, which is not a digit. Implementations disagree
 * (reference: unverified); we follow python-stdnum's `vn.mst` and public MST validators: the
 * tax authority never issues such a base, so there is NO valid check digit and the function
 * returns `undefined`. We deliberately do NOT map 10 → 0: that would accept a second code
 * ending in 0 for every such base, which no issued code can be. If the registry ever shows an
 * issued code of that kind, this is the one place to change (README § Check digit).
 */
export function enterpriseCheckDigit(firstNine: string): number | undefined {
  if (!/^[0-9]{9}$/.test(firstNine)) return undefined
  let sum = 0
  for (let i = 0; i < 9; i++) sum += Number(firstNine[i]) * WEIGHTS[i]!
  const digit = 10 - (sum % 11)
  return digit === 10 ? undefined : digit
}

/**
 * Everything wrong with an enterprise code, as short English sentences safe to show a caller
 * (they never repeat the code). Empty = valid. Pure: no I/O, no registry lookup.
 *
 * Checks: the shape (10 digits or `NNNNNNNNNN-BBB`), a non-zero sequence (digits 3–9, as
 * python-stdnum), the check digit (10th), and a branch suffix other than `000`. The branch
 * suffix itself carries no checksum.
 */
export function checkEnterpriseCode(code: string): string[] {
  if (typeof code !== 'string' || !CODE_RE.test(code)) {
    return ['must be 10 digits, or 13 written NNNNNNNNNN-BBB for a branch (digits only, one hyphen)']
  }
  const problems: string[] = []
  if (code.slice(2, 9) === '0000000') problems.push('digits 3–9 (the sequence number) cannot all be zero')
  const expected = enterpriseCheckDigit(code.slice(0, 9))
  if (expected === undefined) problems.push('no check digit fits the first nine digits, so no such code is ever issued')
  else if (Number(code[9]) !== expected) problems.push('the check digit (10th digit) does not match the first nine digits')
  if (code.length === 14 && code.endsWith('-000')) problems.push('branch number 000 is not a branch: use the 10-digit code of the head office')
  return problems
}

export const isValidEnterpriseCode = (code: string): boolean => checkEnterpriseCode(code).length === 0

/** Legal form. `other` = a form this table does not know; `typeName` keeps the registry's words. */
export const ENTERPRISE_TYPES = [
  'single_member_llc', 'multi_member_llc', 'joint_stock', 'private_enterprise', 'partnership', 'state_owned',
  'cooperative', 'branch', 'representative_office', 'business_location', 'other',
] as const
export type EnterpriseType = (typeof ENTERPRISE_TYPES)[number]

/** Legal status. `other` = a status this table does not know; `statusName` keeps the registry's words. */
export const ENTERPRISE_STATUSES = [
  'active', 'suspended', 'dissolving', 'dissolved', 'bankrupt', 'certificate_revoked', 'not_at_registered_address', 'other',
] as const
export type EnterpriseStatus = (typeof ENTERPRISE_STATUSES)[number]

export const EnterpriseAddress = Type.Object({
  fullText: Type.String({ description: 'The address as the registry writes it in full' }),
  province: Type.Optional(Type.String({ description: 'Province or centrally run city name' })),
  /** Districts were abolished in 2025; older records still carry one. */
  district: Type.Optional(Type.String()),
  ward: Type.Optional(Type.String({ description: 'Ward or commune name' })),
}, { additionalProperties: false })
export type EnterpriseAddress = Static<typeof EnterpriseAddress>

/** A legal representative or head of unit. Only name and title: no birth date or ID number is passed on. */
export const Representative = Type.Object({
  fullName: Type.String(),
  position: Type.Optional(Type.String({ description: 'Title as the registry writes it, e.g. "Giám đốc"' })),
}, { additionalProperties: false })
export type Representative = Static<typeof Representative>

/** A member (owner or capital contributor) and their share: personal data, served only on request (`include=members`). */
export const Member = Type.Object({
  name: Type.String(),
  capitalVnd: Type.Optional(Type.Number({ minimum: 0, description: 'Contributed capital in VND' })),
  ratioPercent: Type.Optional(Type.Number({ minimum: 0, description: 'Share of the charter capital, %' })),
  country: Type.Optional(Type.String()),
}, { additionalProperties: false })
export type Member = Static<typeof Member>

export const Enterprise = Type.Object({
  code: EnterpriseCode,
  /** Set for a branch code: the head office's 10-digit code. */
  parentCode: Type.Optional(Type.String({ pattern: '^[0-9]{10}$', description: 'Head office code, for a branch' })),
  name: Type.String({ minLength: 1, description: 'Name in Vietnamese as registered' }),
  foreignName: Type.Optional(Type.String({ description: 'Name in a foreign language' })),
  shortName: Type.Optional(Type.String()),
  type: Type.Enum([...ENTERPRISE_TYPES]),
  typeName: Type.Optional(Type.String({ description: 'Legal form in the registry\'s words' })),
  status: Type.Enum([...ENTERPRISE_STATUSES]),
  statusName: Type.Optional(Type.String({ description: 'Status in the registry\'s words' })),
  statusCode: Type.Optional(Type.String({ description: 'The registry\'s status code (ENTERPRISE_STATUS_ID), as sent' })),
  foundingDate: Type.Optional(Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: 'Date of first registration, `YYYY-MM-DD`' })),
  headOfficeAddress: Type.Optional(EnterpriseAddress),
  representatives: Type.Array(Representative),
  charterCapitalVnd: Type.Optional(Type.Integer({ minimum: 0, description: 'Charter capital in VND, when the registry gives it' })),
  members: Type.Optional(Type.Array(Member, { description: 'Members and their capital; only with `include=members`' })),
}, { additionalProperties: false })
export type Enterprise = Static<typeof Enterprise>

export const GetEnterpriseInput = Type.Object({ code: EnterpriseCode }, { additionalProperties: false })
export type GetEnterpriseInput = Static<typeof GetEnterpriseInput>

/** `null` when the registry holds no enterprise with this code. */
export const GetEnterpriseOutput = Type.Union([Enterprise, Type.Null()])

/** Members and their capital are personal data: served only when asked for (`?include=members`). */
export const withoutMembers = ({ members: _members, ...rest }: Enterprise): Enterprise => rest
