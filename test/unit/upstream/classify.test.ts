import t from 'tap'
import { classify, parseRetryAfter, toUpstreamError, type ClassifyInput } from '../../../src/upstream/classify.js'
import { UpstreamError } from '../../../src/upstream/errors.js'

const coded = (code: string, name = 'Error') => Object.assign(new Error('raw message with upstream text'), { code, name })
const aborted = (reason?: unknown) => {
  const c = new AbortController()
  c.abort(reason)
  return c.signal
}
const NOW = Date.parse('2025-06-01T00:00:00Z')

// Each row: [what, input, expected classification]
const table: Array<[string, ClassifyInput, ReturnType<typeof classify>]> = [
  ['connect timeout', { error: coded('UND_ERR_CONNECT_TIMEOUT') }, { kind: 'timeout', retry: true, reason: 'no connection within the connect timeout' }],
  ['headers timeout', { error: coded('UND_ERR_HEADERS_TIMEOUT') }, { kind: 'timeout', retry: true, reason: 'no reply headers within the headers timeout' }],
  ['body timeout', { error: coded('UND_ERR_BODY_TIMEOUT') }, { kind: 'timeout', retry: true, reason: 'reply body stalled past the body timeout' }],
  ['refused', { error: coded('ECONNREFUSED') }, { kind: 'unavailable', retry: true, reason: 'connection failed (ECONNREFUSED)' }],
  ['reset', { error: coded('ECONNRESET') }, { kind: 'unavailable', retry: true, reason: 'connection failed (ECONNRESET)' }],
  ['broken pipe', { error: coded('EPIPE') }, { kind: 'unavailable', retry: true, reason: 'connection failed (EPIPE)' }],
  ['dns', { error: coded('ENOTFOUND') }, { kind: 'unavailable', retry: true, reason: 'connection failed (ENOTFOUND)' }],
  ['undici socket', { error: coded('UND_ERR_SOCKET') }, { kind: 'unavailable', retry: true, reason: 'connection failed (UND_ERR_SOCKET)' }],
  ['undici closed', { error: coded('UND_ERR_CLOSED') }, { kind: 'unavailable', retry: true, reason: 'connection failed (UND_ERR_CLOSED)' }],
  ['code on the cause', { error: new Error('fetch failed', { cause: coded('ECONNRESET') }) }, { kind: 'unavailable', retry: true, reason: 'connection failed (ECONNRESET)' }],
  ['happy-eyeballs aggregate', { error: new AggregateError([coded('ECONNREFUSED')]) }, { kind: 'unavailable', retry: true, reason: 'connection failed (ECONNREFUSED)' }],
  ['HTTP parser error', { error: coded('HPE_INVALID_CONSTANT') }, { kind: 'bad_response', retry: false, reason: 'malformed HTTP reply (HPE_INVALID_CONSTANT)' }],
  ['unknown error', { error: new TypeError('x is not a function') }, { kind: 'unavailable', retry: false, reason: 'unexpected error (TypeError)' }],
  ['caller abort', { error: new DOMException('This operation was aborted', 'AbortError'), signal: aborted() }, { kind: 'aborted', retry: false, reason: 'request aborted by the caller' }],
  ['abort surfaced as a socket error', { error: coded('UND_ERR_SOCKET'), signal: aborted() }, { kind: 'aborted', retry: false, reason: 'request aborted by the caller' }],
  ['deadline (AbortSignal.timeout)', { error: new DOMException('timed out', 'TimeoutError'), signal: aborted(new DOMException('timed out', 'TimeoutError')) }, { kind: 'timeout', retry: false, reason: 'deadline exceeded' }],
  ['our deadline as an UpstreamError reason', { error: new Error('x'), signal: aborted(new UpstreamError('timeout', 'prefill deadline')) }, { kind: 'timeout', retry: true, reason: 'prefill deadline' }],
  ['AbortError without a signal', { error: new DOMException('aborted', 'AbortError') }, { kind: 'aborted', retry: false, reason: 'request aborted by the caller' }],
  ['undici RequestAbortedError', { error: coded('UND_ERR_ABORTED', 'AbortError') }, { kind: 'aborted', retry: false, reason: 'request aborted by the caller' }],
  ['UpstreamError timeout passes', { error: new UpstreamError('timeout', 'slow') }, { kind: 'timeout', retry: true, reason: 'slow' }],
  ['UpstreamError unavailable passes', { error: new UpstreamError('unavailable', 'down', { status: 502, retryAfterMs: 10 }) }, { kind: 'unavailable', retry: true, reason: 'down', retryAfterMs: 10, status: 502 }],
  ['UpstreamError rejected passes', { error: new UpstreamError('rejected', 'code 004', { upstreamCode: '004' }) }, { kind: 'rejected', retry: false, reason: 'code 004' }],
  ['UpstreamError bad_response passes', { error: new UpstreamError('bad_response', 'not XML') }, { kind: 'bad_response', retry: false, reason: 'not XML' }],
  ['500', { status: 500 }, { kind: 'unavailable', retry: true, reason: 'HTTP 500 from upstream', status: 500 }],
  ['502', { status: 502 }, { kind: 'unavailable', retry: true, reason: 'HTTP 502 from upstream', status: 502 }],
  ['504', { status: 504 }, { kind: 'unavailable', retry: true, reason: 'HTTP 504 from upstream', status: 504 }],
  ['501 not retried', { status: 501 }, { kind: 'unavailable', retry: false, reason: 'HTTP 501 from upstream', status: 501 }],
  ['503 without Retry-After', { status: 503 }, { kind: 'unavailable', retry: true, reason: 'HTTP 503 from upstream', status: 503 }],
  ['503 Retry-After seconds', { status: 503, headers: { 'retry-after': '7' } }, { kind: 'unavailable', retry: true, reason: 'HTTP 503 from upstream', status: 503, retryAfterMs: 7000 }],
  ['429 Retry-After HTTP-date', { status: 429, headers: { 'retry-after': 'Sun, 01 Jun 2025 00:00:30 GMT' }, now: () => NOW }, { kind: 'unavailable', retry: true, reason: 'HTTP 429 from upstream', status: 429, retryAfterMs: 30_000 }],
  ['429 Retry-After garbage', { status: 429, headers: { 'retry-after': 'soon' } }, { kind: 'unavailable', retry: true, reason: 'HTTP 429 from upstream', status: 429 }],
  ['408', { status: 408 }, { kind: 'timeout', retry: true, reason: 'HTTP 408 from upstream', status: 408 }],
  ['401 refreshes auth', { status: 401 }, { kind: 'unauthorized', retry: false, reason: 'HTTP 401 from upstream: credentials refused', status: 401, refreshAuth: true }],
  ['403', { status: 403 }, { kind: 'unauthorized', retry: false, reason: 'HTTP 403 from upstream: access denied', status: 403 }],
  ['404', { status: 404 }, { kind: 'not_found', retry: false, reason: 'HTTP 404 from upstream', status: 404 }],
  ['400', { status: 400 }, { kind: 'rejected', retry: false, reason: 'HTTP 400 from upstream', status: 400 }],
  ['409', { status: 409 }, { kind: 'rejected', retry: false, reason: 'HTTP 409 from upstream', status: 409 }],
  ['422', { status: 422 }, { kind: 'rejected', retry: false, reason: 'HTTP 422 from upstream', status: 422 }],
  ['unaccepted redirect', { status: 302 }, { kind: 'bad_response', retry: false, reason: 'unexpected HTTP 302 from upstream', status: 302 }],
  ['nothing at all', {}, { kind: 'bad_response', retry: false, reason: 'no reply and no error to classify' }],
]

