/**
 * `npm run indicators:rebuild`: rebuilds the indicator model from the ledger (rebuild.ts) on the
 * configured database, migrating it first. Exit codes: 0 done, 1 bad config, 2 failed.
 * In the sandbox (no upstream configured) the sandbox's fake audit key reads the hub's facts.
 */
import { isAbsolute } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { HubConfig } from '../../schemas/config.js'
import { openDatabase } from '../db/migrate.js'
import { loadAgencyMapping, NO_AGENCY_MAPPING } from '../agency-mapping.js'
import { decideSandbox } from '../config/sandbox.js'
import { createFactsReader } from '../sync/hub-facts.js'
import { SANDBOX_AUDIT_KEY } from '../config/sandbox.js'
import { createIndicatorService } from './index.js'
import { rebuildIndicators } from './rebuild.js'

export async function runIndicatorsRebuild(config: HubConfig, out: NodeJS.WritableStream): Promise<number> {
  const hashKey = config.audit.hashKey ?? (decideSandbox(config).simulate.length > 0 ? SANDBOX_AUDIT_KEY : undefined)
  if (!hashKey) {
    out.write('config /audit/hashKey: required outside the sandbox (set AUDIT_HASH_KEY or AUDIT_HASH_KEY_FILE): the reuse facts are keyed by it\n')
    return 1
  }
  const file = config.agencies.mappingFile
  const agencies = file ? loadAgencyMapping(isAbsolute(file) ? file : fileURLToPath(new URL(`../../${file}`, import.meta.url))) : NO_AGENCY_MAPPING
  const db = await openDatabase({
    ...(config.database.url ? { url: config.database.url } : { pgliteDir: config.database.pgliteDir }),
    schema: config.database.schema, poolSize: 1,
  })
  try {
    const service = createIndicatorService({ db, config, agencies, targets: Object.keys(config.sync.targets) })
    const started = performance.now()
    const r = await rebuildIndicators({ db, agencies, facts: createFactsReader(hashKey), recordInbox: service.recordInbox })
    out.write(`indicator model rebuilt in ${Math.round(performance.now() - started)} ms: ${r.dossiers} dossiers, ${r.feedback} feedback events, ${r.edocsSent} documents sent over the axis, ${r.edocStatuses} statuses on them\n`)
    return 0
  } finally {
    await db.close()
  }
}
