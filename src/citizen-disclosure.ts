/**
 * Purpose-based minimisation of a citizen record (Decree 13/2023), shared by the lookup route and
 * the pre-fill: identity fields always; each sensitive group only when the caller asks for it and
 * holds `citizens:read-sensitive`. The audit record names the groups disclosed.
 */
import { normaliseGroups, projectCitizen, SENSITIVE_SCOPE, type Citizen, type CitizenGroup } from '../schemas/citizen.js'
import { forbidden } from './errors.js'

/** The groups to disclose; 403 when some are asked for without the scope (nothing is fetched). */
export function disclosedGroups(include: readonly string[] | undefined, scopes: readonly string[]): CitizenGroup[] {
  const groups = normaliseGroups(include)
  if (groups.length > 0 && !scopes.includes(SENSITIVE_SCOPE)) {
    throw forbidden(`The client may read identity fields only; the groups ${groups.join(', ')} need the scope ${SENSITIVE_SCOPE}.`)
  }
  return groups
}

/** The audit record's operation: `lookup`, or `lookup+relatives,religion` when groups are disclosed. */
export const auditOperation = (operation: string, groups: readonly CitizenGroup[]) => (groups.length === 0 ? operation : `${operation}+${groups.join(',')}`)

export const disclose = (citizen: Citizen | null, groups: readonly CitizenGroup[]): Citizen | null => (citizen === null ? null : projectCitizen(citizen, groups))
