/**
 * Structural validation of a 12-digit personal ID `PPP G YY NNNNNN` (reference: Identifiers).
 * There is no check digit; what can be checked is the province code, that the gender/century
 * digit and YY give a birth year that is not in the future, and — when the caller supplies a
 * date of birth — that the years agree. Pure; used by the API before any upstream call and by
 * the simulator to generate its citizens.
 */
import { PROVINCE_CODES } from './province-codes.js'

export interface PersonalIdParts {
  provinceCode: string
  gender: 'male' | 'female'
  birthYear: number
  sequence: string
}

export interface IdProblem {
  /** Which input the problem is about. */
  field: 'personalId' | 'dateOfBirth'
  message: string
}

/** Century digit pairs: 0/1 → 1900s, 2/3 → 2000s, 4/5 → 2100s, 6/7 → 2200s, 8/9 → 2300s. */
const centuryStart = (g: number) => 1900 + Math.floor(g / 2) * 100

export function parsePersonalId(id: string, now = new Date()): PersonalIdParts | IdProblem {
  if (!/^\d{12}$/.test(id)) return { field: 'personalId', message: 'must be exactly 12 digits' }
  const provinceCode = id.slice(0, 3)
  if (!(provinceCode in PROVINCE_CODES)) {
    return { field: 'personalId', message: `province code ${provinceCode} is not in the published list` }
  }
  const g = Number(id[3])
  const birthYear = centuryStart(g) + Number(id.slice(4, 6))
  if (birthYear > now.getUTCFullYear()) {
    return { field: 'personalId', message: `gender/century digit ${g} with year ${id.slice(4, 6)} gives a birth year in the future (${birthYear})` }
  }
  return { provinceCode, gender: g % 2 === 0 ? 'male' : 'female', birthYear, sequence: id.slice(6) }
}

/** `YYYY-MM-DD` (a real calendar date) or `YYYY`; returns the year, or a problem. */
export function parseDateOfBirth(value: string, now = new Date()): { year: number; date?: string } | IdProblem {
  const m = /^(\d{4})(?:-(\d{2})-(\d{2}))?$/.exec(value)
  if (!m) return { field: 'dateOfBirth', message: 'must be YYYY-MM-DD or YYYY' }
  const year = Number(m[1])
  if (m[2] !== undefined) {
    const d = new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3])))
    if (d.getUTCFullYear() !== year || d.getUTCMonth() !== Number(m[2]) - 1 || d.getUTCDate() !== Number(m[3])) {
      return { field: 'dateOfBirth', message: `${value} is not a calendar date` }
    }
    if (d.getTime() > now.getTime()) return { field: 'dateOfBirth', message: 'is in the future' }
    return { year, date: value }
  }
  if (year > now.getUTCFullYear()) return { field: 'dateOfBirth', message: 'is in the future' }
  return { year }
}

/** All problems with an ID and the date of birth supplied with it (empty when consistent). */
export function checkPersonalId(id: string, dateOfBirth?: string, now = new Date()): IdProblem[] {
  const problems: IdProblem[] = []
  const parts = parsePersonalId(id, now)
  if ('message' in parts) problems.push(parts)
  if (dateOfBirth === undefined) return problems
  const dob = parseDateOfBirth(dateOfBirth, now)
  if ('message' in dob) problems.push(dob)
  if (!('message' in parts) && !('message' in dob) && parts.birthYear !== dob.year) {
    problems.push({
      field: 'dateOfBirth',
      message: `birth year ${dob.year} disagrees with the personal ID, which encodes ${parts.birthYear}`,
    })
  }
  return problems
}
