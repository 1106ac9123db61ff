/**
 * The error table (src/errors.ts) decides every code's status and title; docs/errors.md lists
 * the same table for operators, and the logger's `err` serializer keeps what a log line may hold.
 */
import t from 'tap'
import { readFileSync } from 'node:fs'
import { Writable } from 'node:stream'
import { ERRORS, GatewayError, forbidden, notFound, unauthorized, validationFailed, type ErrorCode } from '../../../src/errors.js'
import { upstreamToGateway } from '../../../src/upstream-errors.js'
import { UpstreamError } from '../../../src/upstream/errors.js'
import { createLogger } from '../../../src/logger.js'

t.test('the status comes from the code', async (t) => {
  const seen = Object.fromEntries((Object.keys(ERRORS) as ErrorCode[]).map((code) => [code, new GatewayError(code, 'x').status]))
  t.strictSame(seen, {
    VALIDATION_FAILED: 400, UNAUTHORIZED: 401, FORBIDDEN: 403, NOT_FOUND: 404, METHOD_NOT_ALLOWED: 405, PAYLOAD_TOO_LARGE: 413,
    UNSUPPORTED_MEDIA_TYPE: 415, UPSTREAM_UNAVAILABLE: 502, UPSTREAM_TIMEOUT: 504, UPSTREAM_REJECTED: 422, UPSTREAM_BAD_RESPONSE: 502,
    CIRCUIT_OPEN: 503, STALE_VERSION: 409, IDEMPOTENCY_CONFLICT: 409, ATTACHMENT_UNAVAILABLE: 422, PACKAGE_UNREADABLE: 422,
    RATE_LIMITED: 429, AUDIT_UNAVAILABLE: 503, SERVICE_UNAVAILABLE: 503, INTERNAL: 500,
  })
  t.strictSame([validationFailed([]).status, unauthorized().status, forbidden('x').status, notFound('x').status], [400, 401, 403, 404])
  t.strictSame(unauthorized().headers, { 'www-authenticate': 'Bearer' })
  t.equal(new GatewayError('VALIDATION_FAILED', 'x', { status: 431 }).status, 431, 'a framework 4xx keeps its own status')
})

t.test('upstream failures map to the table', async (t) => {
  const mapped = (['timeout', 'unavailable', 'rejected', 'not_found', 'unauthorized', 'bad_response', 'circuit_open', 'aborted'] as const)
    .map((kind) => upstreamToGateway(new UpstreamError(kind, 'm', { retryAfterMs: 1500 })))
    .map((e) => [e.status, e.code, e.headers ?? null])
  t.strictSame(mapped, [
    [504, 'UPSTREAM_TIMEOUT', null], [502, 'UPSTREAM_UNAVAILABLE', { 'retry-after': '2' }], [422, 'UPSTREAM_REJECTED', null], [404, 'NOT_FOUND', null],
    [502, 'UPSTREAM_UNAVAILABLE', null], [502, 'UPSTREAM_BAD_RESPONSE', null], [503, 'CIRCUIT_OPEN', { 'retry-after': '2' }], [503, 'SERVICE_UNAVAILABLE', null],
  ])
})

t.test('docs/errors.md lists every code with its status and title', async (t) => {
  const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8')
  const rows = [...doc.matchAll(/^\| `([A-Z_]+)` \| (\d+) \| ([^|]+) \|/gm)].map((m) => [m[1], Number(m[2]), m[3]!.trim()])
  t.strictSame(rows, Object.entries(ERRORS).map(([code, spec]) => [code, spec.status, spec.title]))
})

t.test('a logged error keeps its type, message, codes and cause, never its other fields', async (t) => {
  const lines: string[] = []
  const log = createLogger({ level: 'info', stream: new Writable({ write(c, _e, done) { lines.push(String(c)); done() } }) })
  const cause = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET', request: { body: 'secret body' } })
  const err = new UpstreamError('rejected', 'population: HTTP 400 from upstream', { upstreamCode: '004', status: 400, upstreamReason: 'HoTen khong khop 062090001234', cause })
  log.error({ err }, 'lookup failed')
  const logged = JSON.parse(lines[0]!) as { err: Record<string, unknown> }
  t.equal(logged.err.type, 'UpstreamError')
  t.equal(logged.err.message, 'population: HTTP 400 from upstream')
  t.strictSame([logged.err.kind, logged.err.upstreamCode, logged.err.status], ['rejected', '004', 400])
  t.strictSame(Object.keys(logged.err).sort(), ['cause', 'kind', 'message', 'stack', 'status', 'type', 'upstreamCode'])
  t.strictSame(Object.keys(logged.err.cause as object).sort(), ['code', 'message', 'stack', 'type'])
  t.notMatch(lines[0]!, /upstreamReason|HoTen|secret body/)
})
