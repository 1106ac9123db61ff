/**
 * A migrated ledger for database tests: in-memory PGlite loaded from a migrated template (see
 * pglite-template.ts), or PostgreSQL in a private schema dropped in teardown.
 */
import { randomBytes } from 'node:crypto'
import { createDb } from '../../src/db/create-db.js'
import { migrate } from '../../src/db/migrate.js'
import type { Db } from '../../src/db/types.js'
import { TEST_DATABASE_URL, type DbKind } from './hub.js'
import { pgliteTemplate } from './pglite-template.js'

export async function openTestDb(t: { teardown(fn: () => unknown): void }, kind: DbKind, poolSize = 2): Promise<{ db: Db; schema: string }> {
  if (kind === 'pglite') {
    // Its own cluster: the schema needs no random name.
    const db = await createDb({ pgliteDir: 'memory://', pgliteDump: await pgliteTemplate('migrated'), schema: 'public' })
    t.teardown(() => db.close())
    await migrate(db) // a no-op on the template, kept so the test sees what boot does
    return { db, schema: 'public' }
  }
  const schema = `t_${randomBytes(5).toString('hex')}`
  const db = await createDb({ url: TEST_DATABASE_URL, schema, poolSize })
  t.teardown(async () => {
    await db.query(`DROP SCHEMA ${schema} CASCADE`)
    await db.close()
  })
  await migrate(db)
  return { db, schema }
}
