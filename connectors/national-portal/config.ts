/**
 * Config section `connectors.national-portal`: validated (with defaults filled in) at boot by the
 * registry; `resolveConfig` applies the same defaults again (and checks the code tables) so the
 * connector also works when a test builds its context by hand.
 */
import { Type, type Static } from 'typebox'
import { DOSSIER_STATUSES, type DossierStatus } from '../../schemas/dossier.js'
import { upstreamClientFields } from '../../src/upstream/client-config.js'

export type Channel = 'in_person' | 'online' | 'post'

const Ms = (def: number, description: string) => Type.Integer({ minimum: 1, default: def, description: `${description} Default ${def}.` })
const OptionalInt = (minimum: number, description: string) => Type.Optional(Type.Integer({ minimum, description }))
const Path = (def: string, description: string) => Type.Optional(Type.String({ pattern: '^/', default: def, description: `${description} Default \`${def}\`.` }))
const Codes = (def: readonly string[], description: string) =>
  Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 20 }), { default: [...def], maxItems: 50, description: `${description} Default ${JSON.stringify(def)}.` }))

export const DEFAULT_PATHS = { login: '/api/login', sync: '/api/dongbo', catalog: '/api/danhmuc' } as const
export const DEFAULT_SESSION_TTL_MS = 20 * 60 * 1000
export const DEFAULT_ERROR_CODES = { session: ['-1'], transient: ['-9', '503'] } as const
/** TrangThaiHoSo per dossier status (reference §3, unverified: keep it a table). */
export const DEFAULT_STATUS_CODES: Readonly<Record<DossierStatus, number>> = {
  registered: 1, received: 2, rejected: 3, processing: 4, supplement_requested: 5,
  payment_requested: 6, withdrawal_requested: 7, stopped: 8, processed: 9, returned: 10,
}
/** KenhThucHien (dossier) and KENH (procedure channel) per channel. */
export const DEFAULT_CHANNEL_CODES: Readonly<Record<Channel, number>> = { in_person: 1, online: 2, post: 3 }
/**
 * MaCSDL of DSKetNoiCSDL per national database. Population `7`: what a 2025 peer sends for its
 * citizen checks (HV; the code list itself is unconfirmed). The business registry's code is not
 * known from any source: set it when the portal operator issues it; until then it is not listed.
 */
export const DEFAULT_DATABASE_CODES: Readonly<Record<string, string>> = { population: '7' }
export const DEFAULT_TIMEOUTS = {
  syncDossier: 10_000, syncDossiers: 20_000, updateProgress: 10_000, getDossier: 5000, getProcedure: 5000,
  listProcedures: 10_000, listAgencies: 10_000, login: 5000, health: 5000,
} as const
/** Catalogue lists can be large; the shared client's 1 MiB default is too small for them. */
export const DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024

const statusCodeProps = Object.fromEntries(DOSSIER_STATUSES.map((s) => [s, Type.Optional(Type.Integer({ minimum: 0, maximum: 99, default: DEFAULT_STATUS_CODES[s], description: `TrangThaiHoSo for \`${s}\`. Default ${DEFAULT_STATUS_CODES[s]}.` }))]))
const channelCodeProps = Object.fromEntries((Object.keys(DEFAULT_CHANNEL_CODES) as Channel[]).map((c) => [c, Type.Optional(Type.Integer({ minimum: 0, maximum: 99, default: DEFAULT_CHANNEL_CODES[c], description: `Code for \`${c}\`. Default ${DEFAULT_CHANNEL_CODES[c]}.` }))]))

