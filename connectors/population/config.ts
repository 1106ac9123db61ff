/**
 * Config section `connectors.population`: validated (with defaults filled in) at boot by the
 * registry; `resolveConfig` applies the same defaults again so the connector also works when a
 * test builds its context by hand. Where peers disagree (reference §1: name and date format,
 * MaDonVi's position) the choice is a setting.
 */
import { Type, type Static } from 'typebox'
import { AuthConfigSchema } from '../../src/upstream/auth/index.js'
import { AGENCY_POSITIONS, DATE_FORMATS, DEFAULT_WIRE_OPTIONS, NAME_FORMATS, type WireOptions } from './wire.js'
import { upstreamClientFields } from '../../src/upstream/client-config.js'

const Ms = (def: number, description: string) => Type.Integer({ minimum: 1, default: def, description: `${description} Default ${def}.` })
const OptionalInt = (minimum: number, description: string) => Type.Optional(Type.Integer({ minimum, description }))
const Choice = <T extends readonly string[]>(values: T, def: T[number], description: string) =>
  Type.Optional(Type.Enum([...values] as T[number][], { default: def, description: `${description} Default \`${def}\`.` }))
const Code = (description: string) => Type.String({ minLength: 1, maxLength: 40, pattern: '^[\\x21-\\x7e]+$', description })

export const DEFAULT_TIMEOUTS = { lookup: 5000, verify: 5000, health: 3000 } as const

const OfficerAccount = Type.Object({
  code: Code('The officer\'s account registered with the population database, sent as MaCanBo (e.g. the C06 user name or the officer\'s CCCD).'),
  keyName: Type.Optional(Type.String({ minLength: 1, description: 'LGSP only: key name of the officer\'s own population-DB account (AuthHash = base64(keyName:keyPassword)).' })),
  keyPassword: Type.Optional(Type.String({ minLength: 1, writeOnly: true, description: 'LGSP only: key pass of that account; from env or a file, never logged.' })),
}, { additionalProperties: false })

export const PopulationConfigSchema = Type.Object({
  baseUrl: Type.String({ pattern: '^https?://', description: 'Base URL of the population DB SOAP service, or of the LGSP route to it.' }),
  path: Type.Optional(Type.String({ pattern: '^/', default: '/', description: 'Path of the SOAP endpoint under baseUrl. Default `/`.' })),
  serviceCode: Code('Default service code (MaDVC) licensed for this integration; used for procedures not in serviceCodes.'),
  serviceCodes: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z0-9._-]{1,50}$' }), Code('Licensed MaDVC'), {
    description: 'Procedure code (the X-Purpose or the pre-fill procedure) → the service code (MaDVC) the population DB licensed for it.',
  })),
  unmappedProcedure: Choice(['default', 'procedure-code', 'refuse'] as const, 'default', 'A procedure not in serviceCodes: `default` sends serviceCode, `procedure-code` sends the procedure code itself as MaDVC, `refuse` refuses before any call.'),
  agencyCode: Type.Optional(Code('The agency\'s code (MaDonVi, QĐ 20/2020); required by the platform spec, sent when set.')),
  agencyPosition: Choice(AGENCY_POSITIONS, DEFAULT_WIRE_OPTIONS.agencyPosition, 'Where MaDonVi goes: `before-officer` (platform spec) or `after-officer` (as one peer sends it).'),
  nameFormat: Choice(NAME_FORMATS, DEFAULT_WIRE_OPTIONS.nameFormat, 'How HoVaTen is written: `ascii-compact` (NGUYENVANAN), `ascii-upper` (NGUYEN VAN AN), `upper` (NGUYỄN VĂN AN), `as-typed`.'),
  dateFormat: Choice(DATE_FORMATS, DEFAULT_WIRE_OPTIONS.dateFormat, 'How NgayThangNam is written (a year alone always goes in Nam).'),
  officers: Type.Optional(Type.Object({
    accounts: Type.Optional(Type.Record(Type.String({ minLength: 1, maxLength: 64 }), OfficerAccount, { description: 'X-Officer-Id → the officer\'s registered account.' })),
    unmapped: Choice(['forward', 'refuse'] as const, 'forward', 'An X-Officer-Id not in accounts: `forward` sends it as MaCanBo, `refuse` refuses before any call.'),
    unitAccount: Type.Optional(Type.Object({
      keyName: Type.String({ minLength: 1 }),
      keyPassword: Type.String({ minLength: 1, writeOnly: true }),
    }, { additionalProperties: false, description: 'LGSP only: the unit\'s account, whose AuthHash is sent for officers without their own. Weaker: the database then logs the unit\'s account.' })),
  }, { additionalProperties: false, default: {}, description: 'Officer identity: the population DB logs every access against a registered officer.' })),
  timeoutMs: Type.Optional(Type.Object({
    lookup: Type.Optional(Ms(DEFAULT_TIMEOUTS.lookup, 'Overall deadline of one lookup, retries included, in ms.')),
    verify: Type.Optional(Ms(DEFAULT_TIMEOUTS.verify, 'Overall deadline of one verify, retries included, in ms.')),
    health: Type.Optional(Ms(DEFAULT_TIMEOUTS.health, 'Deadline of the health probe in ms.')),
  }, { default: {}, additionalProperties: false, description: 'Deadlines per operation.' })),
  maxResponseBytes: OptionalInt(1024, 'Largest reply accepted in bytes. Default 1 MiB (upstream client).'),
  ...upstreamClientFields('Retry overrides for idempotent calls.'),
  auth: AuthConfigSchema,
  health: Type.Optional(Type.Object({
    path: Type.Optional(Type.String({ pattern: '^/', description: 'Path the health probe GETs (no personal data). Default: the SOAP path with `?wsdl`.' })),
  }, { additionalProperties: false, description: 'The health probe: fresh upstream credentials (token schemes) and a GET of the endpoint; never a lookup.' })),
}, { additionalProperties: false })

