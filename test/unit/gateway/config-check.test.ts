/**
 * Boot-time config checks (src/config/check.ts): every problem a schema cannot express stops the
 * boot with one line naming the setting — before anything connects — instead of failing a
 * request later (a bad `whsec_` secret used to make every webhook a 500).
 */
import t from 'tap'
import { spawn } from 'node:child_process'
import { loadConfig, ConfigError } from '../../../src/config/load.js'
import { checkConfig } from '../../../src/config/check.js'
import { startHub } from '../../../src/server.js'
import { NO_AGENCY_MAPPING } from '../../../src/agency-mapping.js'

const OFF = { population: { enabled: false }, 'national-portal': { enabled: false }, 'business-registry': { enabled: false }, 'document-axis': { enabled: false }, 'civil-status': { enabled: false } }
/** A config with nothing to connect to: only the checks under test can fail it. */
const base = (over: Record<string, unknown> = {}) => loadConfig({
  env: {},
  overrides: { sandbox: { enabled: false }, audit: { hashKey: 'test-audit-key-not-a-secret' }, connectors: OFF, sync: { targets: {} }, ...over },
})
const BAD_SECRET = 'whsec_not base64!'

t.test('a config that passes: no problems, and the agency mapping is read', async (t) => {
  const { problems, agencies } = await checkConfig(base({ webhooks: { nationalPortal: { secrets: ['whsec_c2FuZGJveA=='] } } }))
  t.strictSame(problems, [])
  t.not(agencies, NO_AGENCY_MAPPING, 'the default mapping file was read')
})

t.test('a bad whsec_ secret is named at boot, for the portal and for a subscriber', async (t) => {
  const { problems } = await checkConfig(base({
    webhooks: { nationalPortal: { secrets: ['whsec_c2FuZGJveA==', BAD_SECRET] } },
    subscribers: [{ name: 'one-stop', url: 'https://one-stop.example.invalid/hook', secrets: ['whsec_'] }],
  }))
  t.strictSame(problems, [
    'config /webhooks/nationalPortal/secrets/1: webhook secret: the part after "whsec_" must be standard base64 (with padding); generate one with generateSecret()',
    'config /subscribers/0/secrets/0: webhook secret: the part after "whsec_" must be standard base64 (with padding); generate one with generateSecret()',
  ])
})

t.test('every other problem at once, one line each', async (t) => {
  const { problems } = await checkConfig(base({
    audit: { hashKey: undefined },
    agencies: { mappingFile: '/nonexistent/agency-mapping.json' },
    connectors: { ...OFF, 'civil-status': { enabled: true, baseUrl: 'https://hotich.example.invalid', provinceCode: 'KT', auth: { type: 'none' } }, 'document-axis': { enabled: true, baseUrl: 'https://vxp.example.invalid', systemId: 's', secret: 'x', organId: '000.00.00.H34', organName: 'UBND' } },
    sync: { targets: { 'national-portal': {}, 'document-axis': {} } },
    clients: [{ name: 'c', keySha256: 'a'.repeat(64), scopes: ['admin'], expiresAt: '2026-13-45' }],
    redis: { url: 'redis://127.0.0.1:6379', cluster: { nodes: ['127.0.0.1:7000'] } },
    database: { url: 'mysql://a/x' },
  }))
  t.ok(problems.some((p) => p.startsWith('config /connectors/civil-status/provinceCode: must match pattern')), problems.join('\n'))
  t.ok(problems.includes('config /audit/hashKey: required outside the sandbox (set AUDIT_HASH_KEY or AUDIT_HASH_KEY_FILE)'))
  t.ok(problems.includes('config /sync/targets/national-portal: no enabled connector "national-portal" to deliver to (enable /connectors/national-portal or remove the target)'))
  t.ok(problems.includes('config /sync/targets/document-axis: the document axis (edocs.connector) is a message target; it cannot also receive dossier snapshots'))
  t.ok(problems.some((p) => p.startsWith('config /agencies/mappingFile: ')))
  t.ok(problems.includes('config /clients/0/expiresAt: "2026-13-45" is not a date'))
  t.ok(problems.includes('config /redis: set one of url, sentinel and cluster, not url and cluster'), problems.join('\n'))
  t.ok(problems.includes('config /database/url: not a postgres:// or postgresql:// URL'), problems.join('\n'))
})

t.test('startHub refuses before connecting to anything, with every problem in one ConfigError', async (t) => {
  // Redis and the database point nowhere: reaching them would fail differently.
  const config = base({
    webhooks: { nationalPortal: { secrets: [BAD_SECRET] } },
    sync: { targets: { 'national-portal': {} } },
    redis: { url: 'redis://127.0.0.1:1' },
    database: { url: 'postgres://nobody@127.0.0.1:1/none' },
  })
  const err = await startHub({ config, listen: false }).then(() => undefined, (e: unknown) => e)
  t.ok(err instanceof ConfigError, String(err))
  t.match((err as ConfigError).problems, [/^config \/webhooks\/nationalPortal\/secrets\/0: /, /^config \/sync\/targets\/national-portal: /])
})

t.test('the command line exits 1 with the line, not a stack', async (t) => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'start'], {
    env: {
      PATH: process.env.PATH ?? '', LGSP_SANDBOX__ENABLED: 'false', AUDIT_HASH_KEY: 'test-audit-key-not-a-secret', PORT: '0',
      LGSP_CONNECTORS: JSON.stringify(OFF), LGSP_SYNC__TARGETS: '{}', LGSP_WEBHOOKS__NATIONAL_PORTAL__SECRETS: JSON.stringify([BAD_SECRET]),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
  t.equal(code, 1, stderr)
  t.equal(stderr.trim(), 'config /webhooks/nationalPortal/secrets/0: webhook secret: the part after "whsec_" must be standard base64 (with padding); generate one with generateSecret()')
})
