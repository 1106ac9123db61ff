/**
 * The high-availability settings (docs/high-availability.md): Sentinel and Cluster from the
 * environment, passwords from files and never shown, contradictions named at boot, and the
 * BullMQ prefix a hash tag only on Cluster.
 */
import t from 'tap'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../../../src/config/load.js'
import { redactConfig } from '../../../src/config/redact.js'
import { createRedisConnector, redisSettingProblems } from '../../../src/redis.js'

t.test('Sentinel from the environment, passwords from files, redacted when shown', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lgsp-config-ha-'))
  writeFileSync(join(dir, 'redis'), 'data-node-password-not-a-secret\n')
  writeFileSync(join(dir, 'sentinel'), 'sentinel-password-not-a-secret\n')
  const config = loadConfig({
    env: {
      LGSP_REDIS__SENTINEL__NAME: 'lgsp',
      LGSP_REDIS__SENTINEL__SENTINELS: '["s1:26379","s2:26379","s3:26379"]',
      REDIS_PASSWORD_FILE: join(dir, 'redis'),
      REDIS_SENTINEL_PASSWORD_FILE: join(dir, 'sentinel'),
      DATABASE_URL: 'postgres://hub:pw@pg1:5432,pg2:5432/lgsp?target_session_attrs=read-write',
      LGSP_DATABASE__FAILOVER_RETRY_MS: '5000',
    },
  })
  t.strictSame(config.redis.sentinel, { name: 'lgsp', sentinels: ['s1:26379', 's2:26379', 's3:26379'], password: 'sentinel-password-not-a-secret' })
  t.equal(config.redis.password, 'data-node-password-not-a-secret')
  t.equal(config.database.failoverRetryMs, 5000)
  t.strictSame(redisSettingProblems(config.redis), [], 'a consistent Sentinel setting')
  const shown = redactConfig(config)
  t.strictSame([shown.redis.password, shown.redis.sentinel?.password, shown.database.url], ['[redacted]', '[redacted]', 'postgres://hub:[redacted]@pg1:5432,pg2:5432/lgsp?target_session_attrs=read-write'])
})

t.test('contradicting or malformed Redis settings are named, one line each', async (t) => {
  t.strictSame(redisSettingProblems({ url: 'redis://r:6379', sentinel: { name: 'm', sentinels: ['s1:26379', 'nope'] }, tls: { caFile: '/nonexistent/ca.pem' } }), [
    'config /redis: set one of url, sentinel and cluster, not url and sentinel',
    'config /redis/sentinel/sentinels: "nope" is not host:port',
    'config /redis/tls/caFile: cannot read /nonexistent/ca.pem (ENOENT)',
  ])
  t.equal(loadConfig({ env: {} }).database.failoverRetryMs, 3000, 'failoverRetryMs defaults to 3 s')
})

t.test('the BullMQ prefix is a hash tag only on Cluster', async (t) => {
  t.strictSame(['standalone', 'sentinel', 'cluster'].map((mode) => {
    const c = createRedisConnector(mode === 'cluster' ? { cluster: { nodes: ['n1:6379'] } } : mode === 'sentinel' ? { sentinel: { name: 'm', sentinels: ['s:26379'] } } : { url: 'redis://r:6379' })
    return [c.mode, c.bullPrefix('lgsp:')]
  }), [['standalone', 'lgsp:bull'], ['sentinel', 'lgsp:bull'], ['cluster', '{lgsp:bull}']])
})
