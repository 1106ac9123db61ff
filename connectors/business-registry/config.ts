/**
 * Config section `connectors.business-registry`: validated (with defaults filled in) at boot by
 * the registry; `resolveConfig` applies the same defaults again so the connector also works when
 * a test builds its context by hand.
 */
import { Type, type Static } from 'typebox'
import { AuthConfigSchema } from '../../src/upstream/auth/index.js'
import { checkEnterpriseCode } from '../../schemas/enterprise.js'
import { upstreamClientFields } from '../../src/upstream/client-config.js'

const Ms = (def: number, description: string) => Type.Integer({ minimum: 1, default: def, description: `${description} Default ${def}.` })
const OptionalInt = (minimum: number, description: string) => Type.Optional(Type.Integer({ minimum, description }))

export const DEFAULT_PATHS = { lookup: '/chiTietDoanhNghiep' } as const
export const DEFAULT_TIMEOUTS = { getEnterprise: 5000, health: 5000 } as const
/**
 * A well-formed code with a valid check digit that no enterprise holds (Hà Nội prefix, sequence
 * 9999999 — far beyond any issued number): the health probe's subject.
 */
export const DEFAULT_HEALTH_CODE = '0199999991'

export const BusinessRegistryConfigSchema = Type.Object({
  baseUrl: Type.String({ pattern: '^https?://', description: 'Base URL of the business registry API on the national data platform, or of the LGSP route to it.' }),
  auth: AuthConfigSchema,
  paths: Type.Optional(Type.Object({
    lookup: Type.Optional(Type.String({ pattern: '^/[^#]*$', default: DEFAULT_PATHS.lookup, description: `Path of the enterprise detail endpoint under baseUrl, with a query of its own if the route needs one (an LGSP adapter: \`/adapter?category=chiTietDoanhNghiep&version=1.1\`); the code is added as \`msdn=\`. Default \`${DEFAULT_PATHS.lookup}\`.` })),
  }, { default: {}, additionalProperties: false, description: 'Endpoint paths under baseUrl (the token URL is auth.tokenUrl).' })),
  bare404IsNotFound: Type.Optional(Type.Boolean({
    default: false,
    description: 'Read an HTTP 404 that lacks the registry\'s JSON envelope (`Data`) as "no such enterprise". Default false: such a 404 more likely means a wrong baseUrl or paths.lookup, and is `rejected`.',
  })),
  timeoutMs: Type.Optional(Type.Object({
    getEnterprise: Type.Optional(Ms(DEFAULT_TIMEOUTS.getEnterprise, 'Overall deadline of one lookup, token and retries included, in ms.')),
    health: Type.Optional(Ms(DEFAULT_TIMEOUTS.health, 'Deadline of the health probe in ms.')),
  }, { default: {}, additionalProperties: false, description: 'Deadlines per operation.' })),
  health: Type.Optional(Type.Object({
    code: Type.Optional(Type.String({ pattern: '^[0-9]{10}$', description: `Valid enterprise code the probe looks up; should not exist. Default ${DEFAULT_HEALTH_CODE}.` })),
  }, { additionalProperties: false, description: 'The health probe: a token fetch and a lookup of a code nobody holds.' })),
  maxResponseBytes: OptionalInt(1024, 'Largest reply accepted in bytes. Default 1 MiB (upstream client).'),
  ...upstreamClientFields('Retry overrides (lookups are idempotent, so transient failures are retried).'),
}, { additionalProperties: false })

export type BusinessRegistryConfig = Static<typeof BusinessRegistryConfigSchema>

export interface ResolvedBusinessRegistryConfig extends Omit<BusinessRegistryConfig, 'paths' | 'bare404IsNotFound' | 'timeoutMs' | 'health'> {
  paths: { lookup: string }
  bare404IsNotFound: boolean
  timeoutMs: { getEnterprise: number; health: number }
  health: { code: string }
}

/** Defaults applied; a health code that fails the check digit would make every probe `rejected`, so it stops the boot. */
export function resolveConfig(config: BusinessRegistryConfig): ResolvedBusinessRegistryConfig {
  const resolved: ResolvedBusinessRegistryConfig = {
    ...config,
    paths: { lookup: config.paths?.lookup ?? DEFAULT_PATHS.lookup },
    bare404IsNotFound: config.bare404IsNotFound ?? false,
    timeoutMs: {
      getEnterprise: config.timeoutMs?.getEnterprise ?? DEFAULT_TIMEOUTS.getEnterprise,
      health: config.timeoutMs?.health ?? DEFAULT_TIMEOUTS.health,
    },
    health: { code: config.health?.code ?? DEFAULT_HEALTH_CODE },
  }
  const problems = checkEnterpriseCode(resolved.health.code)
  if (problems.length > 0) throw new Error(`config /connectors/business-registry/health/code: ${problems[0]}; pick a valid code that no enterprise holds`)
  return resolved
}
