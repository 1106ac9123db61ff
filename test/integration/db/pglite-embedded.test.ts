/**
 * The embedded default on disk: a fresh directory is created by initdb in a child process, then
 * opened here with the smaller buffer cache; reopening finds it; bad settings fail at open.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { createPgliteDb, DEFAULT_PGLITE_SHARED_BUFFERS } from '../../../src/db/pglite.js'
import { needsInitdb } from '../../../src/db/pglite-init.js'

const dir = mkdtempSync(join(tmpdir(), 'lgsp-pglite-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

t.test('a fresh directory is created, holds data across a reopen, with the configured buffers', async (t) => {
  const dataDir = join(dir, 'fresh')
  t.equal(needsInitdb(dataDir), true)
  const db = await createPgliteDb({ dataDir, schema: 'hub' })
  t.equal(existsSync(join(dataDir, 'PG_VERSION')), true, 'initdb ran before the open')
  t.equal(needsInitdb(dataDir), false)
  const shown = await db.query<{ shared_buffers: string }>('SHOW shared_buffers')
  t.strictSame(shown.rows, [{ shared_buffers: DEFAULT_PGLITE_SHARED_BUFFERS }])
  await db.query('CREATE TABLE kept (id int primary key, note text)')
  await db.query('INSERT INTO kept VALUES (1, $1)', ['Quảng Ngãi'])
  await db.close()

  const again = await createPgliteDb({ dataDir, schema: 'hub', sharedBuffers: '16MB' })
  t.teardown(() => again.close())
  t.strictSame((await again.query('SELECT id, note FROM kept')).rows, [{ id: 1, note: 'Quảng Ngãi' }])
  t.strictSame((await again.query('SHOW shared_buffers')).rows, [{ shared_buffers: '16MB' }])
})

t.test('a malformed buffer setting is refused before PGlite starts', async (t) => {
  await t.rejects(createPgliteDb({ dataDir: join(dir, 'bad'), sharedBuffers: '32MB; DROP' }), /sharedBuffers must look like 32MB/)
})

t.test('read-only open of a missing directory still refuses without creating it', async (t) => {
  const dataDir = join(dir, 'missing')
  await t.rejects(createPgliteDb({ dataDir, readOnly: true }), /No PGlite database/)
  t.equal(existsSync(dataDir), false)
})
