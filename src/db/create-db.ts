/**
 * Opens the ledger database: PostgreSQL when a URL is given, otherwise embedded PGlite.
 * It does not migrate; see `openDatabase` in migrate.ts for create + migrate.
 */
import type { Logger } from 'pino'
import type { Db } from './types.js'
import { createPostgresDb } from './postgres.js'
import { createPgliteDb } from './pglite.js'

export interface DbOptions {
  /** `postgres://…` URL; when unset the embedded PGlite back end is used. */
  url?: string
  /** PGlite data directory (created when missing) or `memory://`; default `./data/pglite`. */
  pgliteDir?: string
  /** Schema holding every table, created when missing; default `public`. */
  schema?: string
  log?: Logger
  /** PostgreSQL connections in the pool; default 10 (ignored by PGlite: one connection). */
  poolSize?: number
  /** PostgreSQL: honour `QueryOptions.prepare` (default true); false behind a pooler without prepared statements. */
  preparedStatements?: boolean
  /** Create nothing and refuse every write (audit:verify). */
  readOnly?: boolean
  /** PGlite only: start from this data-directory dump instead of an empty cluster (tests: a migrated template). */
  pgliteDump?: Blob
}

export const DEFAULT_PGLITE_DIR = './data/pglite'

export async function createDb(options: DbOptions = {}): Promise<Db> {
  const log = options.log?.child({ component: 'db' })
  if (options.url) {
    return createPostgresDb({ url: options.url, schema: options.schema, log, poolSize: options.poolSize, readOnly: options.readOnly, ...(options.preparedStatements === false && { preparedStatements: false }) })
  }
  return createPgliteDb({ dataDir: options.pgliteDir ?? DEFAULT_PGLITE_DIR, schema: options.schema, log, readOnly: options.readOnly, ...(options.pgliteDump && { loadDataDir: options.pgliteDump }) })
}
