/**
 * Config section `connectors.document-axis`: where the axis is, who the province is on it
 * (system id, secret, agency code), and the limits every package is read under. Validated with
 * defaults at boot by the registry; `resolveConfig` applies the same defaults for hand-built contexts.
 */
import { Type, type Static } from 'typebox'
import { DEFAULT_EDXML_LIMITS, type EdxmlLimits } from './model.js'
import { DEFAULT_PATHS, type AxisPaths } from './wire.js'
import { SIGNATURE_ALGORITHMS, type SignatureStatus } from './edxml-signature.js'
import { upstreamClientFields } from '../../src/upstream/client-config.js'

const Ms = (def: number, description: string) => Type.Integer({ minimum: 1, default: def, description: `${description} Default ${def}.` })
const OptionalInt = (minimum: number, description: string) => Type.Optional(Type.Integer({ minimum, description }))
const Action = (def: SignatureAction, verdict: string) => Type.Optional(Type.Union([Type.Literal('accept'), Type.Literal('flag'), Type.Literal('quarantine')], { default: def, description: `What a ${verdict} signature does to a received package. Default \`${def}\`.` }))
export type SignatureAction = 'accept' | 'flag' | 'quarantine'
/** Most real senders do not sign yet: nothing is refused for its signature unless configured. */
export const DEFAULT_SIGNATURE_POLICY: Record<SignatureStatus, SignatureAction> = { valid: 'accept', invalid: 'flag', unverifiable: 'flag', absent: 'flag' }
const Pem = (description: string) => Type.String({ minLength: 1, pattern: '-----BEGIN ', description })
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
    listSent: Path(DEFAULT_PATHS.listSent),
    agencies: Path(DEFAULT_PATHS.agencies),
  }, { default: {}, additionalProperties: false, description: 'Endpoint paths under baseUrl.' })),
  limits: Type.Optional(Type.Object({
    maxPackageBytes: OptionalInt(1024, `Largest edXML package sent or read, in bytes. Default ${DEFAULT_EDXML_LIMITS.maxPackageBytes}.`),
    maxTextChars: OptionalInt(1024, `Longest element text or start tag outside attachments, in characters; a longer one is refused while parsing. Default ${DEFAULT_EDXML_LIMITS.maxTextChars}.`),
    maxAttachmentBytes: OptionalInt(1, `Largest single attachment after decoding, in bytes. Default ${DEFAULT_EDXML_LIMITS.maxAttachmentBytes}.`),
    maxAttachments: OptionalInt(0, `Most attachments in one document. Default ${DEFAULT_EDXML_LIMITS.maxAttachments}.`),
    maxRecipients: OptionalInt(1, `Most recipients (To) of one received document; more is quarantined. Default ${DEFAULT_EDXML_LIMITS.maxRecipients}.`),
    maxDepth: OptionalInt(8, `Deepest XML nesting read. Default ${DEFAULT_EDXML_LIMITS.maxDepth}.`),
  }, { default: {}, additionalProperties: false, description: 'Limits every package is read under; a package beyond them is refused, never half read.' })),
  signatures: Type.Optional(Type.Object({
    policy: Type.Optional(Type.Object({
      valid: Action(DEFAULT_SIGNATURE_POLICY.valid, 'valid'),
      invalid: Action(DEFAULT_SIGNATURE_POLICY.invalid, 'invalid (the package changed after signing)'),
      unverifiable: Action(DEFAULT_SIGNATURE_POLICY.unverifiable, 'unverifiable'),
      absent: Action(DEFAULT_SIGNATURE_POLICY.absent, 'missing'),
    }, { default: {}, additionalProperties: false, description: '`accept`: stored and announced; `flag`: the same, marked `flagged` in the API and the event; `quarantine`: kept for an operator, not announced.' })),
    trustedCa: Type.Optional(Pem('Trust anchors (PEM, one or more certificates): a signer\'s certificate must be issued by one of them to be `valid`. Unset: any certificate that verifies and is within its validity.')),
    signingPrivateKey: Type.Optional({ ...Pem('PEM private key (RSA) that signs every outgoing package; with signingCertificate. From env or a `_FILE` secret, never logged.'), writeOnly: true }),
    signingCertificate: Type.Optional(Pem('PEM certificate of signingPrivateKey, published in each signature\'s KeyInfo.')),
    algorithm: Type.Optional(Type.Union(Object.keys(SIGNATURE_ALGORITHMS).map((a) => Type.Literal(a)), { default: 'rsa-sha1', description: 'Signature algorithm of outgoing packages; real peers use rsa-sha1. Default `rsa-sha1`.' })),
  }, { default: {}, additionalProperties: false, description: 'XML signatures: verified on every received package, made on every sent one when a key is configured.' })),
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
  signaturePolicy: Record<SignatureStatus, SignatureAction>
  limits: EdxmlLimits
  timeoutMs: { [K in keyof typeof DEFAULT_TIMEOUTS]: number }
}

export function resolveConfig(config: DocumentAxisConfig): ResolvedDocumentAxisConfig {
  const limits = config.limits ?? {}
  return {
    ...config,
    paths: { ...DEFAULT_PATHS, ...config.paths },
    signaturePolicy: { ...DEFAULT_SIGNATURE_POLICY, ...Object.fromEntries(Object.entries(config.signatures?.policy ?? {}).filter(([, v]) => v !== undefined)) },
    limits: {
      maxPackageBytes: limits.maxPackageBytes ?? DEFAULT_EDXML_LIMITS.maxPackageBytes,
      maxTextChars: limits.maxTextChars ?? DEFAULT_EDXML_LIMITS.maxTextChars,
      maxAttachmentBytes: limits.maxAttachmentBytes ?? DEFAULT_EDXML_LIMITS.maxAttachmentBytes,
      maxAttachments: limits.maxAttachments ?? DEFAULT_EDXML_LIMITS.maxAttachments,
      maxRecipients: limits.maxRecipients ?? DEFAULT_EDXML_LIMITS.maxRecipients,
      maxDepth: limits.maxDepth ?? DEFAULT_EDXML_LIMITS.maxDepth,
    },
    timeoutMs: { ...DEFAULT_TIMEOUTS, ...config.timeoutMs },
  }
}
