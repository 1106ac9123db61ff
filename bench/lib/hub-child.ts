/**
 * Child entry: the whole hub via `startHub`, sandbox off, its population connector pointed at the
 * benchmark's simulator. Auth, rate limits (Redis), validation, audit group commit and metrics run
 * exactly as in production; only the config below differs from a real deployment.
 */
import { loadConfig } from '../../src/config/load.js'
import { startHub } from '../../src/server.js'
import { SANDBOX_CREDENTIALS, SANDBOX_SERVICE_CODE } from '../../connectors/population/simulator.js'
import { childMain } from './child.js'
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
  // Only the population connector: every other one in config/default.json is switched off, so
  // the hub needs no other upstream and spends nothing on it.
  const others = Object.keys(loadConfig({ env: {} }).connectors).filter((id) => id !== 'population')
  const overrides = {
    server: { host: '127.0.0.1', port: 0, shutdownGraceMs: 2000 },
    log: { level: p.logLevel },
    redis: { url: p.redisUrl, keyPrefix: p.redisPrefix },
    database: p.postgres ? { url: p.postgres.url, schema: p.postgres.schema } : { pgliteDir: 'memory://' },
    audit: { hashKey: 'bench-audit-key-not-a-secret' },
    // The limit is far above any rate this machine reaches, so it is checked but never trips.
    clients: [{ name: 'bench', keySha256: p.keySha256, scopes: ['citizens:read'], rateLimitPerMinute: 1_000_000_000 }],
    sandbox: { enabled: false },
    // No dossier delivery queues either: their default target is one of the connectors switched off.
    sync: { targets: {} },
    connectors: {
      ...Object.fromEntries(others.map((id) => [id, { enabled: false }])),
      population: {
        enabled: true,
        baseUrl: p.simulatorUrl,
        path: '/',
        serviceCode: SANDBOX_SERVICE_CODE,
        auth: { type: 'xroad-basic', username: SANDBOX_CREDENTIALS.username, secretKey: SANDBOX_CREDENTIALS.secretKey, timestampUnit: 's' },
      },
    },
  }
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
