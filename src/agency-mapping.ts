/**
 * Agency codes after an administrative merger (the 2025 one: Kon Tum into Quảng Ngãi, districts
 * abolished): a versioned file of old → new codes, read at boot. The hub maps every code it is
 * given (dossier snapshots, inbound events) to the current one and keeps the original beside it;
 * a client or subscriber whose agency patterns name old codes also matches the codes they became
 * (`expandPatterns`), so a restriction written before the merger keeps meaning the same units.
 */
import { readFileSync } from 'node:fs'
import { Type, type Static } from 'typebox'
import { Value } from 'typebox/value'
import { AgencyCode } from '../schemas/dossier.js'
import { agencyPattern as toRegExp } from './agencies.js'

export const AgencyMappingFile = Type.Object({
  version: Type.String({ minLength: 1, maxLength: 64, description: 'Version of the mapping; shown by the admin route and logged at boot' }),
  effectiveFrom: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'Day the new codes took effect' }),
  basis: Type.String({ maxLength: 2000, description: 'Legal basis and where the codes come from' }),
  agencies: Type.Array(Type.Object({
    from: AgencyCode,
    to: AgencyCode,
    name: Type.String({ minLength: 1, maxLength: 300, description: 'Name of the unit the code now means' }),
  }, { additionalProperties: false }), { maxItems: 100_000 }),
}, { additionalProperties: false })
export type AgencyMappingFile = Static<typeof AgencyMappingFile>

export interface AgencyMapping {
  readonly version: string
  /** The current code for `code` (itself when it was not renamed). */
  current(code: string): string
  /** The client's patterns plus every new code whose old code one of them matches. */
  expandPatterns(patterns: readonly string[]): string[]
  /** The file as loaded, for the admin route. */
  view(): AgencyMappingFile
}


/** Checks and indexes a mapping; a code mapped twice, or a chain (a → b → c), is refused. */
export function createAgencyMapping(file: AgencyMappingFile): AgencyMapping {
  if (!Value.Check(AgencyMappingFile, file)) {
    const first = [...Value.Errors(AgencyMappingFile, file)][0]
    throw new Error(`agency mapping: ${first?.instancePath || '/'} ${first?.message ?? 'is invalid'}`)
  }
  const to = new Map<string, string>()
  for (const a of file.agencies) {
    if (to.has(a.from) && to.get(a.from) !== a.to) throw new Error(`agency mapping ${file.version}: ${a.from} is mapped to both ${to.get(a.from)} and ${a.to}`)
    to.set(a.from, a.to)
  }
  for (const [from, target] of to) {
    if (to.has(target) && target !== from) throw new Error(`agency mapping ${file.version}: ${from} → ${target} → ${to.get(target)} is a chain; map ${from} to the last code directly`)
  }
  const copy = structuredClone(file)
  return {
    version: file.version,
    current: (code) => to.get(code) ?? code,
    expandPatterns(patterns) {
      const res = patterns.map(toRegExp)
      const added = new Set<string>()
      for (const [from, target] of to) if (res.some((r) => r.test(from))) added.add(target)
      return [...patterns, ...[...added].filter((c) => !patterns.includes(c)).sort()]
    },
    view: () => structuredClone(copy),
  }
}

/** Reads the mapping file (JSON). */
export function loadAgencyMapping(path: string): AgencyMapping {
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'))
  } catch (err) {
    throw new Error(`agency mapping ${path}: ${(err as Error).message}`)
  }
  return createAgencyMapping(parsed as AgencyMappingFile)
}

/** No renames: every code is current. */
export const NO_AGENCY_MAPPING: AgencyMapping = createAgencyMapping({ version: 'none', effectiveFrom: '1970-01-01', basis: 'no mapping configured', agencies: [] })
