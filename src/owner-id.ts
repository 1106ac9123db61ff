/**
 * Structural checks of an owner ID before anything is stored or looked up: a 12-digit personal
 * ID (province code, century digit), an old 9-digit card number (no structure to check), or an
 * enterprise code (check digit, branch suffix).
 */
import { parsePersonalId } from '../schemas/personal-id.js'
import { checkEnterpriseCode } from '../schemas/enterprise.js'

export function checkOwnerId(id: string): string[] {
  if (/^[0-9]{12}$/.test(id)) {
    const parts = parsePersonalId(id)
    return 'message' in parts ? [parts.message] : []
  }
  if (/^[0-9]{9}$/.test(id)) return []
  return checkEnterpriseCode(id)
}