for (const [what, input, expected] of table) {
  t.test(what, async (t) => {
    t.strictSame(classify(input), expected)
  })
}

t.test('reasons never carry the error message (it may echo an upstream body)', async (t) => {
  for (const [, input] of table) t.notMatch(classify(input).reason, /raw message/)
})

t.test('parseRetryAfter', async (t) => {
  t.equal(parseRetryAfter(undefined), undefined)
  t.equal(parseRetryAfter(' 2 '), 2000)
  t.equal(parseRetryAfter('0'), 0)
  t.equal(parseRetryAfter('Sun, 01 Jun 2025 00:00:10 GMT', NOW), 10_000)
  t.equal(parseRetryAfter('Sat, 31 May 2025 23:59:00 GMT', NOW), 0, 'a date in the past means now')
  t.equal(parseRetryAfter('-1'), undefined)
})

t.test('toUpstreamError', async (t) => {
  const cause = new Error('socket hang up')
  const err = toUpstreamError(classify({ status: 503, headers: { 'retry-after': '3' } }), { connectorId: 'population', cause })
  t.ok(err instanceof UpstreamError)
  t.strictSame(
    { kind: err.kind, message: err.message, status: err.status, retryAfterMs: err.retryAfterMs, cause: err.cause },
    { kind: 'unavailable', message: 'population: HTTP 503 from upstream', status: 503, retryAfterMs: 3000, cause },
  )
  const own = new UpstreamError('rejected', 'officer not authorised', { upstreamCode: '005' })
  t.equal(toUpstreamError(classify({ error: own }), { cause: own }), own, 'a connector-made error keeps its code and message')
})
