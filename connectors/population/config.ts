/**
 * Config section `connectors.population`: validated (with defaults filled in) at boot by the
 * registry; `resolveConfig` applies the same defaults again so the connector also works when a
 * test builds its context by hand.
 */
import { Type, type Static } from 'typebox'
import { AuthConfigSchema } from '../../src/upstream/auth/index.js'
import { DEFAULT_INTEGRATION_CODE } from './wire.js'
import { upstreamClientFields } from '../../src/upstream/client-config.js'

const Ms = (def: number, description: string) => Type.Integer({ minimum: 1, default: def, description: `${description} Default ${def}.` })
const OptionalInt = (minimum: number, description: string) => Type.Optional(Type.Integer({ minimum, description }))

export const DEFAULT_TIMEOUTS = { lookup: 5000, verify: 5000, health: 3000 } as const
/** A structurally valid ID nobody holds (born 1900, sequence 000000): the health probe's subject. */
export const DEFAULT_HEALTH_PROBE = { personalId: '001000000000', fullName: 'LGSP HEALTH CHECK', dateOfBirth: '1900', officerId: 'lgsp-health-check' } as const

export const PopulationConfigSchema = Type.Object({
  baseUrl: Type.String({ pattern: '^https?://', description: 'Base URL of the population DB SOAP service, or of the LGSP route to it.' }),
  path: Type.Optional(Type.String({ pattern: '^/', default: '/', description: 'Path of the SOAP endpoint under baseUrl. Default `/`.' })),
  serviceCode: Type.String({ minLength: 1, maxLength: 100, description: 'Service code (sent as MaDVC) the population DB licensed for this integration.' }),
  integrationCode: Type.Optional(Type.String({ minLength: 1, maxLength: 20, default: DEFAULT_INTEGRATION_CODE, description: `Integration code (sent as MaTichHop). Default \`${DEFAULT_INTEGRATION_CODE}\`.` })),
  timeoutMs: Type.Optional(Type.Object({
    lookup: Type.Optional(Ms(DEFAULT_TIMEOUTS.lookup, 'Overall deadline of one lookup, retries included, in ms.')),
    verify: Type.Optional(Ms(DEFAULT_TIMEOUTS.verify, 'Overall deadline of one verify, retries included, in ms.')),
    health: Type.Optional(Ms(DEFAULT_TIMEOUTS.health, 'Deadline of the health probe in ms.')),
  }, { default: {}, additionalProperties: false, description: 'Deadlines per operation.' })),
  maxResponseBytes: OptionalInt(1024, 'Largest reply accepted in bytes. Default 1 MiB (upstream client).'),
  ...upstreamClientFields('Retry overrides for idempotent calls.'),
  auth: AuthConfigSchema,
  health: Type.Optional(Type.Object({
    personalId: Type.Optional(Type.String({ pattern: '^[0-9]{12}$', description: `ID the health probe looks up; should not exist. Default ${DEFAULT_HEALTH_PROBE.personalId}.` })),
    fullName: Type.Optional(Type.String({ minLength: 1, description: `Name sent with it. Default ${DEFAULT_HEALTH_PROBE.fullName}.` })),
    dateOfBirth: Type.Optional(Type.String({ pattern: '^[0-9]{4}(-[0-9]{2}-[0-9]{2})?$', description: `Date of birth sent with it. Default ${DEFAULT_HEALTH_PROBE.dateOfBirth}.` })),
    officerId: Type.Optional(Type.String({ minLength: 1, description: `Officer code the probe is sent under. Default ${DEFAULT_HEALTH_PROBE.officerId}.` })),
  }, { additionalProperties: false, description: 'The health probe: a lookup of an ID that should not exist.' })),
}, { additionalProperties: false })

export type PopulationConfig = Static<typeof PopulationConfigSchema>

export interface ResolvedPopulationConfig extends Omit<PopulationConfig, 'path' | 'integrationCode' | 'timeoutMs' | 'health'> {
  path: string
  integrationCode: string
  timeoutMs: { lookup: number; verify: number; health: number }
  health: { personalId: string; fullName: string; dateOfBirth: string; officerId: string }
}

export function resolveConfig(config: PopulationConfig): ResolvedPopulationConfig {
  return {
    ...config,
    path: config.path ?? '/',
    integrationCode: config.integrationCode ?? DEFAULT_INTEGRATION_CODE,
    timeoutMs: { ...DEFAULT_TIMEOUTS, ...config.timeoutMs },
    health: { ...DEFAULT_HEALTH_PROBE, ...config.health },
  }
}
