/**
 * What every connector's index.ts used to repeat: the module wrapper (id, config schema, factory,
 * the sandbox simulator and the config that points the connector at it) and the health probe's
 * timing and error reporting. `defineConnector` builds the module; `probeHealth` runs a probe
 * (the registry does, bounded by the connector's `timeoutMs.health`).
 */
import type { Static, TSchema } from 'typebox'
import type { Logger } from 'pino'
import { isUpstreamError } from './errors.js'
import type { Connector, ConnectorContext, ConnectorModule, DeclaredRoute, HealthResult } from './types.js'

export interface ConnectorDefinition<S extends TSchema, Sim extends { url: string; close(): Promise<void> }> {
  id: string
  configSchema: S
  create(ctx: ConnectorContext<Static<S>>): Promise<Connector> | Connector
  /** The upstream's stand-in the sandbox starts on loopback, and the config section that points the connector at it. */
  simulator?: {
    start(options: { port?: number; log?: Logger }): Promise<Sim>
    sandboxConfig(sim: Sim): Record<string, unknown>
  }
  routes?: DeclaredRoute<any>[]
}

export function defineConnector<S extends TSchema, Sim extends { url: string; close(): Promise<void> }>(def: ConnectorDefinition<S, Sim>): ConnectorModule<S> {
  const { simulator } = def
  return {
    id: def.id,
    configSchema: def.configSchema,
    create: def.create,
    ...(def.routes && { routes: def.routes }),
    ...(simulator && {
      async startSimulator(options: { port?: number; log?: Logger }) {
        const sim = await simulator.start(options)
        return { url: sim.url, close: () => sim.close(), config: simulator.sandboxConfig(sim) }
      },
    }),
  }
}

/** Runs a connector's probe under a deadline; never throws. */
export async function probeHealth(connector: Pick<Connector, 'probe'>, signal: AbortSignal, timeoutMs: number): Promise<HealthResult> {
  const started = performance.now()
  const ms = () => Math.round(performance.now() - started)
  try {
    const verdict = await connector.probe(AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]))
    return verdict ? { ok: false, latencyMs: ms(), detail: verdict.detail } : { ok: true, latencyMs: ms() }
  } catch (err) {
    const detail = isUpstreamError(err) ? `${err.kind}: ${err.message}` : signal.aborted ? 'aborted' : 'health probe failed (timeout or unexpected error)'
    return { ok: false, latencyMs: ms(), detail }
  }
}
