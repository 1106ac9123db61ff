import t from 'tap'
import { Value } from 'typebox/value'
import { AuthConfigSchema, createAuthStrategy, xroadSignature } from '../../../src/upstream/auth/index.js'

const url = new URL('https://ndxp.example.gov.vn/api/citizens?op=TraCuu')
const signal = new AbortController().signal
const now = () => 1_700_000_000_123
// Hand-computed: printf '%s' "<url>hub-kontum<ts>s3cr3t-key" | sha256sum, then base64 "hub-kontum:<hex>".
const SECONDS_VECTOR = 'Basic aHViLWtvbnR1bTpiNTAzMmM3MmY5MDk3Zjk1ODRmMzhjNzQ4OWZjMWVlZjFlNzhkMjBhMDhjYjJkY2YyNDZlODEyMTNlOWQ3NGZi'
const MILLIS_VECTOR = 'Basic aHViLWtvbnR1bTpmZDc2NWUwMTI5MzEzNTFlN2E4ZDA0MGNiYmUwMjJlNWE0NGM5MjU1Zjk1MTdjNmE4MjgwYWI1MDY4ZjllZGIy'
const AUTH_URL_VECTOR = 'Basic aHViLWtvbnR1bTpkNmUzNmMyODQyY2FhMzQ1ZjUyZmQ0NmEyZjA5MTdkM2RhNDRiNzVmMDkwMDNkNzk5NGQzNzk4YWUzNDc3ZjJh'

t.test('xroad-basic signs the full request URL with a seconds timestamp by default', async (t) => {
  const auth = createAuthStrategy({ type: 'xroad-basic', username: 'hub-kontum', secretKey: 's3cr3t-key' }, { now })
  t.strictSame(await auth.headers(url, signal), { Timestamp: '1700000000', Authorization: SECONDS_VECTOR })
  t.equal(xroadSignature(url.href, 'hub-kontum', '1700000000', 's3cr3t-key'), SECONDS_VECTOR)
})

t.test('xroad-basic: milliseconds, fixed authUrl, X-Road-Client and API key', async (t) => {
  const ms = createAuthStrategy({
    type: 'xroad-basic', username: 'hub-kontum', secretKey: 's3cr3t-key', timestampUnit: 'ms',
    xRoadClient: 'VN/GOV/000.00.00.H34/MOTCUA', apiKey: 'k-123', apiKeyHeader: 'apikey',
  }, { now })
  t.strictSame(await ms.headers(url, signal), {
    Timestamp: '1700000000123', Authorization: MILLIS_VECTOR, 'X-Road-Client': 'VN/GOV/000.00.00.H34/MOTCUA', apikey: 'k-123',
  })
  const fixed = createAuthStrategy({ type: 'xroad-basic', username: 'hub-kontum', secretKey: 's3cr3t-key', authUrl: 'https://ndxp.example.gov.vn/auth' }, { now })
  t.strictSame(await fixed.headers(url, signal), { Timestamp: '1700000000', Authorization: AUTH_URL_VECTOR })
  t.equal(ms.invalidate, undefined, 'a signature scheme has nothing to refresh')
})

t.test('api-key and none', async (t) => {
  t.strictSame(await createAuthStrategy({ type: 'api-key', value: 'abc' }).headers(url, signal), { 'X-API-Key': 'abc' })
  t.strictSame(await createAuthStrategy({ type: 'api-key', header: 'apikey', value: 'abc' }).headers(url, signal), { apikey: 'abc' })
  const none = createAuthStrategy({ type: 'none' })
  t.equal(none.kind, 'none')
  t.strictSame(await none.headers(url, signal), {})
})

t.test('AuthConfigSchema accepts each scheme and refuses incomplete or unknown ones', async (t) => {
  const good = [
    { type: 'none' },
    { type: 'oauth2', tokenUrl: 'https://lgsp.example/token', clientId: 'a', clientSecret: 'b', scope: 'x y', refreshSkewMs: 0 },
    { type: 'xroad-basic', username: 'u', secretKey: 's', timestampUnit: 'ms' },
    { type: 'api-key', value: 'k' },
  ]
  for (const c of good) t.ok(Value.Check(AuthConfigSchema, c), `accepts ${c.type}`)
  const bad = [
    { type: 'oauth2', tokenUrl: 'https://lgsp.example/token', clientId: 'a' },
    { type: 'oauth2', tokenUrl: 'ftp://x', clientId: 'a', clientSecret: 'b' },
    { type: 'xroad-basic', username: 'u', secretKey: 's', timestampUnit: 'us' },
    { type: 'api-key', value: '' },
    { type: 'none', extra: 1 },
    { type: 'kerberos' },
  ]
  for (const c of bad) t.notOk(Value.Check(AuthConfigSchema, c), `refuses ${JSON.stringify(c)}`)
})