export const NationalPortalConfigSchema = Type.Object({
  baseUrl: Type.String({ pattern: '^https?://', description: 'Base URL of the national portal integration API, or of the LGSP route to it.' }),
  username: Type.String({ minLength: 1, description: 'Integration account issued by the portal operator.' }),
  password: Type.String({ minLength: 1, writeOnly: true, description: 'Its password; from env or a file, never logged.' }),
  dstcode: Type.String({ minLength: 1, maxLength: 100, description: 'Value of the `dstcode` header sent with every call (issued with the account).' }),
  agencyCode: Type.String({ minLength: 1, maxLength: 32, pattern: '^[0-9A-Za-z.]+$', description: 'The province\'s unit code at the portal, sent as `madonvi` (e.g. `000.00.00.H34`).' }),
  loginPath: Path(DEFAULT_PATHS.login, 'Path of the login endpoint under baseUrl.'),
  syncPath: Path(DEFAULT_PATHS.sync, 'Path of the dossier sync endpoint.'),
  catalogPath: Path(DEFAULT_PATHS.catalog, 'Path of the catalogue endpoint.'),
  sessionTtlMs: Type.Optional(Type.Integer({ minimum: 1000, default: DEFAULT_SESSION_TTL_MS, description: `How long a session is reused before logging in again, in ms. Default ${DEFAULT_SESSION_TTL_MS}.` })),
  errorCodes: Type.Optional(Type.Object({
    session: Codes(DEFAULT_ERROR_CODES.session, 'error_code values meaning "session unknown or expired": log in again once and retry once.'),
    transient: Codes(DEFAULT_ERROR_CODES.transient, 'error_code values meaning "try again later": `unavailable`, retried when safe.'),
  }, { default: {}, additionalProperties: false, description: 'Upstream error codes that are not plain refusals; any other non-zero code is `rejected`.' })),
  statusCodes: Type.Optional(Type.Object(statusCodeProps, { default: {}, additionalProperties: false, description: 'TrangThaiHoSo per dossier status; each code must be unique.' })),
  channelCodes: Type.Optional(Type.Object(channelCodeProps, { default: {}, additionalProperties: false, description: 'KenhThucHien / KENH per channel; each code must be unique.' })),
  databaseCodes: Type.Optional(Type.Object({
    population: Type.Optional(Type.String({ minLength: 1, maxLength: 20, default: DEFAULT_DATABASE_CODES['population'], description: 'MaCSDL of the population database. Default "7" (unconfirmed).' })),
    'business-registry': Type.Optional(Type.String({ minLength: 1, maxLength: 20, description: 'MaCSDL of the business registry. No default (no source names it): unset, it is not listed.' })),
  }, { default: {}, additionalProperties: false, description: 'DSKetNoiCSDL code per national database the dossier was checked against.' })),
  timeoutMs: Type.Optional(Type.Object({
    syncDossier: Type.Optional(Ms(DEFAULT_TIMEOUTS.syncDossier, 'Overall deadline of one dossier sync, login and retries included, in ms.')),
    syncDossiers: Type.Optional(Ms(DEFAULT_TIMEOUTS.syncDossiers, 'Overall deadline of one batch of dossiers (one or two calls, each retried), in ms.')),
    updateProgress: Type.Optional(Ms(DEFAULT_TIMEOUTS.updateProgress, 'Deadline of one progress update in ms.')),
    getDossier: Type.Optional(Ms(DEFAULT_TIMEOUTS.getDossier, 'Deadline of one dossier lookup in ms.')),
    getProcedure: Type.Optional(Ms(DEFAULT_TIMEOUTS.getProcedure, 'Deadline of one procedure lookup in ms.')),
    listProcedures: Type.Optional(Ms(DEFAULT_TIMEOUTS.listProcedures, 'Deadline of the procedure list in ms.')),
    listAgencies: Type.Optional(Ms(DEFAULT_TIMEOUTS.listAgencies, 'Deadline of the agency list in ms.')),
    login: Type.Optional(Ms(DEFAULT_TIMEOUTS.login, 'Deadline of one login, shared by every caller waiting for it, in ms.')),
    health: Type.Optional(Ms(DEFAULT_TIMEOUTS.health, 'Deadline of the health probe in ms.')),
  }, { default: {}, additionalProperties: false, description: 'Deadlines per operation.' })),
  forwardAgencies: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z0-9_]+$' }), Type.String({ pattern: '^[0-9A-Za-z.]+$' }), {
    description: 'Agency that handles what the portal forwards under each service name (e.g. `addtthcKhuyenMai` → the trade department); default `agencyCode` (the province).',
  })),
  interlinked: Type.Optional(Type.Object({
    baseUrl: Type.String({ pattern: '^https?://', description: 'Base URL of the interlinked services (DVCLT: birth and death registrations filed through VNeID).' }),
    username: Type.String({ minLength: 1, description: 'Account for the interlinked services.' }),
    password: Type.String({ minLength: 1, writeOnly: true, description: 'Its password; never logged.' }),
    paths: Type.Optional(Type.Object({
      login: Type.Optional(Type.String({ pattern: '^/' })), list: Type.Optional(Type.String({ pattern: '^/' })),
      detail: Type.Optional(Type.String({ pattern: '^/.*\\{id\\}' })), ack: Type.Optional(Type.String({ pattern: '^/' })),
      status: Type.Optional(Type.String({ pattern: '^/' })),
    }, { additionalProperties: false, description: 'Endpoint paths (only the detail path is confirmed; HV reads the others from its settings: see interlinked.ts).' })),
    handlingAgency: Type.Optional(Type.Integer({ minimum: 0, description: 'coQuanXuLy of the status reports. Default 5, what HV always sends (its meaning is unverified).' })),
    agencies: Type.Optional(Type.Record(Type.String({ pattern: '^[0-9]+$' }), Type.String({ pattern: '^[0-9A-Za-z.]+$' }), {
      description: 'Agency code per `maDonVi` (the administrative unit code the item names); default `agencyCode`.',
    })),
  }, { additionalProperties: false, description: 'The pulled interlinked flow; absent = not polled.' })),
  payment: Type.Optional(Type.Object({
    baseUrl: Type.String({ pattern: '^https?://', description: 'Base URL of the portal\'s payment platform.' }),
    path: Type.Optional(Type.String({ pattern: '^/', description: 'Path every message is POSTed to (unverified). Default `/api/dvcpayment`.' })),
    token: Type.String({ minLength: 1, writeOnly: true, description: 'Bearer token issued by the platform.' }),
    partnerCode: Type.String({ minLength: 1, maxLength: 50, description: 'MaDoiTac.' }),
    secret: Type.String({ minLength: 8, writeOnly: true, description: 'Shared secret of the MaXacThuc checksum.' }),
    serviceCode: Type.String({ minLength: 1, maxLength: 50, description: 'MaDVC of the receipt.' }),
    beneficiaryAccount: Type.String({ minLength: 1, maxLength: 50, description: 'TKThuHuong: the account the fees go to.' }),
    beneficiaryBank: Type.String({ minLength: 1, maxLength: 50, description: 'MaNHThuHuong: its bank.' }),
  }, { additionalProperties: false, description: 'The payment platform (version 1.0.6); absent = no payments.' })),
  maxResponseBytes: OptionalInt(1024, `Largest reply accepted in bytes. Default ${DEFAULT_MAX_RESPONSE_BYTES} (8 MiB, for catalogue lists).`),
  ...upstreamClientFields('Retry overrides for idempotent calls.'),
}, { additionalProperties: false })

