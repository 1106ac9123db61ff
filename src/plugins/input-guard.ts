/**
 * Refuses, with a 400 that names the field, input that passes a JSON schema but cannot be stored
 * or processed faithfully: NUL (PostgreSQL text and jsonb refuse it), lone UTF-16 surrogates
 * (not Unicode; stored as U+FFFD, so what is read back differs from what was sent), integers
 * beyond ±2^53 (not exact in JS, beyond bigint in PostgreSQL) and nesting deeper than
 * MAX_DEPTH (JSON.stringify of 40,000 levels overflows the stack). Every route is covered by one
 * preHandler (after the schema's coercion); a route that parses its own body (the signed
 * webhook) calls `unstorableAt` itself.
 */
import fp from 'fastify-plugin'
import { validationFailed, type FieldError } from '../errors.js'

export const MAX_DEPTH = 64
const SUSPECT = /[\u0000\ud800-\udfff]/
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

function badString(s: string): string | undefined {
  if (!SUSPECT.test(s)) return undefined
  if (s.includes('\u0000')) return 'contains a NUL character (U+0000), which cannot be stored'
  if (LONE_SURROGATE.test(s)) return 'contains a lone UTF-16 surrogate, which is not valid Unicode'
  return undefined
}

const pointer = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1')

/** The first value under `value` that cannot be stored faithfully, as a field error; iterative. */
export function unstorableAt(value: unknown, root: string): FieldError | undefined {
  const stack: Array<[unknown, string, number]> = [[value, root, 0]]
  while (stack.length > 0) {
    const [v, path, depth] = stack.pop()!
    if (typeof v === 'string') {
      const why = badString(v)
      if (why) return { path, message: why }
    } else if (typeof v === 'number') {
      if (Number.isInteger(v) && !Number.isSafeInteger(v)) return { path, message: 'is an integer beyond ±9007199254740991 (2^53 - 1)' }
    } else if (v !== null && typeof v === 'object') {
      if (depth >= MAX_DEPTH) return { path, message: `nests deeper than ${MAX_DEPTH} levels` }
      for (const [k, child] of Object.entries(v)) {
        const why = badString(k)
        if (why) return { path: `${path}/${pointer(k)}`, message: `has a key that ${why}` }
        stack.push([child, `${path}/${pointer(k)}`, depth + 1])
      }
    }
  }
  return undefined
}

export default fp(async function inputGuardPlugin(app) {
  app.addHook('preHandler', async function refuseUnstorable(request) {
    for (const [part, value] of [['params', request.params], ['querystring', request.query], ['body', request.body]] as const) {
      if (value === undefined || value === null || Buffer.isBuffer(value)) continue
      const bad = unstorableAt(value, `/${part}`)
      if (bad) throw validationFailed([bad])
    }
  })
}, { name: 'input-guard' })
