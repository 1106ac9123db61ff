/**
 * Finding 3: with the sandbox at `auto` and one connector without a baseUrl, the hub started a
 * "partial sandbox" that served the well-known demo key beside real upstreams; the image listened
 * on 0.0.0.0 with the sandbox at `auto`.
 */
import t from 'tap'
import { decideSandbox } from '../../../src/config/sandbox.js'
import { loadConfig, ConfigError } from '../../../src/config/load.js'
import { startHub } from '../../../src/server.js'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { TEST_REDIS_URL, deleteRedisPrefix } from '../../helpers/hub.js'

const connectors = (withUrl: string[]) => Object.fromEntries(['population', 'national-portal'].map((id) => [id, { enabled: true, ...(withUrl.includes(id) && { baseUrl: `https://${id}.example` }) }]))
const decide = (enabled: 'auto' | boolean, withUrl: string[], host = '127.0.0.1') =>
  decideSandbox({ connectors: connectors(withUrl), sandbox: { enabled, demoKey: 'demo', sampleSubscriber: false }, server: { host } as never })

t.test('auto: a sandbox only when every enabled connector is simulated, on loopback', async (t) => {
  t.strictSame(decide('auto', []), { simulate: ['population', 'national-portal'], problems: [] })
  t.strictSame(decide('auto', [], '::1').simulate, ['population', 'national-portal'])
  t.strictSame(decide('auto', ['population', 'national-portal']), { simulate: [], problems: [] })
  t.strictSame(decide('auto', ['population']), { simulate: [], problems: [
    'config /connectors/national-portal/baseUrl: required when the sandbox is off (set LGSP_CONNECTORS__NATIONAL_PORTAL__BASE_URL)',
    'config /sandbox/enabled: `auto` starts a sandbox only when no connector has a baseUrl; set every baseUrl above, or LGSP_SANDBOX__ENABLED=true for a deliberate partial sandbox (it adds the well-known demo key)',
  ] })
  t.strictSame(decide('auto', [], '0.0.0.0'), { simulate: [], problems: [
    "config /sandbox/enabled: `auto` never starts a sandbox (with its well-known demo key) on the non-loopback address 0.0.0.0; configure the connectors' baseUrls, listen on 127.0.0.1 (HOST), or set LGSP_SANDBOX__ENABLED=true",
  ] })
})

t.test('true and false are obeyed as said', async (t) => {
  t.strictSame(decide(true, ['population'], '0.0.0.0'), { simulate: ['national-portal'], problems: [] })
  t.strictSame(decide(false, ['population']), { simulate: [], problems: ['config /connectors/national-portal/baseUrl: required when the sandbox is off (set LGSP_CONNECTORS__NATIONAL_PORTAL__BASE_URL)'] })
})

t.test('the production example with the sandbox at auto and one baseUrl missing does not start', async (t) => {
  const example = JSON.parse(readFileSync('config/production.example.json', 'utf8'))
  delete example.connectors.population.baseUrl
  example.sandbox.enabled = 'auto'
  const dir = mkdtempSync(join(tmpdir(), 'lgsp-sandbox-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, 'config.json'), JSON.stringify(example))
  // Private Redis prefix and in-memory ledger: before the fix this hub started in full.
  const prefix = `test:${randomBytes(4).toString('hex')}:`
  t.teardown(() => deleteRedisPrefix(prefix))
  const config = loadConfig({ env: { LGSP_CONFIG: join(dir, 'config.json'), AUDIT_HASH_KEY: 'test-audit-key-not-a-secret', PORT: '0', REDIS_URL: TEST_REDIS_URL }, overrides: { redis: { keyPrefix: prefix }, database: { pgliteDir: 'memory://' } } })
  const err = await startHub({ config, listen: false }).then(async (hub) => { await hub.close(); return 'started' }, (e: unknown) => e)
  t.type(err, ConfigError)
  t.strictSame((err as ConfigError).problems, [
    'config /connectors/population/baseUrl: required when the sandbox is off (set LGSP_CONNECTORS__POPULATION__BASE_URL)',
    'config /sandbox/enabled: `auto` starts a sandbox only when no connector has a baseUrl; set every baseUrl above, or LGSP_SANDBOX__ENABLED=true for a deliberate partial sandbox (it adds the well-known demo key)',
  ])
})

t.test('the image\'s environment (Dockerfile ENV) starts no sandbox and asks for every baseUrl', async (t) => {
  const line = readFileSync('Dockerfile', 'utf8').split('\n').filter((l) => l.startsWith('ENV ')).at(-1)!
  const env = Object.fromEntries([...line.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1]!, m[2]!]))
  t.match(env, { HOST: '0.0.0.0', LGSP_SANDBOX__ENABLED: 'false' }, 'the final stage listens everywhere with the sandbox off')
  const config = loadConfig({ env: { ...env, AUDIT_HASH_KEY: 'test-audit-key-not-a-secret' } })
  t.equal(config.sandbox.enabled, false)
  const decision = decideSandbox(config)
  const enabled = Object.entries(config.connectors).filter(([, s]) => s.enabled).map(([id]) => id)
  t.strictSame(decision.simulate, [], 'no simulator, so no demo key')
  t.strictSame(decision.problems.map((p) => /^config \/connectors\/([\w-]+)\/baseUrl: required/.exec(p)?.[1]), enabled, 'each enabled connector\'s baseUrl is asked for')
})
