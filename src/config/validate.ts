/** One ajv setup for config validation (hub and connector sections): defaults, coercion of env strings. */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import type { TSchema } from 'typebox'

const ajv = new Ajv({ allErrors: true, useDefaults: true, coerceTypes: true, strict: false })

export function createValidator(schema: TSchema): ValidateFunction {
  return ajv.compile(schema)
}

/** One line per problem: `config /server/port: must be <= 65535`. */
export function formatErrors(errors: ErrorObject[] | null | undefined, prefix: string): string[] {
  const all = errors ?? []
  // A failed anyOf also reports each branch's failure; the anyOf line alone is the useful one.
  const unions = new Set(all.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath))
  const kept = all.filter((e) => e.keyword === 'anyOf' || !unions.has(e.instancePath))
  return kept.map((e) => {
    const where = `${prefix}${e.instancePath || '/'}`
    if (e.keyword === 'additionalProperties') {
      return `${where}: unknown setting "${(e.params as { additionalProperty: string }).additionalProperty}"`
    }
    if (e.keyword === 'required') {
      return `${where}: missing required setting "${(e.params as { missingProperty: string }).missingProperty}"`
    }
    return `${where}: ${e.message ?? 'is invalid'}`
  })
}
