/**
 * The connector contract (DESIGN §1). A connector owns one upstream system: its wire format,
 * its upstream auth and its error mapping. It never sees Fastify; the gateway never sees its
 * wire format. Everything a connector needs arrives through `ConnectorContext`.
 */
import type { Static, TSchema } from 'typebox'
import type { Logger } from 'pino'
import type { RedisClient } from '../redis.js'
import type { UpstreamClient, UpstreamClientOptions } from './client.js'

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

export interface OperationDef<I extends TSchema = TSchema, O extends TSchema = TSchema> {
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

export interface Connector {
  id: string
  operations: Record<string, OperationDef<any, any>>
  /** A cheap call proving the upstream answers and accepts our credentials. */
  health(signal: AbortSignal): Promise<HealthResult>
  close(): Promise<void>
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

/** The module a folder under `connectors/<id>/index.ts` default-exports. */
export interface ConnectorModule<S extends TSchema = TSchema> {
  id: string
  /** JSON Schema of the connector's config section; validated at boot. */
  configSchema: S
  create(ctx: ConnectorContext<Static<S>>): Promise<Connector> | Connector
  /**
   * Starts the simulator of the upstream on loopback (port 0 = any free port) and returns the
   * config overrides that point this connector at it (base URL and sandbox credentials).
   */
  startSimulator?(options: { port?: number; log?: Logger }): Promise<SimulatorHandle & { config: Record<string, unknown> }>
}
