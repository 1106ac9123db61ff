/**
 * Config section `connectors.civil-status`: validated, defaults filled in, by the registry at
 * boot (the connector reads the validated section as it is).
 */
import { Type, type Static } from 'typebox'
import { AuthConfigSchema } from '../../src/upstream/auth/index.js'
import { upstreamClientFields } from '../../src/upstream/client-config.js'

const Ms = (def: number, description: string) => Type.Integer({ minimum: 1, default: def, description: `${description} Default ${def}.` })
const Code = (def: string, description: string) => Type.String({ minLength: 1, maxLength: 20, default: def, description: `${description} Default \`${def}\`.` })

export const DEFAULT_LOOKUP_PATH = '/api/hotich/tracuu'

export const CivilStatusConfigSchema = Type.Object({
  baseUrl: Type.String({ pattern: '^https?://', description: 'Base URL of the civil-status database service (or of the LGSP route to it).' }),
  auth: AuthConfigSchema,
  provinceCode: Type.String({ pattern: '^[0-9]{2}$', description: 'The province\'s code (maTinh), sent with every query.' }),
  lookupPath: Type.String({ pattern: '^/', default: DEFAULT_LOOKUP_PATH, description: `Path of the lookup endpoint under baseUrl. Default \`${DEFAULT_LOOKUP_PATH}\` (provisional).` }),
  modules: Type.Object({
    birth: Code('LTKS', 'Module of birth registrations.'),
    marriage: Code('LTKH', 'Module of marriage registrations.'),
    death: Code('LTKT', 'Module of death registrations.'),
  }, { additionalProperties: false, default: {}, description: 'The register (`module`) each record kind is asked in.' }),
  timeoutMs: Type.Object({
    getRecord: Ms(5000, 'Overall deadline of one lookup, retries included, in ms.'),
    verifyRecord: Ms(5000, 'Overall deadline of one verification, retries included, in ms.'),
    health: Ms(5000, 'Deadline of the health probe in ms.'),
  }, { additionalProperties: false, default: {}, description: 'Deadlines per operation.' }),
  health: Type.Object({
    officeCode: Type.String({ pattern: '^[0-9]{5}$', default: '00000', description: 'Commune code of the entry the probe asks for (none should exist). Default `00000`.' }),
  }, { additionalProperties: false, default: {}, description: 'The health probe: a lookup of an entry nobody holds; any readable answer is healthy.' }),
  maxResponseBytes: Type.Optional(Type.Integer({ minimum: 1024, description: 'Largest reply accepted in bytes. Default 1 MiB (upstream client).' })),
  ...upstreamClientFields('Retry overrides (lookups are idempotent, so transient failures are retried).'),
}, { additionalProperties: false })

export type CivilStatusConfig = Static<typeof CivilStatusConfigSchema>
