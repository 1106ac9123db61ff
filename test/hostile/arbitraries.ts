/**
 * Requests from a route's own OpenAPI schema, for the hostile-input suite: values the schema
 * allows (fast-check from `type`, `pattern`, `format`, bounds, `enum`, `required`) mixed with the
 * edge values the attack run found (finding 6) and with real personal IDs the hub holds.
 */
import fc from 'fast-check'

type Schema = {
  type?: string | string[]; properties?: Record<string, Schema>; required?: string[]; items?: Schema
  enum?: unknown[]; const?: unknown; anyOf?: Schema[]; oneOf?: Schema[]; pattern?: string; format?: string
  minimum?: number; maximum?: number; minLength?: number; maxLength?: number; minItems?: number; maxItems?: number
  additionalProperties?: boolean | Schema
}

/** The odd values of finding 6, for any field. */
export const EDGE_VALUES: unknown[] = [
  '\u0000', 'a\u0000b', '\ud800', 'x\udc00y', '9999-12-31T23:59:60Z', '0000-01-01T00:00:00Z', '0000-01-01',
  99999999999999999999, -99999999999999999999, 18446744073709551617, 2 ** 53, -1, 0, '', ' ', 'é'.repeat(300),
  '../../etc/passwd', '%00', '${jndi:x}', '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
  null, true, [], {}, { __proto__: { polluted: 1 } }, 1.5, Number.MAX_VALUE,
]

const edge = fc.constantFrom(...EDGE_VALUES)

export function arbitraryFor(schema: Schema | undefined, ids: string[], depth = 0): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 4, arbitrary: valid(schema ?? {}, ids, depth) }, { weight: 1, arbitrary: edge })
}

function valid(schema: Schema, ids: string[], depth: number): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const)
  if (schema.enum) return fc.constantFrom(...schema.enum)
  const union = schema.anyOf ?? schema.oneOf
  if (union) return fc.oneof(...union.map((s) => valid(s, ids, depth)))
  const type = Array.isArray(schema.type) ? schema.type.find((x) => x !== 'null') : schema.type
  switch (type) {
    case 'string': return string(schema, ids)
    case 'integer': return fc.integer({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e9 })
    case 'number': return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e9, noNaN: true })
    case 'boolean': return fc.boolean()
    case 'array': return depth > 4 ? fc.constant([]) : fc.array(arbitraryFor(schema.items, ids, depth + 1), { minLength: schema.minItems ?? 0, maxLength: Math.min(schema.maxItems ?? 3, 3) })
    case 'object': return depth > 4 ? fc.constant({}) : object(schema, ids, depth)
    default: return fc.oneof(fc.string(), fc.integer(), fc.constant(null))
  }
}

function object(schema: Schema, ids: string[], depth: number): fc.Arbitrary<unknown> {
  const props = schema.properties ?? {}
  const required = new Set(schema.required ?? [])
  const record = Object.fromEntries(Object.entries(props).map(([k, s]) => [k, arbitraryFor(s, ids, depth + 1)]))
  const requiredKeys = Object.keys(props).filter((k) => required.has(k))
  return fc.record(record, { requiredKeys })
}

function string(schema: Schema, ids: string[]): fc.Arbitrary<string> {
  const options: fc.Arbitrary<string>[] = []
  if (schema.format === 'date-time') options.push(fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }).map((d) => d.toISOString()))
  else if (schema.format === 'date') options.push(fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)))
  else if (schema.format === 'uri') options.push(fc.webUrl())
  else if (schema.pattern) options.push(fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length <= (schema.maxLength ?? 1000) && s.length >= (schema.minLength ?? 0)))
  else options.push(fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 40, 40), unit: 'grapheme' }))
  // Real IDs the hub holds, where the field could name a person.
  if (!schema.pattern || /\[0-9\]\{(9|12)\}/.test(schema.pattern)) options.push(fc.constantFrom(...ids))
  return fc.oneof(...options)
}
