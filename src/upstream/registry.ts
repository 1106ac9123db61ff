/**
 * The connector registry: loads the connectors enabled in config from `connectors/<id>/`,
 * validates each one's config section against its own schema, and runs operations with the
 * concerns every connector shares — an overall deadline, the caller's abort signal, error
 * normalisation and metrics. Adding a connector needs a folder and a config section, nothing here.
 */
import type { Logger } from 'pino'
import type { RedisClient } from '../redis.js'
import type { Connector, ConnectorModule, OperationContext } from './types.js'
import { UpstreamError, isUpstreamError } from './errors.js'
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

export interface ConnectorRegistry {
  ids(): string[]
  get(id: string): Connector
  has(id: string): boolean
  /** Runs one operation with its deadline; always rejects with an `UpstreamError`. */
  invoke<T = unknown>(id: string, operation: string, input: unknown, ctx: InvokeContext): Promise<T>
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
  const clients = new Map<string, UpstreamClient[]>()
  for (const [id, section] of Object.entries(options.connectors)) {
    if (!section.enabled) continue
    const mod = await loadConnectorModule(id)
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

  const get = (id: string): Connector => {
    const c = connectors.get(id)
    if (!c) throw new UpstreamError('unavailable', `The ${id} connector is not enabled on this hub.`)
    return c
  }

  async function invoke<T>(id: string, operation: string, input: unknown, ctx: InvokeContext): Promise<T> {
    const connector = get(id)
    const op = connector.operations[operation]
    if (!op) throw new Error(`connector ${id} has no operation ${operation}`)
    const section = options.connectors[id]
    const configured = typeof section?.timeoutMs === 'object' ? section.timeoutMs[operation] : section?.timeoutMs
    const timeoutMs = configured ?? op.timeoutMs
    // One controller for both the caller's signal and the deadline, and a timer cleared when the
    // call settles: AbortSignal.any + AbortSignal.timeout cost an extra signal per call and a
    // timer that still fires (and aborts) long after the call is over.
    const deadline = { passed: false }
    const controller = new AbortController()
    const caller = ctx.signal
    const onCallerAbort = () => controller.abort(caller.reason)
    if (caller.aborted) onCallerAbort()
    else caller.addEventListener('abort', onCallerAbort, { once: true })
    const timer = setTimeout(function deadlinePassed() {
      deadline.passed = true
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
      return (await op.run(input, opCtx)) as T
    } catch (err) {
      const failure = normalise(err, deadline.passed, caller, id, timeoutMs)
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
    invoke,
    circuitStates,
    async close() {
      await Promise.allSettled([...connectors.values()].map((c) => c.close()))
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
