/**
 * The connector registry: loads the connectors enabled in config from `connectors/<id>/`,
 * validates each one's config section against its own schema, and runs operations with the
 * concerns every connector shares — an overall deadline, the caller's abort signal, error
 * normalisation and metrics. It owns operation deadlines and health probes, and finds the
 * connector that provides a contract, so callers name a contract, never a connector id.
 * Adding a connector needs a folder and a config section, nothing here.
 */
import type { Logger } from 'pino'
import type { RedisClient } from '../redis.js'
import type { Static } from 'typebox'
import type { Connector, ConnectorModule, Contract, DeclaredRoute, HealthResult, OperationContext } from './types.js'
import { UpstreamError, isUpstreamError } from './errors.js'
import { probeHealth } from './connector-kit.js'
import { createUpstreamClient, type UpstreamClient } from './client.js'
import { createValidator, formatErrors } from '../config/validate.js'
import type { Metrics } from '../metrics.js'

const CIRCUIT_VALUE = { closed: 0, half_open: 1, open: 2 } as const

export async function loadConnectorModule(id: string): Promise<ConnectorModule> {
  if (!/^[a-z][a-z0-9-]*$/.test(id)) throw new Error(`connector id "${id}" must be kebab-case`)
  const mod = (await import(`../../connectors/${id}/index.js`)) as { default?: ConnectorModule }
  if (!mod.default || mod.default.id !== id) throw new Error(`connectors/${id}/index.ts must default-export a connector module with id "${id}"`)
  return mod.default
}

/** Validates (and fills defaults into) every enabled connector section; returns one line per problem. */
export async function validateConnectorConfigs(sections: Record<string, { enabled: boolean }>): Promise<string[]> {
  const problems: string[] = []
  for (const [id, section] of Object.entries(sections)) {
    if (!section.enabled) continue
    try {
      const mod = await loadConnectorModule(id)
      const { enabled: _enabled, ...rest } = section
      const validate = createValidator(mod.configSchema)
      if (!validate(rest)) problems.push(...formatErrors(validate.errors, `config /connectors/${id}`))
      Object.assign(section, rest)
    } catch (err) {
      problems.push(`config /connectors/${id}: ${(err as Error).message}`)
    }
  }
  return problems
}

export interface InvokeContext {
  signal: AbortSignal
  requestId: string
  officerId?: string
  purpose?: string
  log: Logger
}

/** Which connector (and operation name) serves a contract: by default the one that provides it. */
export interface CallContext extends InvokeContext {
  /** A connector chosen by config (e.g. a sync target); it must implement the contract. */
  connector?: string
  /** The operation's name on that connector when config names it (e.g. `sync.targets.*.batchOperation`). */
  operation?: string
}

const DEFAULT_HEALTH_MS = 5000

export interface ConnectorRegistry {
  ids(): string[]
  get(id: string): Connector
  has(id: string): boolean
  /** The enabled connector that provides this contract (the first in config order), if any. */
  provider(contract: Contract): string | undefined
  /** Runs the contract's operation with its deadline, typed by the contract; always rejects with an `UpstreamError`. */
  call<C extends Contract>(contract: C, input: Static<C['input']>, ctx: CallContext): Promise<Static<C['output']>>
  /** Runs an operation named by config (sync targets' message operations); the result is opaque. */
  invoke(id: string, operation: string, input: unknown, ctx: InvokeContext): Promise<unknown>
  /** The deadline of one call of an operation: `connectors.<id>.timeoutMs.<operation>`, else the operation's own. */
  deadline(id: string, operation: string): number | undefined
  /** The connector's health probe under its `timeoutMs.health`; never throws. */
  health(id: string, signal: AbortSignal): Promise<HealthResult>
  /** Routes the enabled connectors declare, to be mounted by the gateway. */
  routes(): Array<{ connector: string; route: DeclaredRoute<any> }>
  circuitStates(): Promise<Record<string, 'closed' | 'open' | 'half_open'>>
  close(): Promise<void>
}

export interface RegistryOptions {
  connectors: Record<string, { enabled: boolean; timeoutMs?: Record<string, number> | number }>
  redis: RedisClient
  redisPrefix: string
  log: Logger
  metrics: Metrics
  /** Told of every failed operation (e.g. the recent-errors view, recent-errors.ts); must not throw. */
  onFailure?: (connector: string, operation: string, err: UpstreamError) => void
}

