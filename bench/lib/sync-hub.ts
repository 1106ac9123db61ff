/**
 * The hub for the dossier-sync benchmark, exactly as it is deployed (spawn-hub.ts: `src/main.ts
 * start` with `LGSP_CONFIG`). Sandbox off, every other connector off, the national-portal
 * connector pointed at the benchmark's simulator, one delivery target with the benchmark's
 * concurrency and retry schedule.
 */
import { SANDBOX_AGENCY_CODE, SANDBOX_CREDENTIALS, SANDBOX_DSTCODE } from '../../connectors/national-portal/simulator.js'
import { benchClient, benchHubConfig, type Ledger } from './hub-config.js'
import { startHubProcess, type HubProcess } from './spawn-hub.js'

export type LedgerOption = Ledger

export interface SyncHubOptions {
  simulatorUrl: string
  redisUrl: string
  redisPrefix: string
  keySha256: string
  ledger: LedgerOption
  /** Deliveries in flight per worker (sync.targets.national-portal.concurrency). */
  concurrency: number
  retry: { baseDelayMs: number; maxDelayMs: number; maxAttempts: number }
  /** The indicator model (config `indicators.enabled`); default on, as deployed. */
  indicators?: boolean
  /** Directory for the config file. */
  workDir: string
}

export type SyncHub = HubProcess

export function hubConfig(o: SyncHubOptions): Record<string, unknown> {
  return benchHubConfig({
    redisUrl: o.redisUrl, redisPrefix: o.redisPrefix, ledger: o.ledger,
    clients: [benchClient(o.keySha256, ['dossiers:write', 'dossiers:read', 'admin'])],
    connectors: {
      'national-portal': {
        enabled: true, baseUrl: o.simulatorUrl, username: SANDBOX_CREDENTIALS.username, password: SANDBOX_CREDENTIALS.password,
        dstcode: SANDBOX_DSTCODE, agencyCode: SANDBOX_AGENCY_CODE,
      },
    },
    extra: {
      sync: { targets: { 'national-portal': { concurrency: o.concurrency, retry: o.retry } } },
      ...(o.indicators === false && { indicators: { enabled: false } }),
    },
  })
}

export const startSyncHub = (o: SyncHubOptions, readyTimeoutMs = 90_000): Promise<SyncHub> => startHubProcess(hubConfig(o), o.workDir, readyTimeoutMs)
