/**
 * Applies pending migrations at boot. Everything runs in one transaction holding an advisory
 * lock, so replicas booting together apply each migration exactly once, and a failing migration
 * leaves the schema as it was.
 */
import type { Logger } from 'pino'
import type { Db } from './types.js'
import { createDb, type DbOptions } from './create-db.js'
import { ADVISORY_XACT_LOCK_SQL, LockPurpose } from './locks.js'
import { migrations as allMigrations, type Migration } from './migrations/index.js'

export interface MigrateOptions {
  log?: Logger
  /** Overrides the built-in list (tests). */
  migrations?: readonly Migration[]
}

/** Applies what is missing and returns the ids it applied (empty when up to date). */
export async function migrate(db: Db, options: MigrateOptions = {}): Promise<number[]> {
  const list = [...(options.migrations ?? allMigrations)].sort((a, b) => a.id - b.id)
  assertUniqueIds(list)
  const applied = await db.transaction(async (tx) => {
    await tx.query(ADVISORY_XACT_LOCK_SQL, [LockPurpose.migrations])
    await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      id         integer     PRIMARY KEY,
      name       text        NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`)
    const done = new Set(
      (await tx.query<{ id: number }>('SELECT id FROM schema_migrations')).rows.map((row) => row.id),
    )
    const newest = list.at(-1)?.id ?? 0
    const unknown = [...done].filter((id) => id > newest)
    if (unknown.length > 0) {
      // A newer release migrated this database (rolling deploy): run, but say so.
      options.log?.warn({ unknown }, 'database has migrations this version does not know')
    }
    const ran: number[] = []
    for (const migration of list) {
      if (done.has(migration.id)) continue
      for (const statement of migration.statements) await tx.query(statement)
      await tx.query('INSERT INTO schema_migrations (id, name) VALUES ($1, $2)', [migration.id, migration.name])
      ran.push(migration.id)
    }
    return ran
  })
  if (applied.length > 0) options.log?.info({ applied }, 'database migrations applied')
  return applied
}

/** createDb + migrate: what the server and the CLI call at boot. */
export async function openDatabase(options: DbOptions = {}): Promise<Db> {
  const db = await createDb(options)
  try {
    await migrate(db, { log: options.log })
  } catch (err) {
    await db.close().catch(() => undefined) // the first error is the one to report
    throw err
  }
  return db
}

function assertUniqueIds(list: readonly Migration[]): void {
  for (let i = 1; i < list.length; i++) {
    if (list[i]!.id === list[i - 1]!.id) throw new Error(`Two migrations share id ${list[i]!.id}`)
  }
}
