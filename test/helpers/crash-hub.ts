/**
 * The config of a crash test's hub child (`startChildHub`) that talks to the national portal's
 * simulator and nothing else: sandbox off, every other connector of config/default.json off (as
 * bench/lib/hub-config.ts does for the benchmarks, so a new connector needs no edit here), and one
 * API client, `CRASH_KEY`, whose rate limit is never reached.
 */
import { loadConfig } from '../../src/config/load.js'
import { sha256Hex } from '../../src/plugins/auth.js'
import { SANDBOX_AGENCY_CODE, SANDBOX_CREDENTIALS, SANDBOX_DSTCODE } from '../../connectors/national-portal/simulator.js'

export const CRASH_KEY = 'crash-test-key-not-a-secret'

/** The headers of the crash client's calls. */
export const crashHeaders = { authorization: `Bearer ${CRASH_KEY}`, 'x-officer-id': 'CB-1', 'x-purpose': 'crash-test' }

/**
 * `portal` adds to the national-portal section (beside the simulator's URL and sandbox
 * credentials); `extra` adds whole top-level sections (sync, portalInbound, …).
 */
export function portalCrashHub(simUrl: string, o: { portal?: Record<string, unknown>; extra?: Record<string, unknown> } = {}): Record<string, unknown> {
  const off = Object.keys(loadConfig({ env: {} }).connectors).filter((id) => id !== 'national-portal')
  return {
    server: { shutdownGraceMs: 1000 },
    sandbox: { enabled: false },
    clients: [{ name: 'crash-test', keySha256: sha256Hex(CRASH_KEY), scopes: ['dossiers:write', 'dossiers:read', 'admin'], rateLimitPerMinute: 1_000_000 }],
    connectors: {
      ...Object.fromEntries(off.map((id) => [id, { enabled: false }])),
      'national-portal': {
        enabled: true, baseUrl: simUrl, username: SANDBOX_CREDENTIALS.username, password: SANDBOX_CREDENTIALS.password, dstcode: SANDBOX_DSTCODE, agencyCode: SANDBOX_AGENCY_CODE,
        ...o.portal,
      },
    },
    ...o.extra,
  }
}
