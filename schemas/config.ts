/**
 * The hub's configuration schema: the single source of config validation, defaults and types.
 * A setting with a default is written without `opt()` (required in the type, filled in by ajv
 * when absent); `opt()` marks a setting that may stay unset. Connector sections are validated by
 * each connector's own `configSchema` at boot. Checks a schema cannot express are in
 * src/config/check.ts.
 */
import { Type, type Static, type TSchema } from 'typebox'

/** A field that may be omitted; ajv fills `def` in. */
const opt = <T extends TSchema>(schema: T) => Type.Optional(schema)

/** The five groups of Decision 766/QĐ-TTg, in its order. */
export const SUMMARY_GROUPS = ['publicity', 'progress', 'digitization', 'online', 'satisfaction'] as const
export type SummaryGroupId = (typeof SUMMARY_GROUPS)[number]

export const SCOPES = [
  'citizens:read', 'citizens:read-sensitive', 'citizens:verify', 'enterprises:read', 'documents:read', 'dossiers:write',
  'dossiers:read', 'edocs:send', 'edocs:read', 'events:read', 'portal:forward', 'payments:write', 'payments:read', 'indicators:read', 'admin',
] as const
export type Scope = (typeof SCOPES)[number]

export const ClientConfig = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 64, description: 'Client name, shown in audit records and metrics' }),
  keySha256: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'Hex SHA-256 of the API key; the key itself is never stored' }),
  scopes: Type.Array(Type.Enum([...SCOPES]), { description: 'What the client may call' }),
  agencies: opt(Type.Array(Type.String({ pattern: '^[0-9A-Za-z.*]+$' }), { description: 'Agency codes the client acts for; `*` matches any characters (`*.H44` = a whole province); omitted = all' })),
  rateLimitPerMinute: Type.Integer({ minimum: 1, default: 1200, description: 'Requests per minute, shared across replicas' }),
  expiresAt: opt(Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{1,9})?)?(Z|[+-][0-9]{2}:[0-9]{2}))?$', description: 'When the key stops working (ISO 8601; a bare date means its first instant, UTC); omitted = never. Rotate by adding the new key as a second client before this' })),
}, { additionalProperties: false })
export type ClientConfig = Static<typeof ClientConfig>

/** A connector's section: `enabled`, and the connector's own settings (its `configSchema` checks them). */
const ConnectorSection = Type.Unsafe<{ enabled: boolean; [setting: string]: unknown }>(Type.Object({
  enabled: Type.Boolean({ default: true }),
}, { additionalProperties: true }))

export const SyncTarget = Type.Object({
  snapshotOperation: Type.String({ default: 'syncDossier', description: 'Connector operation that receives a dossier snapshot' }),
  progressOperation: Type.String({ default: 'updateProgress', description: 'Connector operation that receives a processing step' }),
  concurrency: Type.Integer({ minimum: 1, maximum: 256, default: 16, description: 'Deliveries in flight per worker process (one dossier each; batch targets use batchConcurrency)' }),
  batchOperation: Type.String({ default: 'syncDossiers', description: 'Connector operation that takes several snapshots in one call; used when the target\'s connector has it (national-portal does), else one call per dossier' }),
  progressBatchOperation: Type.String({ default: 'updateProgressBatch', description: 'Batch targets: connector operation that takes several progress steps (of any dossiers) in one call; used when the connector has it, else one call per step' }),
  progressBatchSize: Type.Integer({ minimum: 1, maximum: 10, default: 10, description: 'Most progress steps per call (the national portal\'s peers send at most 10)' }),
  batchSize: Type.Integer({ minimum: 1, maximum: 500, default: 50, description: 'Most dossiers per batch call; 1 turns batching off (one call per dossier)' }),
  batchConcurrency: Type.Integer({ minimum: 1, maximum: 64, default: 2, description: 'Batch targets: drains (batch calls) in flight per worker process; fewer drains make fuller batches' }),
  retry: Type.Object({
    maxAttempts: Type.Integer({ minimum: 1, default: 20, description: 'Attempts before a change is dead-lettered' }),
    baseDelayMs: Type.Integer({ minimum: 0, default: 2000, description: 'Ceiling of the first retry delay (doubles each retry, jittered)' }),
    maxDelayMs: Type.Integer({ minimum: 0, default: 900000, description: 'Ceiling of any one retry delay (a Retry-After may ask for more)' }),
  }, { additionalProperties: false, default: {} }),
}, { additionalProperties: false, default: {} })
export type SyncTarget = Static<typeof SyncTarget>