export type NationalPortalConfig = Static<typeof NationalPortalConfigSchema>

export interface ResolvedNationalPortalConfig extends Omit<NationalPortalConfig, 'loginPath' | 'syncPath' | 'catalogPath' | 'sessionTtlMs' | 'errorCodes' | 'statusCodes' | 'channelCodes' | 'databaseCodes' | 'timeoutMs'> {
  loginPath: string
  syncPath: string
  catalogPath: string
  sessionTtlMs: number
  errorCodes: { session: string[]; transient: string[] }
  statusCodes: Record<DossierStatus, number>
  channelCodes: Record<Channel, number>
  databaseCodes: Partial<Record<string, string>>
  timeoutMs: { [K in keyof typeof DEFAULT_TIMEOUTS]: number }
}

/** Defaults applied, code tables checked: a table with a repeated code cannot be read back, so it stops the boot. */
export function resolveConfig(config: NationalPortalConfig): ResolvedNationalPortalConfig {
  const resolved: ResolvedNationalPortalConfig = {
    ...config,
    loginPath: config.loginPath ?? DEFAULT_PATHS.login,
    syncPath: config.syncPath ?? DEFAULT_PATHS.sync,
    catalogPath: config.catalogPath ?? DEFAULT_PATHS.catalog,
    sessionTtlMs: config.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS,
    errorCodes: {
      session: [...(config.errorCodes?.session ?? DEFAULT_ERROR_CODES.session)],
      transient: [...(config.errorCodes?.transient ?? DEFAULT_ERROR_CODES.transient)],
    },
    statusCodes: { ...DEFAULT_STATUS_CODES, ...definedOnly(config.statusCodes) } as Record<DossierStatus, number>,
    channelCodes: { ...DEFAULT_CHANNEL_CODES, ...definedOnly(config.channelCodes) } as Record<Channel, number>,
    databaseCodes: { ...DEFAULT_DATABASE_CODES, ...definedOnly(config.databaseCodes) },
    timeoutMs: { ...DEFAULT_TIMEOUTS, ...definedOnly(config.timeoutMs) } as ResolvedNationalPortalConfig['timeoutMs'],
  }
  for (const [name, table] of [['statusCodes', resolved.statusCodes], ['channelCodes', resolved.channelCodes]] as const) {
    const seen = new Map<number, string>()
    for (const [key, code] of Object.entries(table)) {
      const other = seen.get(code)
      if (other !== undefined) throw new Error(`config /connectors/national-portal/${name}: ${other} and ${key} share the code ${code}; give each its own code`)
      seen.set(code, key)
    }
  }
  const overlap = resolved.errorCodes.session.filter((c) => resolved.errorCodes.transient.includes(c))
  if (overlap.length > 0) throw new Error(`config /connectors/national-portal/errorCodes: ${overlap.join(', ')} listed as both session and transient; keep each code in one list`)
  return resolved
}

function definedOnly<T extends object>(value: T | undefined): Partial<T> {
  if (value === undefined) return {}
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>
}
