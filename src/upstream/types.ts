/**
 * The connector contract (DESIGN §1). A connector owns one upstream system: its wire format,
 * its upstream auth and its error mapping. It never sees Fastify; the gateway never sees its
 * wire format. Everything a connector needs arrives through `ConnectorContext`.
 */
import type { Static, TSchema } from 'typebox'
import type { Logger } from 'pino'
import type { RedisClient } from '../redis.js'
import type { UpstreamClient, UpstreamClientOptions } from './client.js'
import type { Scope } from '../../schemas/config.js'

/** What an operation receives besides its input. */
export interface OperationContext {
  /** Aborted when the caller goes away or the operation's deadline passes. Pass it to every I/O call. */
  signal: AbortSignal
  requestId: string
  /** The accountable officer, forwarded upstream where the wire format has a slot for it. */
  officerId?: string
  /** Why the data is needed (dossier or procedure code). */
  purpose?: string
  log: Logger
}

/**
 * What the core calls a connector for: a capability with its input and output schemas, so both
 * sides share one type. A contract lives with its consumer (src/contracts/, src/axis/contracts.ts,
 * or a connector's own folder for an operation only its declared routes use); a connector
 * implements it (`implement` in contract.ts) and the registry finds the connector that provides
 * it: no caller names a connector id or chooses a result type.
 */
export interface Contract<I extends TSchema = TSchema, O extends TSchema = TSchema> {
  /** Unique in the hub, `<domain>.<verb>`, e.g. `citizens.lookup`. */
  readonly capability: string
  /** The operation's name on a connector that provides it (metrics, config `timeoutMs` keys, sync target settings). */
  readonly operation: string
  readonly description: string
  readonly input: I
  readonly output: O
}

export interface OperationDef<I extends TSchema = TSchema, O extends TSchema = TSchema> {
  /** The contract this operation implements, when the core (or a declared route) calls it by contract. */
  contract?: Contract<I, O>
  description: string
  /** JSON Schema of the domain input (English field names, never wire names). */
  input: I
  /** JSON Schema of the domain output. */
  output: O
  /** Overall deadline for one call including retries, unless config overrides it. */
  timeoutMs: number
  /** Safe to repeat: only idempotent operations are retried on transient failures. */
  idempotent: boolean
  run(input: Static<I>, ctx: OperationContext): Promise<Static<O>>
}

export interface HealthResult {
  ok: boolean
  latencyMs: number
  detail?: string
}

/** A probe's verdict short of throwing: the upstream answered, but not as a healthy one does (e.g. refused our credentials). */
export type ProbeVerdict = void | { ok: false; detail: string }

export interface Connector {
  operations: Record<string, OperationDef<any, any>>
  /**
   * A cheap call proving the upstream answers and accepts our credentials; throws (an
   * UpstreamError says why) or answers `{ ok: false, detail }` when it does not. The registry
   * bounds it by the connector's `timeoutMs.health`, times it and reports it (registry.health).
   */
  probe(signal: AbortSignal): Promise<ProbeVerdict>
  /** Extra cleanup; the upstream clients made with `createClient` are closed by the registry. */
  close?(): Promise<void>
}

/** What the registry hands a connector when it creates it. */
export interface ConnectorContext<C = unknown> {
  id: string
  /** The connector's own config section, already validated against its `configSchema`. */
  config: C
  log: Logger
  redis: RedisClient
  /** Builds the shared upstream HTTP client (undici pool, timeouts, retries, circuit breaker). */
  createClient(options: Omit<UpstreamClientOptions, 'redis' | 'log' | 'connectorId'>): UpstreamClient
}

/** A handle on a running simulator. */
export interface SimulatorHandle {
  url: string
  close(): Promise<void>
}

/**
 * A route a connector declares for one of its contracts, without Fastify: the gateway mounts it
 * (src/routes/declared.ts) with auth, validation, problem+json errors and — for personal data —
 * the officer and purpose headers and an audit record per call. This is how a connector adds an
 * API without editing the gateway.
 */
export interface DeclaredRoute<C extends Contract = Contract> {
  method: 'POST'
  /** Under `/v1/`; personal IDs never travel in it (use the body). */
  url: `/v1/${string}`
  /** The scope a client needs (schemas/config.ts SCOPES). */
  scope: Scope
  tag: string
  /** The OpenAPI operationId (unique across the API); schemas/api/examples.ts and responses.ts are keyed by it. */
  operationId: string
  summary: string
  description: string
  contract: C
  /** The 200 body schema, and the body made from the operation's output; `null` answers 404 with `notFound`. */
  response: TSchema
  reply(output: Static<C['output']>): unknown
  notFound?: string
  /** Every call reads personal data: X-Officer-Id and X-Purpose are required and the access is audited. */
  audit: {
    /** What the access is about (hashed and masked by the audit log). */
    subject(input: Static<C['input']>): string
    /** The audit outcome; default `ok`, or `not_found` when the reply is null. */
    outcome?(output: Static<C['output']>): string
  }
}

/** The module a folder under `connectors/<id>/index.ts` default-exports (build it with `defineConnector`). */
export interface ConnectorModule<S extends TSchema = TSchema> {
  id: string
  /** JSON Schema of the connector's config section; validated (defaults filled in) at boot. */
  configSchema: S
  create(ctx: ConnectorContext<Static<S>>): Promise<Connector> | Connector
  /** Routes the gateway mounts for this connector when it is enabled. */
  routes?: DeclaredRoute<any>[]
  /**
   * Starts the simulator of the upstream on loopback (port 0 = any free port) and returns the
   * config overrides that point this connector at it (base URL and sandbox credentials).
   */
  startSimulator?(options: { port?: number; log?: Logger }): Promise<SimulatorHandle & { config: Record<string, unknown> }>
}
