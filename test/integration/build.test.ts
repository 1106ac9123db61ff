/**
 * The compiled build, as the container image runs it (Dockerfile): `tsc -p tsconfig.build.json`,
 * the config folder copied next to the output, `node <out>/src/main.js start`. Tests run the
 * sources through tsx, which forgives what plain Node does not (an import without `.js`, a
 * type-only import kept at runtime, a file outside the build's include), so this builds it for
 * real and calls it: health, readiness, the OpenAPI document, and a sandbox lookup end to end.
 */
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { cpSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { startChildHub } from '../helpers/processes.js'
import { DEMO_KEY } from '../helpers/hub.js'

t.test('the compiled build starts, answers and stops cleanly', async (t) => {
  // Inside node_modules so the output resolves the packages as /app/dist does in the image.
  const out = join(process.cwd(), 'node_modules', '.cache', `lgsp-build-test-${randomBytes(4).toString('hex')}`)
  t.teardown(() => rmSync(out, { recursive: true, force: true }))
  // --noCheck: `npm test` typechecks first (tsconfig.json covers every file of this build, same
  // options), the emitted files are byte for byte the same with or without it, and this test is
  // about what runs. Skipping the second type check saves about a quarter of tsc's time.
  const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', '--noCheck', '--outDir', out], { encoding: 'utf8' })
  t.equal(tsc.status, 0, `tsc -p tsconfig.build.json compiles\n${tsc.stdout}${tsc.stderr}`)
  if (tsc.status !== 0) return
  cpSync('config', join(out, 'config'), { recursive: true })

  const child = await startChildHub(t, () => ({ sandbox: { enabled: 'auto' }, log: { level: 'warn' } }), { entry: [join(out, 'src', 'main.js')] })
  t.match(child.hub.output(), /API key \(demo\)/, 'prints the demo key')
  t.equal((await fetch(`${child.url}/healthz`)).status, 200, 'live')
  t.equal((await fetch(`${child.url}/readyz`)).status, 200, 'ready: database and Redis answer')
  const openapi = await (await fetch(`${child.url}/openapi.json`)).json() as { paths: Record<string, unknown> }
  t.ok(['/v1/citizens/lookup', '/v1/dossiers/{code}', '/v1/edocs', '/v1/events'].every((p) => p in openapi.paths), 'the OpenAPI document lists the API')
  const lookup = await fetch(`${child.url}/v1/citizens/lookup`, {
    method: 'POST',
    headers: { authorization: `Bearer ${DEMO_KEY}`, 'content-type': 'application/json', 'x-officer-id': 'CB-0001', 'x-purpose': 'build-test' },
    body: JSON.stringify({ personalId: '062090001234', fullName: 'Nguyễn Văn An', dateOfBirth: '1990-05-15' }),
  })
  t.equal(lookup.status, 200, 'a lookup through the population simulator, audited in the ledger')

  const exited = new Promise<number | null>((resolve) => child.hub.proc.once('exit', (code) => resolve(code)))
  child.hub.proc.kill('SIGTERM')
  t.equal(await exited, 0, 'SIGTERM: a graceful exit')
})
