/**
 * Agency codes after a merger (src/agency-mapping.ts): a dossier keeps the code the one-stop
 * software sent beside the current one it is routed by (NULL when they are the same). And the
 * hub's own facts about a dossier (src/sync/hub-facts.ts) read the audit log by purpose = the
 * dossier's code, once per accept batch: indexed, so that read never scans the log.
 */
import type { Migration } from './types.js'

export const agencyMergerMigration: Migration = {
  id: 10,
  name: 'agency-merger',
  statements: [
    'ALTER TABLE dossiers ADD COLUMN IF NOT EXISTS original_agency_code text',
    'CREATE INDEX IF NOT EXISTS audit_log_purpose_idx ON audit_log (purpose, connector) WHERE outcome = \'ok\'',
  ],
}
