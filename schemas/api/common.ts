/** Pieces every API schema shares: the problem body, personal-data headers, error responses. */
import { Type } from 'typebox'
import type { Ajv } from 'ajv'
import formatsModule from 'ajv-formats'

// ajv-formats is CommonJS with `exports.default`: imported from ESM, the plugin is on .default.
const addFormats = (formatsModule as unknown as { default: (ajv: Ajv) => Ajv }).default

export const Problem = Type.Object({
  type: Type.String(),
  title: Type.String(),
  status: Type.Integer(),
  detail: Type.String(),
  code: Type.String({ description: 'Stable error code, e.g. VALIDATION_FAILED, UPSTREAM_TIMEOUT' }),
  instance: Type.String(),
  errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
}, { $id: 'Problem', description: 'application/problem+json (RFC 9457)' })

/** Headers required on every route that touches personal data (DESIGN §2). */
export const PersonalDataHeaders = Type.Object({
  'x-officer-id': Type.String({ minLength: 1, maxLength: 64, pattern: '^[\\x21-\\x7e]+$', description: 'The accountable officer; forwarded upstream as the officer code' }),
  'x-purpose': Type.String({ minLength: 1, maxLength: 200, description: 'Why the data is needed: a dossier or procedure code' }),
})

const problem = (description: string) => ({ ...Type.Ref('Problem'), description })

/** Error responses a personal-data route can give, for the OpenAPI document. */
export const upstreamErrors = {
  400: problem('Invalid request (field errors in `errors[]`), or missing officer/purpose headers'),
  401: problem('No or unknown API key'),
  403: problem('The client lacks the scope'),
  422: problem('The upstream system refused the request (UPSTREAM_REJECTED)'),
  429: problem('Rate limit reached'),
  502: problem('The upstream failed or answered unusably'),
  503: problem('Circuit open, or the audit log cannot be written'),
  504: problem('The upstream did not answer in time'),
}

/**
 * Instants the hub can store and give back unchanged: RFC 3339 with an offset, years 0001-9999
 * (also in UTC), real calendar days, and no leap second (`23:59:60`: a JS Date cannot hold it
 * and PostgreSQL rolls it into the next second, so `9999-12-31T23:59:60Z` became year 10000 and
 * broke every later read of that row).
 */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-](\d{2}):(\d{2}))$/
// Date.UTC maps years 0-99 to 1900-1999; setUTCFullYear does not.
const MIN_INSTANT = new Date(Date.UTC(2000, 0, 1)).setUTCFullYear(1)
const MAX_INSTANT = Date.UTC(9999, 11, 31, 23, 59, 59, 999)

function realDay(y: number, m: number, d: number): boolean {
  if (y < 1 || m < 1 || m > 12 || d < 1) return false
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0)
  return d <= [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!
}

export function isStorableDateTime(s: string): boolean {
  const m = RFC3339.exec(s)
  if (!m) return false
  const [y, mo, d, h, mi, sec] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number]
  if (!realDay(y, mo, d) || h > 23 || mi > 59 || sec > 59) return false
  if (m[9] !== undefined && (Number(m[9]) > 23 || Number(m[10]) > 59)) return false
  const at = Date.parse(s.replace(' ', 'T'))
  return at >= MIN_INSTANT && at <= MAX_INSTANT
}

export function isStorableDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s)
  return m !== null && realDay(Number(m[1]), Number(m[2]), Number(m[3]))
}

/**
 * The API's ajv formats: ajv-formats with `date-time` and `date` narrowed to what is storable.
 * Named `formatsPlugin` so Fastify's compiler does not add ajv-formats again over it.
 */
export function formatsPlugin(ajv: Ajv): Ajv {
  addFormats(ajv)
  ajv.addFormat('date-time', { type: 'string', validate: isStorableDateTime })
  ajv.addFormat('date', { type: 'string', validate: isStorableDate })
  return ajv
}