export async function createRegistry(options: RegistryOptions): Promise<ConnectorRegistry> {
  const connectors = new Map<string, Connector>()
  const modules = new Map<string, ConnectorModule>()
  const clients = new Map<string, UpstreamClient[]>()
  for (const [id, section] of Object.entries(options.connectors)) {
    if (!section.enabled) continue
    const mod = await loadConnectorModule(id)
    modules.set(id, mod)
    const log = options.log.child({ connector: id })
    const own: UpstreamClient[] = []
    clients.set(id, own)
    const { enabled: _enabled, ...config } = section
    const connector = await mod.create({
      id,
      config: config as never,
      log,
      redis: options.redis,
      createClient: (clientOptions) => {
        const client = createUpstreamClient({ ...clientOptions, connectorId: id, redis: options.redis, log, redisPrefix: options.redisPrefix })
        own.push(client)
        return client
      },
    })
    connectors.set(id, connector)
  }
  // capability → the first enabled connector (config order) whose operation implements it
  const providers = new Map<string, { id: string; operation: string }>()
  for (const [id, connector] of connectors) {
    for (const [operation, op] of Object.entries(connector.operations)) {
      if (op.contract && !providers.has(op.contract.capability)) providers.set(op.contract.capability, { id, operation })
    }
  }

  const get = (id: string): Connector => {
    const c = connectors.get(id)
    if (!c) throw new UpstreamError('unavailable', `The ${id} connector is not enabled on this hub.`)
    return c
  }

  function deadline(id: string, operation: string): number | undefined {
    const section = options.connectors[id]
    const configured = typeof section?.timeoutMs === 'object' ? section.timeoutMs[operation] : section?.timeoutMs
    return configured ?? connectors.get(id)?.operations[operation]?.timeoutMs
  }

  /** Where a contract is served; a config-chosen connector or operation must implement it (a wiring mistake, not an upstream failure). */
  function resolve(contract: Contract, ctx: CallContext): { id: string; operation: string } {
    if (ctx.connector === undefined) {
      const found = providers.get(contract.capability)
      if (!found) throw new UpstreamError('unavailable', `No connector enabled on this hub provides ${contract.capability}.`)
      return found
    }
    const connector = get(ctx.connector)
    const operation = ctx.operation ?? Object.keys(connector.operations).find((k) => connector.operations[k]!.contract?.capability === contract.capability)
    if (operation === undefined || connector.operations[operation]?.contract?.capability !== contract.capability) {
      throw new Error(`connector ${ctx.connector} has no operation${ctx.operation ? ` ${ctx.operation}` : ''} implementing ${contract.capability}`)
    }
    return { id: ctx.connector, operation }
  }

  async function call<C extends Contract>(contract: C, input: Static<C['input']>, ctx: CallContext): Promise<Static<C['output']>> {
    const { connector: _c, operation: _o, ...rest } = ctx
    const { id, operation } = resolve(contract, ctx)
    // The one place a result is typed: resolve() checked that this operation implements the contract.
    return (await invoke(id, operation, input, rest)) as Static<C['output']>
  }

  async function invoke(id: string, operation: string, input: unknown, ctx: InvokeContext): Promise<unknown> {
    const connector = get(id)
    const op = connector.operations[operation]
    if (!op) throw new Error(`connector ${id} has no operation ${operation}`)
    const timeoutMs = deadline(id, operation) ?? op.timeoutMs
    // One controller for both the caller's signal and the deadline, and a timer cleared when the
    // call settles: AbortSignal.any + AbortSignal.timeout cost an extra signal per call and a
    // timer that still fires (and aborts) long after the call is over.
    const expiry = { passed: false }
    const controller = new AbortController()
    const caller = ctx.signal
    const onCallerAbort = () => controller.abort(caller.reason)
    if (caller.aborted) onCallerAbort()
    else caller.addEventListener('abort', onCallerAbort, { once: true })
    const timer = setTimeout(function deadlinePassed() {
      expiry.passed = true
      controller.abort(new DOMException(`The ${id} ${operation} deadline of ${timeoutMs} ms passed.`, 'TimeoutError'))
    }, timeoutMs)
    timer.unref()
    // The child logger is made only if the operation logs: most calls never do.
    let opLog: Logger | undefined
    const opCtx: OperationContext = {
      ...ctx,
      signal: controller.signal,
      get log() {
        return (opLog ??= ctx.log.child({ connector: id, operation }))
      },
    }
    const started = performance.now()
    let outcome = 'ok'
    try {
      return await op.run(input, opCtx)
    } catch (err) {
      const failure = normalise(err, expiry.passed, caller, id, timeoutMs)
      outcome = failure.kind
      options.onFailure?.(id, operation, failure)
      throw failure
    } finally {
      clearTimeout(timer)
      caller.removeEventListener('abort', onCallerAbort)
      options.metrics.upstreamDuration.observe({ connector: id, operation, outcome }, (performance.now() - started) / 1000)
    }
  }

  async function circuitStates() {
    const out: Record<string, 'closed' | 'open' | 'half_open'> = {}
    for (const [id, own] of clients) {
      const states = await Promise.all(own.map((c) => c.circuitState()))
      const state = states.includes('open') ? 'open' : states.includes('half_open') ? 'half_open' : 'closed'
      out[id] = state
      options.metrics.circuitState.set({ connector: id }, CIRCUIT_VALUE[state])
    }
    return out
  }

  return {
    ids: () => [...connectors.keys()],
    get,
    has: (id) => connectors.has(id),
    provider: (contract) => providers.get(contract.capability)?.id,
    call,
    invoke,
    deadline,
    health: (id, signal) => probeHealth(get(id), signal, deadline(id, 'health') ?? DEFAULT_HEALTH_MS),
    routes: () => [...modules].flatMap(([connector, mod]) => (mod.routes ?? []).map((route) => ({ connector, route }))),
    circuitStates,
    async close() {
      await Promise.allSettled([...connectors.values()].map((c) => c.close?.()))
      await Promise.allSettled([...clients.values()].flat().map((c) => c.close()))
    },
  }
}

/** Whatever an operation threw becomes an UpstreamError; our own deadline wins over the kind it reported. */
function normalise(err: unknown, deadlinePassed: boolean, caller: AbortSignal, id: string, timeoutMs: number): UpstreamError {
  if (deadlinePassed && !caller.aborted) {
    return isUpstreamError(err) && err.kind === 'timeout'
      ? err
      : new UpstreamError('timeout', `The ${id} system did not answer within ${timeoutMs} ms.`, { cause: err })
  }
  if (caller.aborted) return new UpstreamError('aborted', 'The caller went away.', { cause: err })
  if (isUpstreamError(err)) return err
  return new UpstreamError('bad_response', `The ${id} connector failed to handle the reply.`, { cause: err })
}
