/**
 * Finding 6: schema-valid odd input answered 500 — NUL and lone surrogates in text, year 0000,
 * a leap second, integers beyond 64 bits, a signed webhook nested 40k deep — and one document
 * with `validUntil: 9999-12-31T23:59:60Z` made every later search for its owner a 500.
 * Each must be a 400 problem+json naming the field (or, for rows already stored, a 200).
 */
import t from 'tap'
import pg from 'pg'
import { signWebhook } from '../../src/webhooks/signature.js'
import { SANDBOX_WEBHOOK_SECRET } from '../../src/server.js'
import { startTestHub, TEST_DATABASE_URL } from '../helpers/hub.js'
import { newCode, snapshot } from '../helpers/dossier.js'

const OWNER = '062090001234'
const doc = (extra: Record<string, unknown>) => ({ code: `${OWNER}.KS`, title: 'Giấy khai sinh', url: 'https://files.example/ks.pdf', sha256: 'a'.repeat(64), ...extra })

t.test('odd input is a 400 naming the field, never a 500', async (t) => {
  const hub = await startTestHub('postgres')
  t.teardown(() => hub.close())
  const code = newCode('odd')
  t.equal((await hub.call(`/v1/dossiers/${code}`, { method: 'PUT', body: snapshot(1, { procedureCode: '1.000001', agencyCode: '000.00.00.H34' }) })).status, 202)
  const step = { id: 'step-1', officer: 'CB-0001', unit: 'Một cửa', at: '2026-11-21T08:00:00+07:00', content: 'ok' }
  const cases: Array<[string, string, unknown, string]> = [
    ['progress content with NUL', `/v1/dossiers/${code}/progress`, { ...step, content: 'a\u0000b' }, '/body/content'],
    ['progress content with a lone surrogate', `/v1/dossiers/${code}/progress`, { ...step, content: 'a\ud800b' }, '/body/content'],
    ['document title with NUL', '/v1/documents', doc({ title: '\u0000' }), '/body/title'],
    ['document valid until a leap second', '/v1/documents', doc({ validUntil: '9999-12-31T23:59:60Z' }), '/body/validUntil'],
    ['document issued in year 0000', '/v1/documents', doc({ issuedAt: '0000-06-01T00:00:00Z' }), '/body/issuedAt'],
    ['audit search officer with NUL', '/admin/audit/search', { officerId: 'x\u0000' }, '/body/officerId'],
    ['audit search cursor beyond 64 bits', '/admin/audit/search', { afterSeq: 99999999999999999999 }, '/body/afterSeq'],
  ]
  for (const [what, path, body, field] of cases) {
    const res = await hub.call(path, { body })
    t.equal(res.status, 400, what)
    t.equal(res.headers.get('content-type'), 'application/problem+json; charset=utf-8', `${what}: problem+json`)
    t.ok(res.body.errors?.some((e: { path: string }) => e.path === field), `${what}: names ${field}`)
  }
  for (const query of ['after=%00', 'after=99999999999999999999', 'limit=18446744073709551617']) {
    const res = await hub.call(`/v1/events?${query}`)
    t.equal(res.status, 400, `events ?${query}`)
  }
})

t.test('a signed webhook nested 40,000 deep is a 400', async (t) => {
  const hub = await startTestHub('postgres')
  t.teardown(() => hub.close())
  const body = `{"type":"dossier.status_changed","timestamp":"${new Date().toISOString()}","data":${'{"a":'.repeat(40_000)}1${'}'.repeat(40_000)}}`
  const headers = signWebhook({ id: 'msg_deep_1', timestamp: Math.floor(Date.now() / 1000), body, secrets: [SANDBOX_WEBHOOK_SECRET] })
  const res = await hub.call('/v1/webhooks/national-portal', { body, headers: { authorization: '', 'x-officer-id': '', 'x-purpose': '', ...headers } })
  t.equal(res.status, 400)
  t.match(res.body, { code: 'VALIDATION_FAILED', errors: [{ message: 'nests deeper than 64 levels' }] })
})

t.test('a document stored with an instant past 9999 no longer breaks its owner\'s searches', async (t) => {
  const hub = await startTestHub('postgres')
  t.teardown(() => hub.close())
  const created = await hub.call('/v1/documents', { body: doc({ validUntil: '2030-01-01T00:00:00Z' }) })
  t.equal(created.status, 201)
  // What the old API stored for `9999-12-31T23:59:60Z`: PostgreSQL rolled it into year 10000.
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL })
  await admin.connect()
  await admin.query(`UPDATE ${hub.schema}.documents SET valid_until = '9999-12-31T23:59:60Z' WHERE id = $1`, [created.body.id])
  await admin.end()
  const found = await hub.call('/v1/documents/search', { body: { ownerId: OWNER } })
  t.equal(found.status, 200)
  t.equal(found.body.documents[0].validUntil, '9999-12-31T23:59:59.999Z')
})
