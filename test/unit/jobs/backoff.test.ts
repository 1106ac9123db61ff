import t from 'tap'
import { backoffDelay, parseRetryAfter, scheduledDelay, sleep } from '../../../src/jobs/backoff.js'

const policy = { baseDelayMs: 100, maxDelayMs: 1000 }
const lowest = () => 0
const highest = () => 0.999999

t.test('full jitter: delay lies in [0, min(cap, base·2^(n-1)))', async (t) => {
  const ceilings = [100, 200, 400, 800, 1000, 1000, 1000]
  ceilings.forEach((ceiling, i) => {
    const retry = i + 1
    t.equal(backoffDelay(retry, policy, undefined, lowest), 0, `retry ${retry} lowest`)
    t.equal(backoffDelay(retry, policy, undefined, highest), ceiling - 1, `retry ${retry} highest`)
  })
  for (let i = 0; i < 1000; i++) {
    const d = backoffDelay(3, policy)
    if (d < 0 || d >= 400) t.fail(`out of bounds: ${d}`)
  }
  t.equal(backoffDelay(500, policy, undefined, highest), 999, 'huge retry numbers stay capped')
})

t.test('Retry-After is a floor, even above the cap', async (t) => {
  t.equal(backoffDelay(1, policy, 3000, highest), 3000)
  t.equal(backoffDelay(4, policy, 50, highest), 799, 'a short Retry-After does not shorten the backoff')
  t.equal(backoffDelay(1, policy, 0, lowest), 0)
})

t.test('sleep waits, and rejects with the signal reason at once on abort', async (t) => {
  const started = Date.now()
  await sleep(30)
  t.ok(Date.now() - started >= 25, 'slept')

  const c = new AbortController()
  const reason = new DOMException('deadline', 'TimeoutError')
  const at = Date.now()
  setTimeout(() => c.abort(reason), 20)
  await t.rejects(sleep(10_000, c.signal), reason)
  t.ok(Date.now() - at < 1000, 'did not sleep past the abort')

  t.equal(await sleep(10, AbortSignal.abort('gone')).then(() => 'resolved', (e: unknown) => e), 'gone', 'already aborted')
})

t.test('equal jitter: never below half the ceiling; no jitter: the ceiling itself', async (t) => {
  const equal = { ...policy, jitter: 'equal' as const }
  t.strictSame([1, 2, 3, 4, 5].map((n) => backoffDelay(n, equal, undefined, lowest)), [50, 100, 200, 400, 500])
  t.strictSame([1, 2, 3, 4, 5].map((n) => backoffDelay(n, equal, undefined, highest)), [99, 199, 399, 799, 999])
  t.equal(backoffDelay(2, equal, 5000, lowest), 5000, 'Retry-After is a floor here too')
  const none = { ...policy, jitter: 'none' as const }
  t.strictSame([1, 2, 3, 4, 5, 60].map((n) => backoffDelay(n, none)), [100, 200, 400, 800, 1000, 1000])
})

t.test('a fixed schedule: its step, a Retry-After as floor, undefined once exhausted', async (t) => {
  const schedule = [0, 5000, 300_000]
  t.strictSame([0, 1, 2, 3].map((n) => scheduledDelay(n, schedule)), [0, 5000, 300_000, undefined])
  t.equal(scheduledDelay(1, schedule, 60_000), 60_000)
  t.equal(scheduledDelay(2, schedule, 60_000), 300_000)
})

t.test('Retry-After: delta-seconds or an HTTP-date, header arrays take the first', async (t) => {
  const now = Date.parse('2025-06-01T00:00:00Z')
  t.strictSame(
    [undefined, '3', ' 2 ', ['7', '9'], 'Sun, 01 Jun 2025 00:00:10 GMT', 'Sat, 31 May 2025 23:00:00 GMT', '-1', '1.5', '', 'soon'].map((v) => parseRetryAfter(v, now)),
    [undefined, 3000, 2000, 7000, 10_000, 0, undefined, undefined, undefined, undefined],
  )
})
