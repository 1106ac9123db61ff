import t from 'tap'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig, ConfigError } from '../../../src/config/load.js'
import { redactConfig } from '../../../src/config/redact.js'

t.test('defaults fill in and the default file enables the population connector', async (t) => {
  const config = loadConfig({ env: {} })
  t.equal(config.server.port, 8080)
  t.equal(config.server.host, '127.0.0.1')
  t.equal(config.redis.keyPrefix, 'lgsp:')
  t.equal(config.database.pgliteDir, './data/pglite')
  t.equal(config.sandbox.enabled, 'auto')
  t.strictSame(config.connectors.population, { enabled: true })
  t.strictSame(config.clients, [])
})

t.test('environment overrides: well-known names, LGSP_ paths, JSON values and _FILE secrets', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lgsp-config-'))
  const secretFile = join(dir, 'key')
  writeFileSync(secretFile, 'file-audit-key-not-a-secret\n')
  const config = loadConfig({
    env: {
      PORT: '9090',
      DATABASE_URL: 'postgres://u:pw@db/hub',
      AUDIT_HASH_KEY_FILE: secretFile,
      LGSP_CONNECTORS__POPULATION__BASE_URL: 'https://pop.example.invalid',
      LGSP_CONNECTORS__POPULATION__AUTH: '{"type":"none"}',
      LGSP_AUDIT__MAX_BATCH: '64',
    },
  })
  t.equal(config.server.port, 9090)
  t.equal(config.database.url, 'postgres://u:pw@db/hub')
  t.equal(config.audit.hashKey, 'file-audit-key-not-a-secret')
  t.equal(config.audit.maxBatch, 64)
  t.strictSame(config.connectors.population, { enabled: true, baseUrl: 'https://pop.example.invalid', auth: { type: 'none' } })
})

t.test('a bad config names every problem, one line each', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lgsp-config-'))
  const file = join(dir, 'hub.json')
  writeFileSync(file, JSON.stringify({ server: { port: 70000, colour: 'blue' }, clients: [{ name: 'x', keySha256: 'nothex', scopes: ['citizens:read', 'fly'] }] }))
  const err = t.throws(() => loadConfig({ env: { LGSP_CONFIG: file, LOG_LEVEL: 'loud' } })) as unknown as ConfigError
  t.ok(err instanceof ConfigError)
  t.ok(err.problems.includes('config /server/port: must be <= 65535'), err.problems.join('\n'))
  t.ok(err.problems.includes('config /server: unknown setting "colour"'))
  t.ok(err.problems.some((p) => p.startsWith('config /clients/0/keySha256: must match pattern')))
  t.ok(err.problems.some((p) => p.startsWith('config /clients/0/scopes/1')))
  t.ok(err.problems.some((p) => p.startsWith('config /log/level')))
})

t.test('an unreadable config file or secret file is a problem, not a crash', async (t) => {
  const err = t.throws(() => loadConfig({ env: { LGSP_CONFIG: '/nonexistent/hub.json', AUDIT_HASH_KEY_FILE: '/nonexistent/key' } })) as unknown as ConfigError
  t.equal(err.problems.length, 2)
  t.match(err.problems[0], /^env AUDIT_HASH_KEY_FILE: cannot read \/nonexistent\/key \(ENOENT\)$|^\/nonexistent\/hub.json/)
})

t.test('secrets are redacted wherever config is shown', async (t) => {
  const shown = redactConfig({
    database: { url: 'postgres://hub:s3cret@db:5432/hub' },
    audit: { hashKey: 'k'.repeat(20) },
    connectors: {
      population: { baseUrl: 'https://x', auth: { type: 'xroad-basic', username: 'u', secretKey: 'sk' } },
      registry: { auth: { type: 'oauth2', clientId: 'id', clientSecret: 'cs' } },
      other: { auth: { type: 'api-key', header: 'X-API-Key', value: 'v' } },
    },
  })
  t.strictSame(shown, {
    database: { url: 'postgres://hub:[redacted]@db:5432/hub' },
    audit: { hashKey: '[redacted]' },
    connectors: {
      population: { baseUrl: 'https://x', auth: { type: 'xroad-basic', username: 'u', secretKey: '[redacted]' } },
      registry: { auth: { type: 'oauth2', clientId: 'id', clientSecret: '[redacted]' } },
      other: { auth: { type: 'api-key', header: 'X-API-Key', value: '[redacted]' } },
    },
  })
})
