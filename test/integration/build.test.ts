/**
 * The compiled build, as the container image runs it (Dockerfile): `tsc -p tsconfig.build.json`,
 * the config folder copied next to the output, `node <out>/src/main.js start`. Tests run the
 * sources through tsx, which forgives what plain Node does not (an import without `.js`, a
 * type-only import kept at runtime, a file outside the build's include), so this builds it for
 * real and calls it: health, readiness, the OpenAPI document, and a sandbox lookup end to end;
 * then the operator commands as the image runs them (audit:verify, edxml:inspect, and config:show
 * with compose.yaml's _FILE secrets).
 */
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { cpSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { startChildHub } from '../helpers/processes.js'
import { DEMO_KEY, TEST_DATABASE_URL } from '../helpers/hub.js'

t.test('the compiled build starts, answers and stops cleanly', async (t) => {
  // Inside node_modules so the output resolves the packages as /app/dist does in the image.
  const out = join(process.cwd(), 'node_modules', '.cache', `lgsp-build-test-${randomBytes(4).toString('hex')}`)
  t.teardown(() => rmSync(out, { recursive: true, force: true }))
  // --noCheck --noResolve: `npm test` typechecks first (tsconfig.json covers every file of this
  // build, same options), and this test is about what runs. The build's include already lists
  // every file it emits, so tsc need not follow imports into node_modules' declarations (1,210
  // files parsed instead of 317); the emitted files, source maps included, are byte for byte
  // those of `npm run build` (checked with `diff -r`). Half the CPU and a third of the memory.
  const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json', '--noCheck', '--noResolve', '--outDir', out], { encoding: 'utf8' })
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

  // The operator commands as the image runs them: the Dockerfile points the npm scripts at the
  // compiled entry (`npm pkg set 'scripts.<name>=node dist/src/main.js <command>'`).
  const scripts = [...readFileSync('Dockerfile', 'utf8').matchAll(/'scripts\.([\w:]+)=node dist\/src\/main\.js ([\w:]+)'/g)].map((m) => ({ name: m[1]!, command: m[2]! }))
  t.strictSame(scripts.map((s) => s.name).sort(), ['audit:verify', 'config:show', 'edxml:inspect', 'indicators:rebuild', 'start'], 'the image rewrites the operator scripts')
  const operator = (command: string, args: string[], env: Record<string, string>) =>
    spawnSync(process.execPath, [join(out, 'src', 'main.js'), command, ...args], { encoding: 'utf8', env: { ...process.env, ...env } })
  const ledger = { DATABASE_URL: TEST_DATABASE_URL, LGSP_DATABASE__SCHEMA: child.schema, AUDIT_HASH_KEY: 'crash-test-audit-key-not-a-secret' }
  const verify = operator('audit:verify', [], ledger)
  t.equal(verify.status, 0, `audit:verify checks the chain the lookup extended\n${verify.stdout}${verify.stderr}`)
  const inspect = operator('edxml:inspect', ['test/fixtures/edxml/legacy-hub-package.edxml'], {})
  t.equal(inspect.status, 0, `edxml:inspect reads a package\n${inspect.stderr}`)
  t.match(JSON.parse(inspect.stdout), { ok: true }, 'as JSON')
  // config:show with compose.yaml's environment: the example config and every secret as a _FILE.
  const secrets = 'deploy/secrets.example'
  const shown = operator('config:show', [], {
    LGSP_CONFIG: 'config/production.example.json', DATABASE_URL_FILE: `${secrets}/database_url`, AUDIT_HASH_KEY_FILE: `${secrets}/audit_hash_key`,
    LGSP_WEBHOOKS__NATIONAL_PORTAL__SECRETS_FILE: `${secrets}/portal_webhook_secrets`, LGSP_CONNECTORS__NATIONAL_PORTAL__PASSWORD_FILE: `${secrets}/national_portal_password`,
    LGSP_CONNECTORS__DOCUMENT_AXIS__SECRET_FILE: `${secrets}/document_axis_secret`, LGSP_CONNECTORS__POPULATION__AUTH__SECRET_KEY_FILE: `${secrets}/population_secret_key`,
    LGSP_CONNECTORS__BUSINESS_REGISTRY__AUTH__CLIENT_SECRET_FILE: `${secrets}/business_registry_client_secret`,
  })
  t.equal(shown.status, 0, `config:show loads the compose configuration\n${shown.stderr}`)
  const effective = JSON.parse(shown.stdout) as Record<string, any>
  t.match(effective, {
    database: { url: 'postgres://lgsp:[redacted]@postgres:5432/lgsp', schema: 'lgsp' },
    audit: { hashKey: '[redacted]' },
    webhooks: { nationalPortal: { secrets: ['[redacted]'] } },
    connectors: {
      'national-portal': { password: '[redacted]' }, 'document-axis': { secret: '[redacted]' },
      population: { auth: { secretKey: '[redacted]' } }, 'business-registry': { auth: { clientSecret: '[redacted]' } },
    },
  }, 'every secret read and shown redacted')
  for (const name of readdirSync(secrets).filter((f) => f !== 'README.md')) {
    const value = readFileSync(join(secrets, name), 'utf8').trim()
    t.notOk(shown.stdout.includes(value.replace(/^\["|"\]$/g, '')), `${name}: its value is not printed`)
  }

  const exited = new Promise<number | null>((resolve) => child.hub.proc.once('exit', (code) => resolve(code)))
  child.hub.proc.kill('SIGTERM')
  t.equal(await exited, 0, 'SIGTERM: a graceful exit')
})