export type PopulationConfig = Static<typeof PopulationConfigSchema>
export type OfficerAccount = Static<typeof OfficerAccount>

export interface ResolvedPopulationConfig extends Omit<PopulationConfig, 'path' | 'timeoutMs' | 'health' | 'serviceCodes' | 'unmappedProcedure' | 'officers' | 'agencyPosition' | 'nameFormat' | 'dateFormat'> {
  path: string
  serviceCodes: Record<string, string>
  unmappedProcedure: 'default' | 'procedure-code' | 'refuse'
  officers: { accounts: Record<string, OfficerAccount>; unmapped: 'forward' | 'refuse'; unitAccount?: { keyName: string; keyPassword: string } }
  wire: WireOptions
  timeoutMs: { lookup: number; verify: number; health: number }
  healthPath: string
}

export function resolveConfig(config: PopulationConfig): ResolvedPopulationConfig {
  const { agencyPosition, nameFormat, dateFormat, ...rest } = config
  const path = config.path ?? '/'
  for (const [id, account] of Object.entries(config.officers?.accounts ?? {})) {
    if ((account.keyName === undefined) !== (account.keyPassword === undefined)) {
      throw new Error(`config /connectors/population/officers/accounts/${id}: set keyName and keyPassword together`)
    }
  }
  return {
    ...rest,
    path,
    serviceCodes: config.serviceCodes ?? {},
    unmappedProcedure: config.unmappedProcedure ?? 'default',
    officers: {
      accounts: config.officers?.accounts ?? {},
      unmapped: config.officers?.unmapped ?? 'forward',
      ...(config.officers?.unitAccount !== undefined && { unitAccount: config.officers.unitAccount }),
    },
    wire: {
      agencyPosition: agencyPosition ?? DEFAULT_WIRE_OPTIONS.agencyPosition,
      nameFormat: nameFormat ?? DEFAULT_WIRE_OPTIONS.nameFormat,
      dateFormat: dateFormat ?? DEFAULT_WIRE_OPTIONS.dateFormat,
    },
    timeoutMs: { ...DEFAULT_TIMEOUTS, ...config.timeoutMs },
    healthPath: config.health?.path ?? `${path}?wsdl`,
  }
}
