import t from 'tap'
import { backoffDelay, sleep } from '../../../src/upstream/backoff.js'

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