export const HubConfig = Type.Object({
  server: Type.Object({
    host: Type.String({ default: '127.0.0.1', description: 'Listen address' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080, description: 'Listen port (0 = any free port)' }),
    bodyLimitBytes: Type.Integer({ minimum: 1024, default: 1048576, description: 'Largest request body accepted' }),
    trustProxy: Type.Boolean({ default: false, description: 'Trust X-Forwarded-* from a reverse proxy' }),
    shutdownGraceMs: Type.Integer({ minimum: 0, default: 10000, description: 'How long in-flight work may finish on shutdown' }),
    authFailuresPerMinute: Type.Integer({ minimum: 1, default: 60, description: 'Failed authentications (no, unknown or expired key) one address may make per minute before it is answered 429' }),
  }, { additionalProperties: false, default: {} }),
  log: Type.Object({
    level: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { default: 'info' }),
  }, { additionalProperties: false, default: {} }),
  redis: Type.Object({
    url: opt(Type.String({ description: 'redis:// (rediss:// for TLS) URL of one Redis; unset (and no sentinel or cluster) = 127.0.0.1:6379, or a private redis-server under ./data/' })),
    keyPrefix: Type.String({ default: 'lgsp:', description: 'Prefix of every Redis key the hub writes' }),
    sentinel: opt(Type.Object({
      name: Type.String({ minLength: 1, description: 'Master name the Sentinels monitor (`sentinel monitor <name> …`)' }),
      sentinels: Type.Array(Type.String({ minLength: 3 }), { minItems: 1, description: '`host:port` of each Sentinel; the hub asks them for the current master and follows a failover' }),
      username: opt(Type.String({ minLength: 1, description: 'ACL user on the Sentinels, if they require one' })),
      password: opt(Type.String({ minLength: 1, writeOnly: true, description: 'Password of the Sentinels themselves (their requirepass), if any; the data nodes use /redis/password' })),
      tls: opt(Type.Boolean({ description: 'Speak TLS to the Sentinels too (with /redis/tls); default false' })),
    }, { additionalProperties: false, description: 'Redis through Sentinel (high availability); excludes url and cluster' })),
    cluster: opt(Type.Object({
      nodes: Type.Array(Type.String({ minLength: 3 }), { minItems: 1, description: '`host:port` of some cluster nodes; the rest are discovered' }),
    }, { additionalProperties: false, description: 'Redis Cluster; BullMQ keys then share one hash tag ({<keyPrefix>bull}); excludes url and sentinel' })),
    username: opt(Type.String({ minLength: 1, description: 'ACL user of the Redis data nodes (Sentinel or Cluster; a url carries its own)' })),
    password: opt(Type.String({ minLength: 1, writeOnly: true, description: 'Password of the Redis data nodes (Sentinel or Cluster; a url carries its own); REDIS_PASSWORD or REDIS_PASSWORD_FILE' })),
    tls: opt(Type.Object({
      caFile: opt(Type.String({ minLength: 1, description: 'PEM file of the CA that signed the Redis certificates; default the system CAs' })),
      serverName: opt(Type.String({ minLength: 1, description: 'Name expected in the certificate (SNI), when it differs from the host' })),
      rejectUnauthorized: opt(Type.Boolean({ description: 'Refuse certificates that do not verify; default true' })),
    }, { additionalProperties: false, description: 'TLS to the Redis data nodes (present = on); with a url, rediss:// turns it on as well' })),
  }, { additionalProperties: false, default: {} }),
  database: Type.Object({
    url: opt(Type.String({ description: 'postgres:// URL; several hosts as libpq writes them (`postgres://u@h1:5432,h2:5432/db?target_session_attrs=read-write`): each new connection takes the first that accepts writes. Unset = embedded PGlite in pgliteDir' })),
    pgliteDir: Type.String({ default: './data/pglite', description: 'PGlite data directory (`memory://` for in-memory)' }),
    schema: Type.String({ default: 'public', pattern: '^[a-z_][a-z0-9_]*$', description: 'PostgreSQL schema for the hub tables' }),
    poolSize: Type.Integer({ minimum: 1, default: 10 }),
    preparedStatements: Type.Boolean({ default: true, description: 'Keep the hot sync statements prepared on each PostgreSQL connection (parsed once, plans cached by PostgreSQL). Turn off behind a pooler that cannot carry named prepared statements (PgBouncer in transaction mode before 1.21, or without max_prepared_statements)' }),
    failoverRetryMs: Type.Integer({ minimum: 0, default: 3000, description: 'How long a dossier PUT or progress step retries its transaction while the PostgreSQL primary changes (a connection lost before COMMIT) before it answers 503 with Retry-After' }),
  }, { additionalProperties: false, default: {} }),
  audit: Type.Object({
    hashKey: opt(Type.String({ minLength: 16, description: 'Secret key for the keyed hash of personal IDs in the audit log (required outside the sandbox)' })),
    chainKey: opt(Type.String({ minLength: 16, description: 'Secret key of the audit chain links (HMAC); default derived from hashKey. Never stored in the database; audit:verify needs it' })),
    checkpointFile: opt(Type.String({ minLength: 1, description: 'File (outside the database, ideally append-only storage) that `audit:verify --anchor` appends signed chain heads to and `audit:verify` checks' })),
    maxBatch: Type.Integer({ minimum: 1, default: 256, description: 'Records per group commit' }),
    maxWaitMs: Type.Integer({ minimum: 0, default: 2, description: 'How long a record waits for companions before its batch commits' }),
  }, { additionalProperties: false, default: {} }),
  clients: Type.Array(ClientConfig, { default: [] }),
  connectors: Type.Record(Type.String(), ConnectorSection, { default: {} }),
  role: Type.Enum(['all', 'api', 'worker'], {
    default: 'all',
    description: '`api` serves HTTP only, `worker` runs queue workers (and health/metrics), `all` both; `--role` on the command line sets it',
  }),
  portalInbound: Type.Object({
    pollEveryMs: Type.Integer({ minimum: 0, default: 60000, description: 'How often the national portal\'s pulled flows (interlinked birth/death registrations) are polled, when the connector has them configured; 0 = never' }),
    leaseMs: Type.Integer({ minimum: 1000, default: 120000, description: 'Lease of one poll pass: another replica polls only once it has passed' }),
    maxItems: Type.Integer({ minimum: 1, maximum: 1000, default: 100, description: 'Items taken per poll pass' }),
    maxFileBytes: Type.Integer({ minimum: 1, default: 10485760, description: 'Largest file an interlinked item may carry inline (decoded); an item with a larger one is quarantined' }),
    statusDelivery: SyncTarget,
  }, { additionalProperties: false, default: {}, description: 'The national portal\'s pulled flows; `statusDelivery` is the delivery (retries, concurrency) of the status reports back to the interlinked platform' }),
  agencies: Type.Object({
    mappingFile: Type.String({ default: 'config/agency-mapping.json', description: 'Versioned old → new agency codes after an administrative merger (JSON, see docs/sync.md); relative to the working directory; empty = no mapping' }),
  }, { additionalProperties: false, default: {} }),
  sync: Type.Object({
    leaseMs: Type.Integer({ minimum: 1000, default: 60000, description: 'How long one worker may hold a dossier while delivering it; longer than any delivery can take' }),
    reconcileEveryMs: Type.Integer({ minimum: 100, default: 30000, description: 'How often the reconciler looks for outbox rows the queue lost' }),
    staleAfterMs: Type.Integer({ minimum: 100, default: 60000, description: 'An open outbox row untouched this long is re-enqueued by the reconciler' }),
    keepFinishedMs: Type.Integer({ minimum: 0, default: 2592000000, description: 'How long delivered and superseded dossier rows stay in the outbox (they carry the snapshot, personal data included); 0 = forever. A progress step id resent after this counts as a new step' }),
    enqueueTimeoutMs: Type.Integer({ minimum: 10, default: 1000, description: 'Longest wait for Redis when enqueuing after a commit; the reconciler covers a miss' }),
    accept: Type.Object({
      maxBatch: Type.Integer({ minimum: 1, default: 128, description: 'Dossier PUTs committed together in one transaction (group commit)' }),
      maxWaitMs: Type.Integer({ minimum: 0, default: 2, description: 'How long a PUT waits for companions before its batch commits' }),
    }, { additionalProperties: false, default: {} }),
    targets: Type.Record(Type.String(), SyncTarget, {
      default: { 'national-portal': {} },
      description: 'Where dossier changes are delivered: one queue per target, named after its connector',
    }),
  }, { additionalProperties: false, default: {} }),
  procedures: Type.Object({
    connector: Type.String({ default: 'national-portal', description: 'Connector serving the procedure catalogue (operation getProcedure)' }),
    cacheTtlMs: Type.Integer({ minimum: 0, default: 3600000, description: 'How long a catalogue entry is served without asking upstream' }),
    staleTtlMs: Type.Integer({ minimum: 0, default: 604800000, description: 'How long an entry is kept to be served stale while the upstream is down' }),
  }, { additionalProperties: false, default: {} }),
  webhooks: Type.Object({
    nationalPortal: Type.Object({
      secrets: Type.Array(Type.String({ minLength: 1, writeOnly: true }), { default: [], description: 'Standard Webhooks secrets (`whsec_…`) the portal signs with; several during a rotation' }),
      toleranceS: Type.Integer({ minimum: 1, default: 300, description: 'Largest clock distance of webhook-timestamp, in s' }),
      allowIps: opt(Type.Array(Type.String({ minLength: 1 }), { description: 'Source addresses or CIDR ranges allowed to push; unset = any' })),
      bodyLimitBytes: Type.Integer({ minimum: 1024, default: 262144, description: 'Largest webhook body accepted' }),
    }, { additionalProperties: false, default: {} }),
    scheduleMs: Type.Array(Type.Integer({ minimum: 0 }), { minItems: 1, default: [0, 5000, 300000, 1800000, 7200000, 18000000, 36000000, 36000000], description: 'Delay before each delivery attempt to a subscriber; its length is the number of attempts' }),
    timeoutMs: Type.Integer({ minimum: 100, default: 15000, description: 'A delivery succeeds on a 2xx within this time' }),
    leaseMs: Type.Integer({ minimum: 1000, default: 60000 }),
    concurrency: Type.Integer({ minimum: 1, default: 16 }),
    keepDeliveredMs: Type.Integer({ minimum: 0, default: 2592000000, description: 'How long after receipt an inbound event that every subscriber has received stays in the inbox and the pull feed (it carries the event, personal data included); 0 = forever. Events with an open or dead delivery, and unrouted events, stay. A webhook-id resent after this counts as a new event' }),
  }, { additionalProperties: false, default: {} }),
  subscribers: Type.Array(Type.Object({
    name: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,62}$', description: 'Names its delivery queue' }),
    url: Type.String({ pattern: '^https?://', description: 'Where events are POSTed' }),
    secrets: Type.Array(Type.String({ minLength: 1, writeOnly: true }), { minItems: 1, description: 'Signing secrets (`whsec_…`), current first' }),
    agencies: opt(Type.Array(Type.String({ pattern: '^[0-9A-Za-z.*]+$' }), { description: 'Agency codes it serves; `*` matches anything; unset = all' })),
  }, { additionalProperties: false }), { default: [], description: 'One-stop systems that receive inbound events' }),
  edocs: Type.Object({
    connector: Type.String({ default: 'document-axis', description: 'Connector of the document axis; the edocs routes and the poller run only when it is enabled' }),
    pollEveryMs: Type.Integer({ minimum: 100, default: 15000, description: 'How often the axis is asked for received documents and status packets' }),
    pollBatch: Type.Integer({ minimum: 1, maximum: 1000, default: 50, description: 'Most packages fetched in one poll' }),
    bodyLimitBytes: Type.Integer({ minimum: 1024, default: 31457280, description: 'Largest POST /v1/edocs body (attachments travel base64, a third larger than the files)' }),
    fetch: Type.Object({
      maxBytes: Type.Integer({ minimum: 1, default: 20971520, description: 'Largest attachment the hub downloads from a URL' }),
      timeoutMs: Type.Integer({ minimum: 100, default: 30000, description: 'Deadline of one attachment download' }),
      allowHosts: opt(Type.Array(Type.String({ pattern: '^(\\*\\.)?[A-Za-z0-9.-]+$' }), { description: 'Hosts attachments may be fetched from (`*.example.gov.vn` for subdomains); applies to every host, loopback included; unset = any public host. Private, link-local and reserved addresses are refused after DNS resolution either way' })),
      allowLoopback: opt(Type.Boolean({ description: 'Allow http:// and https:// to loopback (127.0.0.0/8, ::1, localhost). Default false; the sandbox turns it on' })),
    }, { additionalProperties: false, default: {}, description: 'Attachments given by URL (HTTPS; http on loopback in the sandbox) are fetched before the 202' }),
    delivery: SyncTarget,
  }, { additionalProperties: false, default: {} }),
  enterprises: Type.Object({
    cacheTtlMs: Type.Integer({ minimum: 0, default: 600000, description: 'How long a found business-registry record is served from cache (0 = never); every access is audited either way' }),
  }, { additionalProperties: false, default: {} }),
  indicators: Type.Object({
    enabled: Type.Boolean({ default: true, description: 'Keep the indicator model (docs/indicators.md) in the accept, inbox and axis transactions; off = /v1/indicators answers from what was recorded while it was on (rebuild with `npm run indicators:rebuild`)' }),
    summary: Type.Record(Type.Enum([...SUMMARY_GROUPS]), Type.Object({
      maxPoints: Type.Number({ minimum: 0, description: 'The group\'s maximum (Decision 766: 18, 20, 22, 22, 18)' }),
      rates: Type.Record(Type.String({ pattern: '^[A-Za-z0-9]+$' }), Type.Object({
        points: Type.Number({ minimum: 0, description: 'Points of this rate; 0 = shown, not scored' }),
        target: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 1, description: 'Rate at or above which the points are full; below, rate × points / target (766: 80 %, 50 %, 90 % …)' }),
      }, { additionalProperties: false })),
    }, { additionalProperties: false }), { default: {}, description: 'Decision 766 groups: the rates behind each and their point weights (config/default.json ships illustrative weights; the official ones are the province\'s to set)' }),
  }, { additionalProperties: false, default: {} }),
  prefill: Type.Object({
    deadlineMs: Type.Integer({ minimum: 50, maximum: 60000, default: 3000, description: 'One deadline for every pre-fill source together' }),
  }, { additionalProperties: false, default: {} }),
  console: Type.Object({
    sessionIdleMs: Type.Integer({ minimum: 60000, default: 1800000, description: 'A console session ends after this long without a request (default 30 min)' }),
    sessionMaxMs: Type.Integer({ minimum: 60000, default: 28800000, description: 'A console session ends this long after sign-in, whatever the activity (default 8 h)' }),
  }, { additionalProperties: false, default: {} }),
  sandbox: Type.Object({
    enabled: Type.Union([Type.Literal('auto'), Type.Boolean()], {
      default: 'auto',
      description: '`auto`: start a simulator for every enabled connector that has no baseUrl',
    }),
    demoKey: Type.String({ default: 'lgsp-demo-key-0000-not-a-secret', description: 'API key of the demo client added in sandbox mode' }),
    sampleSubscriber: Type.Boolean({ default: false, description: 'In a sandbox with no subscriber configured, start the sample subscriber `kontum-one-stop` (src/sim/sample-subscriber.ts); `npm start` turns it on' }),
  }, { additionalProperties: false, default: {} }),
}, { additionalProperties: false })

/**
 * The validated config: every setting with a default is present (ajv fills defaults in before it
 * checks `required`), so the type is the schema's, with no hand-written copy beside it.
 */
export type HubConfig = Static<typeof HubConfig>
