/**
 * Every check of the configuration that its schema cannot express, run once at boot (startHub)
 * before anything connects or listens, so an operator sees every problem at once, one line each,
 * and the process exits 1 (main.ts). The schema itself is checked when the config loads
 * (load.ts); whether a sandbox may start is decided first (sandbox.ts) and its problems join these.
 */
import { isAbsolute } from 'node:path'
import { fileURLToPath } from 'node:url'
import { SCOPES, type HubConfig } from '../../schemas/config.js'
import { loadAgencyMapping, NO_AGENCY_MAPPING, type AgencyMapping } from '../agency-mapping.js'
import { clientKeyProblems } from '../plugins/auth.js'
import { redisSettingProblems } from '../redis.js'
import { postgresUrlProblems } from '../db/pg-hosts.js'
import { loadConnectorModule, validateConnectorConfigs } from '../upstream/registry.js'
import { parseSecret } from '../webhooks/signature.js'

export interface CheckedConfig {
  problems: string[]
  /** The agency mapping file, read (NO_AGENCY_MAPPING when unset or unreadable). */
  agencies: AgencyMapping
}

const secretProblems = (secrets: readonly string[], where: string) =>
  secrets.flatMap((secret, i) => {
    try {
      parseSecret(secret)
      return []
    } catch (err) {
      return [`config ${where}/${i}: ${(err as Error).message}`]
    }
  })

/** Checks (and completes: connector sections get their defaults) a loaded config. */
export async function checkConfig(config: HubConfig): Promise<CheckedConfig> {
  const problems = await validateConnectorConfigs(config.connectors)
  const enabled = (id: string) => config.connectors[id]?.enabled === true
  for (const id of Object.keys(config.connectors).filter(enabled)) {
    const routes = await loadConnectorModule(id).then((m) => m.routes ?? [], () => []) // a module that does not load is reported above
    for (const r of routes) if (!(SCOPES as readonly string[]).includes(r.scope)) problems.push(`connectors/${id}: route ${r.url} names an unknown scope "${r.scope}"`)
  }
  problems.push(...clientKeyProblems(config.clients))
  problems.push(...redisSettingProblems(config.redis), ...postgresUrlProblems(config.database.url))
  if (!config.audit.hashKey) problems.push('config /audit/hashKey: required outside the sandbox (set AUDIT_HASH_KEY or AUDIT_HASH_KEY_FILE)')

  // Secrets are parsed here, not on the first request that needs them.
  problems.push(...secretProblems(config.webhooks.nationalPortal.secrets, '/webhooks/nationalPortal/secrets'))
  config.subscribers.forEach((s, i) => problems.push(...secretProblems(s.secrets, `/subscribers/${i}/secrets`)))

  for (const target of Object.keys(config.sync.targets)) {
    if (!enabled(target)) problems.push(`config /sync/targets/${target}: no enabled connector "${target}" to deliver to (enable /connectors/${target} or remove the target)`)
  }
  if (enabled(config.edocs.connector) && config.edocs.connector in config.sync.targets) {
    problems.push(`config /sync/targets/${config.edocs.connector}: the document axis (edocs.connector) is a message target; it cannot also receive dossier snapshots`)
  }

  let agencies = NO_AGENCY_MAPPING
  const mappingFile = config.agencies.mappingFile
  try {
    if (mappingFile) agencies = loadAgencyMapping(isAbsolute(mappingFile) ? mappingFile : fileURLToPath(new URL(`../../${mappingFile}`, import.meta.url)))
  } catch (err) {
    problems.push(`config /agencies/mappingFile: ${(err as Error).message}`)
  }
  return { problems, agencies }
}
