/**
 * Client agency restrictions. A client's `agencies` entries are agency codes (QCVN 102:2016,
 * `NNN.NN.NN.XNN`) or patterns where `*` stands for any characters. Lower levels of the code fill
 * leftwards, so a whole province is `*.H44` and a department with its units `*.24.H44`.
 * No `agencies` = the client acts for every agency.
 */
import type { ClientConfig } from '../schemas/config.js'

/** One agency pattern as a regular expression. */
export const agencyPattern = (pattern: string) => new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`)

export function agencyMatcher(client: Pick<ClientConfig, 'agencies'> | null): (agencyCode: string) => boolean {
  if (!client?.agencies) return () => true
  const patterns = client.agencies.map(agencyPattern)
  return (code) => patterns.some((p) => p.test(code))
}

/** The same patterns as SQL LIKE patterns (`*` → `%`, LIKE's own wildcards escaped). */
export function agencyLikePatterns(client: Pick<ClientConfig, 'agencies'> | null): string[] | undefined {
  return client?.agencies?.map((a) => a.replace(/[\\%_]/g, '\\$&').replace(/\*/g, '%'))
}

/** A well-formed QCVN 102:2016 agency code: numeric lower levels, a lettered level 1. */
const AGENCY_CODE = /^[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2}$/

/**
 * For writes: a restricted client acts only for well-formed agency codes its patterns match, so
 * `*.H34` cannot stretch over another province's level-1 code (`H44.H34`).
 */
export function writeAgencyMatcher(client: Pick<ClientConfig, 'agencies'> | null): (agencyCode: string) => boolean {
  const matches = agencyMatcher(client)
  if (!client?.agencies) return matches
  return (code) => AGENCY_CODE.test(code) && matches(code)
}
