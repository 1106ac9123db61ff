/**
 * The config every benchmark hub shares, whether it runs as `src/main.ts start` (spawn-hub.ts:
 * dossier-sync, prefill, webhook-ingest) or in-process through `startHub` (hub-child.ts:
 * citizens-lookup). One place, so the hubs differ only where a benchmark says so.
 */
import { loadConfig } from '../../src/config/load.js'

export type Ledger = { kind: 'postgres'; url: string; schema: string } | { kind: 'pglite'; dir: string }

/** The hub's audit.hashKey in every benchmark config (the prefill baseline hashes document owners with it too). */
export const BENCH_AUDIT_KEY = 'bench-audit-key-not-a-secret'

/**
 * Listening on a free loopback port, log level warn, sandbox off, no dossier delivery targets;
 * every connector in config/default.json is off unless `connectors` turns it on (no upstream is
 * needed that the benchmark does not provide). `extra` replaces whole top-level sections.
 */
export function benchHubConfig(o: {
  redisUrl: string; redisPrefix: string; ledger: Ledger; clients: unknown[]; connectors?: Record<string, unknown>; extra?: Record<string, unknown>
}): Record<string, unknown> {
  const off = Object.keys(loadConfig({ env: {} }).connectors).filter((id) => !(o.connectors && id in o.connectors))
  return {
    server: { host: '127.0.0.1', port: 0, shutdownGraceMs: 2000 },
    log: { level: 'warn' },
    redis: { url: o.redisUrl, keyPrefix: o.redisPrefix },
    database: o.ledger.kind === 'postgres' ? { url: o.ledger.url, schema: o.ledger.schema } : { pgliteDir: o.ledger.dir },
    audit: { hashKey: BENCH_AUDIT_KEY },
    sandbox: { enabled: false },
    clients: o.clients,
    connectors: { ...Object.fromEntries(off.map((id) => [id, { enabled: false }])), ...o.connectors },
    // No dossier delivery queues unless `extra.sync` sets some: an idle worker would only add noise.
    sync: { targets: {} },
    ...o.extra,
  }
}

/** One API client with these scopes; its rate limit is far above any rate reached here: checked in Redis on every request, never tripped. */
export const benchClient = (keySha256: string, scopes: string[]) => ({ name: 'bench', keySha256, scopes, rateLimitPerMinute: 1_000_000_000 })
