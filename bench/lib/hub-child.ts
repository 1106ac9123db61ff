/**
 * Child entry: the whole hub via `startHub`, sandbox off, its population connector pointed at the
 * benchmark's simulator. Auth, rate limits (Redis), validation, audit group commit and metrics run
 * exactly as in production; only the config below (hub-config.ts) differs from a real deployment.
 */
import { loadConfig } from '../../src/config/load.js'
import { startHub } from '../../src/server.js'
import { sandboxConfig } from '../../connectors/population/simulator.js'
import { childMain } from './child.js'
import { benchClient, benchHubConfig } from './hub-config.js'
import { deleteRedisPrefix, dropSchema } from './cleanup.js'

export interface HubChildParams {
  simulatorUrl: string
  redisUrl: string
  redisPrefix: string
  /** SHA-256 of the benchmark client's API key. */
  keySha256: string
  /** PostgreSQL URL and private schema; absent = in-memory PGlite. */
  postgres?: { url: string; schema: string }
  logLevel: string
}

childMain<HubChildParams>('hub', async (p) => {
  // Only the population connector (the rest off: no other upstream needed or paid for); in-memory
  // PGlite unless PostgreSQL is asked for.
  const overrides = benchHubConfig({
    redisUrl: p.redisUrl, redisPrefix: p.redisPrefix,
    ledger: p.postgres ? { kind: 'postgres', ...p.postgres } : { kind: 'pglite', dir: 'memory://' },
    clients: [benchClient(p.keySha256, ['citizens:read'])],
    connectors: {
      population: {
        enabled: true,
        ...sandboxConfig(p.simulatorUrl),
      },
    },
    extra: { log: { level: p.logLevel } },
  })
  // env: {} so LGSP_* variables in the caller's shell cannot change what is measured.
  const hub = await startHub({ config: loadConfig({ env: {}, overrides }) })
  return {
    url: hub.url,
    // The hub removes its own traces, so they go even when the parent was killed (Ctrl-C under tsx).
    close: async () => {
      await hub.close()
      await deleteRedisPrefix(p.redisUrl, p.redisPrefix)
      if (p.postgres) await dropSchema(p.postgres.url, p.postgres.schema)
    },
  }
})
