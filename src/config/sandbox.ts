/**
 * Whether the hub runs as a sandbox (simulators, the demo key, fake webhook secret and audit
 * key). `auto` means a sandbox only when it cannot be mistaken for production: every enabled
 * connector is simulated (none has a baseUrl) and the hub listens on loopback only. A partial
 * sandbox — real upstreams beside the well-known demo key — or one reachable from the network
 * needs `sandbox.enabled: true`, said explicitly.
 */
import { isIP } from 'node:net'
import type { HubConfig } from '../../schemas/config.js'

/** Used only when the sandbox runs and no key is configured: the audit hashes are then worthless by design. */
export const SANDBOX_AUDIT_KEY = 'sandbox-audit-key-not-a-secret'

export interface SandboxDecision {
  /** Connectors to simulate; empty when the sandbox is off. */
  simulate: string[]
  /** Configuration problems (a required baseUrl, an auto sandbox that may not start). */
  problems: string[]
}

const envName = (id: string) => `LGSP_CONNECTORS__${id.toUpperCase().replace(/-/g, '_')}__BASE_URL`

export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true
  return isIP(host) === 4 && host.startsWith('127.')
}

export function decideSandbox(config: Pick<HubConfig, 'connectors' | 'sandbox' | 'server'>): SandboxDecision {
  const enabled = Object.entries(config.connectors).filter(([, s]) => s.enabled)
  const unset = enabled.filter(([, s]) => !s.baseUrl).map(([id]) => id)
  const mode = config.sandbox.enabled
  if (unset.length === 0) return { simulate: [], problems: [] }
  if (mode === true) return { simulate: unset, problems: [] }
  const required = unset.map((id) => `config /connectors/${id}/baseUrl: required when the sandbox is off (set ${envName(id)})`)
  if (mode === false) return { simulate: [], problems: required }
  if (unset.length < enabled.length) {
    return { simulate: [], problems: [...required, 'config /sandbox/enabled: `auto` starts a sandbox only when no connector has a baseUrl; set every baseUrl above, or LGSP_SANDBOX__ENABLED=true for a deliberate partial sandbox (it adds the well-known demo key)'] }
  }
  if (!isLoopback(config.server.host)) {
    return { simulate: [], problems: [`config /sandbox/enabled: \`auto\` never starts a sandbox (with its well-known demo key) on the non-loopback address ${config.server.host}; configure the connectors' baseUrls, listen on 127.0.0.1 (HOST), or set LGSP_SANDBOX__ENABLED=true`] }
  }
  return { simulate: unset, problems: [] }
}
