/**
 * Builds the operators' console (console/ → dist/console) with Vite, unless the build is already
 * newer than every source file: `npm start` and `npm test` run this first, so a fresh clone
 * serves the console and a restart costs nothing. `--force` always builds. Build output is never
 * committed. Exits 1 when the build fails; when Vite is not installed (a production install
 * without dev dependencies) but a build exists, it keeps that build.
 */
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const source = join(root, 'console')
const built = join(root, 'dist', 'console', 'index.html')

function newestMtime(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs)
  }
  return newest
}

/** True when dist/console is missing or older than a file under console/. */
export function consoleBuildStale(): boolean {
  return !existsSync(built) || statSync(built).mtimeMs < newestMtime(source)
}

export async function buildConsole(options: { force?: boolean } = {}): Promise<'built' | 'fresh'> {
  if (!options.force && !consoleBuildStale()) return 'fresh'
  const { build } = await import('vite')
  await build({ configFile: join(source, 'vite.config.ts') })
  return 'built'
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const force = process.argv.includes('--force')
  try {
    const outcome = await buildConsole({ force })
    if (outcome === 'built') process.stdout.write('console built into dist/console\n')
  } catch (err) {
    const missingVite = (err as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' && /vite/.test((err as Error).message)
    if (missingVite && existsSync(built)) {
      process.stderr.write('vite is not installed (no dev dependencies); keeping the existing dist/console\n')
    } else {
      process.stderr.write(`console build failed: ${(err as Error).message}\n`)
      process.exitCode = 1
    }
  }
}
