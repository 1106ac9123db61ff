import t from 'tap'
import { createSessionCache } from '../../../connectors/national-portal/session.js'
import { UpstreamError } from '../../../src/upstream/errors.js'

/** A login under test control: each call waits until the test settles it. */
function scriptedLogin() {
  const calls: Array<{ signal: AbortSignal; resolve: (s: string) => void; reject: (e: unknown) => void }> = []
  const login = (signal: AbortSignal) => new Promise<string>((resolve, reject) => {
    calls.push({ signal, resolve, reject })
    signal.addEventListener('abort', () => reject(new UpstreamError('aborted', 'login aborted')), { once: true })
  })
  return { calls, login }
}
const tick = () => new Promise((r) => setImmediate(r))
const never = () => new AbortController().signal
const kindOf = (p: Promise<unknown>) => p.then((v) => `ok ${String(v)}`, (e: UpstreamError) => e.kind)

t.test('concurrent callers share one login; the session is then reused until its TTL', async (t) => {
  let clock = 1000
  const { calls, login } = scriptedLogin()
  const cache = createSessionCache({ ttlMs: 500, loginTimeoutMs: 10_000, login, now: () => clock })
  const waiting = Array.from({ length: 20 }, () => cache.get(never()))
  await tick()
  t.equal(calls.length, 1, 'one login for 20 callers')
  calls[0]!.resolve('s1')
  t.strictSame(await Promise.all(waiting), Array(20).fill('s1'))
  clock += 499
  t.equal(await cache.get(never()), 's1', 'reused within the TTL')
  t.equal(calls.length, 1)
  clock += 1
  const next = cache.get(never())
  await tick()
  t.equal(calls.length, 2, 'a new login once the TTL (counted from the login start) has passed')
  calls[1]!.resolve('s2')
  t.equal(await next, 's2')
})

t.test('invalidate forgets only the session it names', async (t) => {
  const { calls, login } = scriptedLogin()
  const cache = createSessionCache({ ttlMs: 60_000, loginTimeoutMs: 10_000, login })
  const first = cache.get(never())
  await tick()
  calls[0]!.resolve('s1')
  await first
  cache.invalidate('stale-one')
  t.equal(await cache.get(never()), 's1', 'another token: nothing happens')
  cache.invalidate('s1')
  const again = cache.get(never())
  await tick()
  t.equal(calls.length, 2)
  calls[1]!.resolve('s2')
  t.equal(await again, 's2')
})

t.test('a failed login fails every waiter and is not cached', async (t) => {
  const { calls, login } = scriptedLogin()
  const cache = createSessionCache({ ttlMs: 60_000, loginTimeoutMs: 10_000, login })
  const waiting = [cache.get(never()), cache.get(never())].map(kindOf)
  await tick()
  calls[0]!.reject(new UpstreamError('unauthorized', 'refused'))
  t.strictSame(await Promise.all(waiting), ['unauthorized', 'unauthorized'])
  const retry = cache.get(never())
  await tick()
  t.equal(calls.length, 2, 'the next caller logs in again')
  calls[1]!.resolve('s1')
  t.equal(await retry, 's1')
})

t.test('one caller leaving does not abort the shared login; the last one leaving does', async (t) => {
  const { calls, login } = scriptedLogin()
  const cache = createSessionCache({ ttlMs: 60_000, loginTimeoutMs: 10_000, login })
  const a = new AbortController()
  const b = new AbortController()
  const pa = kindOf(cache.get(a.signal))
  const pb = kindOf(cache.get(b.signal))
  await tick()
  a.abort()
  t.equal(await pa, 'aborted', 'the caller that left gets aborted at once')
  t.equal(calls[0]!.signal.aborted, false, 'the login goes on for the other caller')
  b.abort(new DOMException('deadline', 'TimeoutError'))
  t.equal(await pb, 'timeout', 'a deadline is a timeout')
  t.equal(calls[0]!.signal.aborted, true, 'nobody waits any more: the login is aborted')
  const fresh = cache.get(never())
  await tick()
  t.equal(calls.length, 2, 'the next caller starts a new login')
  calls[1]!.resolve('s2')
  t.equal(await fresh, 's2')
})

t.test('an already aborted caller does not start a login; a stuck login ends at its own deadline', async (t) => {
  const { calls, login } = scriptedLogin()
  const cache = createSessionCache({ ttlMs: 60_000, loginTimeoutMs: 50, login })
  t.equal(await kindOf(cache.get(AbortSignal.abort())), 'aborted')
  t.equal(calls.length, 0)
  // AbortSignal.timeout's timer does not hold the process open (a real login's socket does).
  const keepAlive = setTimeout(() => {}, 5000)
  const stuck = kindOf(cache.get(never()))
  t.equal(await stuck, 'aborted', 'the scripted login rejects when its signal fires')
  clearTimeout(keepAlive)
  t.equal(calls[0]!.signal.aborted, true)
})
