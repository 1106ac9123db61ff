/**
 * A migrated ledger for database tests: in-memory PGlite, or PostgreSQL in a private schema
 * dropped in teardown.
 */
import { randomBytes } from 'node:crypto'
import { createDb } from '../../src/db/create-db.js'
import { migrate } from '../../src/db/migrate.js'
import type { Db } from '../../src/db/types.js'
import { TEST_DATABASE_URL, type DbKind } from './hub.js'

export async function openTestDb(t: { teardown(fn: () => unknown): void }, kind: DbKind, poolSize = 2): Promise<{ db: Db; schema: string }> {
  const schema = `t_${randomBytes(5).toString('hex')}`
  const db = await createDb(kind === 'postgres' ? { url: TEST_DATABASE_URL, schema, poolSize } : { pgliteDir: 'memory://', schema })
  t.teardown(async () => {
    if (kind === 'postgres') await db.query(`DROP SCHEMA ${schema} CASCADE`)
    await db.close()
  })
  await migrate(db)
  return { db, schema }
}
