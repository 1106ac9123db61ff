/** The ledger database: one interface over PostgreSQL and embedded PGlite. */
export type { Db, Queryable, QueryResult } from './types.js'
export { createDb, DEFAULT_PGLITE_DIR, type DbOptions } from './create-db.js'
export { migrate, openDatabase, type MigrateOptions } from './migrate.js'
export { ADVISORY_XACT_LOCK_SQL, LockPurpose } from './locks.js'
