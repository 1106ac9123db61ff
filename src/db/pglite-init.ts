/**
 * Creates a fresh PGlite data directory in a short-lived child process.
 *
 * PGlite runs `initdb` in a second WASM instance inside the calling process; the memory that
 * instance touches (about 450 MB) is not handed back to the operating system when it closes, so
 * a hub started on a fresh directory stayed near 940 MB of RSS for its whole life (the same hub
 * on an existing directory: under half). Doing `initdb` in a child that exits returns it all.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'

/** True when `dataDir` holds no PostgreSQL cluster yet (PGlite would run initdb). */
export function needsInitdb(dataDir: string): boolean {
  return !existsSync(join(dataDir, 'PG_VERSION'))
}

const CHILD = `
const [moduleUrl, dataDir] = process.argv.slice(1)
const { PGlite } = await import(moduleUrl)
const db = await PGlite.create(dataDir)
await db.close()
`

/** Runs PGlite's initdb for `dataDir` in a child process; rejects with its stderr on failure. */
export function initdbInChild(dataDir: string, timeoutMs = 120_000): Promise<void> {
  const moduleUrl = import.meta.resolve('@electric-sql/pglite')
  return new Promise((resolvePromise, reject) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', CHILD, moduleUrl, dataDir],
      { timeout: timeoutMs, maxBuffer: 1024 * 1024 },
      (err, _stdout, stderr) => {
        if (err) reject(new Error(`PGlite initdb in ${dataDir} failed: ${stderr.trim().slice(-500) || err.message}`))
        else resolvePromise()
      },
    )
  })
}
