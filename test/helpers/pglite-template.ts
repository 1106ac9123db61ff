/**
 * PGlite databases for tests, loaded from a template instead of created: a new PGlite cluster
 * runs initdb in WASM, which costs seconds (≈ 80 % of opening a database), while loading a dump
 * of a cluster made once costs a fraction of it and touches no disk. The templates — an empty
 * cluster, and one migrated in schema `public` as the hub does — are dumped once per machine
 * into the temporary directory (as tsx keeps its cache), named by the PGlite version and the
 * migrations (and the code that applies them), so a changed migration builds a new one; each test
 * process reads them once. Every test still gets an in-memory database of its own.
 */
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { PGlite } from '@electric-sql/pglite'
import { createDb } from '../../src/db/create-db.js'
import { migrate } from '../../src/db/migrate.js'
import { migrations } from '../../src/db/migrations/index.js'

export type TemplateKind = 'empty' | 'migrated'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const CACHE = join(tmpdir(), 'lgsp-test-pglite')

function templateFile(kind: TemplateKind): string {
  const pglite = JSON.parse(readFileSync(join(ROOT, 'node_modules', '@electric-sql', 'pglite', 'package.json'), 'utf8')).version as string
  const hash = createHash('sha256').update(pglite)
  for (const file of ['src/db/pglite.ts', 'src/db/type-parsers.ts']) hash.update(readFileSync(join(ROOT, file)))
  if (kind === 'migrated') {
    hash.update(JSON.stringify(migrations.map((m) => [m.id, m.statements])))
    hash.update(readFileSync(join(ROOT, 'src/db/migrate.ts')))
  }
  return join(CACHE, `${kind}-${hash.digest('hex').slice(0, 16)}.tar`)
}

const loaded = new Map<TemplateKind, Promise<Blob>>()

/** The template's dump, built on first use on this machine (safe when test processes race). */
export function pgliteTemplate(kind: TemplateKind): Promise<Blob> {
  let dump = loaded.get(kind)
  if (!dump) {
    dump = (async () => {
      const file = templateFile(kind)
      if (!existsSync(file)) {
        mkdirSync(CACHE, { recursive: true })
        // What the hub does at boot on an empty ledger (in a scratch directory), then dumped.
        const scratch = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`
        try {
          const db = await createDb({ pgliteDir: scratch, schema: 'public' })
          try {
            if (kind === 'migrated') await migrate(db)
          } finally {
            await db.close()
          }
          const raw = await PGlite.create(scratch)
          const dump = await raw.dumpDataDir('none')
          await raw.close()
          writeFileSync(`${scratch}.tar`, Buffer.from(await dump.arrayBuffer()))
          renameSync(`${scratch}.tar`, file) // atomic: a racing process sees the whole file or none
        } finally {
          rmSync(scratch, { recursive: true, force: true })
          rmSync(`${scratch}.tar`, { force: true })
        }
      }
      return new Blob([readFileSync(file)])
    })()
    loaded.set(kind, dump)
  }
  return dump
}
