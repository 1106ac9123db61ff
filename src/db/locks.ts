/**
 * Advisory lock keys. Both keys of the two-int form are used: the first names the purpose, the
 * second is a hash of the current schema, so tenants (and test runs) in separate schemas of one
 * PostgreSQL do not block each other while replicas sharing a schema do.
 */
export const LockPurpose = {
  migrations: 0x4c470001,
  auditChain: 0x4c470002,
  inboxSeq: 0x4c470003,
} as const

/**
 * Takes a transaction-scoped advisory lock ($1 = a LockPurpose). `coalesce` matters: with a
 * missing schema current_schema() is NULL and the strict lock function would silently not lock.
 */
export const ADVISORY_XACT_LOCK_SQL =
  "SELECT pg_advisory_xact_lock($1::int4, hashtext(coalesce(current_schema(), ''))) AS locked"

/**
 * The same lock, waited for at most $1 (a `lock_timeout` value such as `'5000ms'`, for this
 * transaction) and $2 = a LockPurpose: one round trip instead of two. The MATERIALIZED CTE is
 * what orders them: its row, and so the setting, exists before the lock call that consumes it.
 */
export const ADVISORY_XACT_LOCK_WITH_TIMEOUT_SQL =
  "WITH timeout AS MATERIALIZED (SELECT set_config('lock_timeout', $1, true)) " +
  "SELECT pg_advisory_xact_lock($2::int4, hashtext(coalesce(current_schema(), ''))) AS locked FROM timeout"
