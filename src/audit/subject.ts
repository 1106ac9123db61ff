/**
 * How a personal ID or enterprise code is stored in the audit log: a keyed hash to find every
 * access to one subject, and a masked form a human can recognise. An unkeyed hash would be
 * useless protection: the ID space (~10^12) can be hashed exhaustively in hours.
 */
import { createHmac } from 'node:crypto'

/** Hex HMAC-SHA256 of the ID. Callers hash the ID exactly as validated; no normalization here. */
export function subjectHash(key: string, id: string): string {
  if (key.length === 0) throw new Error('The audit hash key is empty; set audit.hashKey (AUDIT_HASH_KEY)')
  return createHmac('sha256', key).update(id, 'utf8').digest('hex')
}

/**
 * `062123456734` → `062*******34`: first 3 and last 2 characters kept, the rest starred, length
 * preserved. Shorter values reveal less so at least 4 characters always stay hidden: 6–8
 * characters keep only the first and last, 5 or fewer are starred entirely.
 */
export function maskId(id: string): string {
  const chars = Array.from(id)
  const n = chars.length
  const [head, tail] = n >= 9 ? [3, 2] : n >= 6 ? [1, 1] : [0, 0]
  return chars.slice(0, head).join('') + '*'.repeat(n - head - tail) + chars.slice(n - tail).join('')
}
