/** Stable JSON (keys sorted at every level) and its SHA-256: "the same body" whatever the key order. */
import { createHash } from 'node:crypto'

/**
 * Keys in UTF-16 code-unit order (the default sort, as `<` compares), `undefined` members left
 * out, an `undefined` array element written `null`, as JSON.stringify does. Built by
 * concatenation: it runs on every snapshot PUT, and the entries/filter/map/join version
 * allocated four arrays per object.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null'
  if (Array.isArray(value)) {
    let out = '['
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + canonicalJson(value[i])
    return `${out}]`
  }
  const record = value as Record<string, unknown>
  const keys = Object.keys(record).sort()
  let out = '{'
  for (const key of keys) {
    const v = record[key]
    if (v === undefined) continue
    out += `${out.length === 1 ? '' : ','}${JSON.stringify(key)}:${canonicalJson(v)}`
  }
  return `${out}}`
}

export const bodyHash = (value: unknown): string => createHash('sha256').update(canonicalJson(value)).digest('hex')
