/** Every migration, in order. Add new ones at the end with the next id. */
import type { Migration } from './types.js'
import { auditLogMigration } from './001-audit-log.js'
import { outboxMigration } from './002-outbox.js'
import { documentsMigration } from './003-documents.js'
import { inboxMigration } from './004-inbox.js'
import { edocsMigration } from './005-edocs.js'
import { syncBatchMigration } from './006-sync-batch.js'
import { edocReceivingMigration } from './007-edoc-receiving.js'
import { inboxRetentionMigration } from './008-inbox-retention.js'
import { outboxFinishedMigration } from './009-outbox-finished.js'
import { portalContractMigration } from './010-portal-contract.js'
import { auditKeyedChainMigration } from './012-audit-keyed-chain.js'
import { indicatorsMigration } from './013-indicators.js'
import { interlinkedMigration } from './014-interlinked.js'
import { indicatorMonthlyMigration } from './015-indicator-monthly.js'

export type { Migration } from './types.js'

export const migrations: readonly Migration[] = [auditLogMigration, outboxMigration, documentsMigration, inboxMigration, edocsMigration, syncBatchMigration, edocReceivingMigration, inboxRetentionMigration, outboxFinishedMigration, portalContractMigration, auditKeyedChainMigration, indicatorsMigration, interlinkedMigration, indicatorMonthlyMigration]
