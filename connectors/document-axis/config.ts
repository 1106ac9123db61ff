/**
 * Config section `connectors.document-axis`: where the axis is, who the province is on it
 * (system id, secret, agency code), and the limits every package is read under. Validated with
 * defaults at boot by the registry; `resolveConfig` applies the same defaults for hand-built contexts.
 */
import { Type, type Static } from 'typebox'
import { DEFAULT_EDXML_LIMITS, type EdxmlLimits } from './model.js'
import { DEFAULT_PATHS, type AxisPaths } from './wire.js'
import { upstreamClientFields } from '../../src/upstream/client-config.js'

const Ms = (def: number, description: string) => Type.Integer({ minimum: 1, default: def, description: `${description} Default ${def}.` })
const OptionalInt = (minimum: number, description: string) => Type.Optional(Type.Integer({ minimum, description }))
const Path = (def: string) => Type.Optional(Type.String({ pattern: '^/[^?#]*$', default: def, description: `Default \`${def}\`.` }))

export const DEFAULT_TIMEOUTS = { send: 30_000, listReceived: 10_000, getMessage: 60_000, acknowledge: 10_000, listAgencies: 10_000, pack: 10_000, health: 5000 } as const

export const AGENCY_CODE_PATTERN = '^[0-9]{3}\\.[0-9]{2}\\.[0-9]{2}\\.[A-Z][0-9]{2}$'

export const DocumentAxisConfigSchema = Type.Object({
  baseUrl: Type.String({ pattern: '^https?://', description: 'Base URL of the document axis (VXP endpoint) or of the LGSP route to it.' }),
  systemId: Type.String({ minLength: 1, maxLength: 100, description: 'The province\'s system id on the axis (the `systemid` header).' }),
  secret: Type.String({ minLength: 1, writeOnly: true, description: 'The system\'s signing secret; from env or a file, never logged.' }),
  organId: Type.String({ pattern: AGENCY_CODE_PATTERN, description: 'The province\'s agency code (QCVN 102:2016), e.g. `000.00.00.H34`; documents to any agency under it are ours.' }),
  organName: Type.String({ minLength: 1, maxLength: 500, description: 'The province\'s agency name as it appears in `From`.' }),
  paths: Type.Optional(Type.Object({
    send: Path(DEFAULT_PATHS.send),
    listReceived: Path(DEFAULT_PATHS.listReceived),
    get: Path(DEFAULT_PATHS.get),
    updateStatus: Path(DEFAULT_PATHS.updateStatus),
    agencies: Path(DEFAULT_PATHS.agencies),
  }, { default: {}, additionalProperties: false, description: 'Endpoint paths under baseUrl.' })),
  limits: Type.Optional(Type.Object({
    maxPackageBytes: OptionalInt(1024, `Largest edXML package sent or read, in bytes. Default ${DEFAULT_EDXML_LIMITS.maxPackageBytes}.`),
    maxTextChars: OptionalInt(1024, `Longest element text or start tag outside attachments, in characters; a longer one is refused while parsing. Default ${DEFAULT_EDXML_LIMITS.maxTextChars}.`),
    maxAttachmentBytes: OptionalInt(1, `Largest single attachment after decoding, in bytes. Default ${DEFAULT_EDXML_LIMITS.maxAttachmentBytes}.`),
    maxAttachments: OptionalInt(0, `Most attachments in one document. Default ${DEFAULT_EDXML_LIMITS.maxAttachments}.`),
    maxDepth: OptionalInt(8, `Deepest XML nesting read. Default ${DEFAULT_EDXML_LIMITS.maxDepth}.`),
  }, { default: {}, additionalProperties: false, description: 'Limits every package is read under; a package beyond them is refused, never half read.' })),
  timeoutMs: Type.Optional(Type.Object({
    send: Type.Optional(Ms(DEFAULT_TIMEOUTS.send, 'Deadline of one send in ms.')),
    listReceived: Type.Optional(Ms(DEFAULT_TIMEOUTS.listReceived, 'Deadline of one received-list call in ms.')),
    getMessage: Type.Optional(Ms(DEFAULT_TIMEOUTS.getMessage, 'Deadline of fetching one package in ms.')),
    acknowledge: Type.Optional(Ms(DEFAULT_TIMEOUTS.acknowledge, 'Deadline of one acknowledgement in ms.')),
    listAgencies: Type.Optional(Ms(DEFAULT_TIMEOUTS.listAgencies, 'Deadline of the agency list in ms.')),
    health: Type.Optional(Ms(DEFAULT_TIMEOUTS.health, 'Deadline of the health probe in ms.')),
  }, { default: {}, additionalProperties: false, description: 'Deadlines per operation.' })),
  ...upstreamClientFields('Retry overrides inside one call; sends are retried by the outbox, not here.'),
}, { additionalProperties: false })

export type DocumentAxisConfig = Static<typeof DocumentAxisConfigSchema>

export interface ResolvedDocumentAxisConfig extends Omit<DocumentAxisConfig, 'paths' | 'limits' | 'timeoutMs'> {
  paths: AxisPaths
  limits: EdxmlLimits
  timeoutMs: { [K in keyof typeof DEFAULT_TIMEOUTS]: number }
}

export function resolveConfig(config: DocumentAxisConfig): ResolvedDocumentAxisConfig {
  const limits = config.limits ?? {}
  return {
    ...config,
    paths: { ...DEFAULT_PATHS, ...config.paths },
    limits: {
      maxPackageBytes: limits.maxPackageBytes ?? DEFAULT_EDXML_LIMITS.maxPackageBytes,
      maxTextChars: limits.maxTextChars ?? DEFAULT_EDXML_LIMITS.maxTextChars,
      maxAttachmentBytes: limits.maxAttachmentBytes ?? DEFAULT_EDXML_LIMITS.maxAttachmentBytes,
      maxAttachments: limits.maxAttachments ?? DEFAULT_EDXML_LIMITS.maxAttachments,
      maxDepth: limits.maxDepth ?? DEFAULT_EDXML_LIMITS.maxDepth,
    },
    timeoutMs: { ...DEFAULT_TIMEOUTS, ...config.timeoutMs },
  }
}
