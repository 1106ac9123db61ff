/**
 * Result parsing shared by both back ends, so a row looks the same whether it came from `pg` or
 * from PGlite (each has different defaults: `pg` returns int8 as a string, PGlite as a number).
 */

/** PostgreSQL type OIDs we parse ourselves. */
export const INT8_OID = 20
export const DATE_OID = 1082

/**
 * int8/bigint (`seq`, `count(*)`) → JS number. Values beyond 2^53 cannot be represented exactly,
 * so we fail loudly rather than hand back a silently rounded id.
 */
export function parseInt8(text: string): number {
  const value = Number(text)
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`int8 value ${text} is outside the safe integer range; cast it to text in SQL`)
  }
  return value
}

/** `date` stays a `YYYY-MM-DD` string: turning it into a Date would shift it by the local zone. */
export function parseDate(text: string): string {
  return text
}

export const typeParsers: Readonly<Record<number, (text: string) => unknown>> = {
  [INT8_OID]: parseInt8,
  [DATE_OID]: parseDate,
}

/** A schema name is interpolated into SQL, so only plain identifiers are accepted. */
export function quoteSchema(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`Invalid database schema name "${schema}": use lower-case letters, digits and _ (max 63), starting with a letter or _`)
  }
  return `"${schema}"`
}
