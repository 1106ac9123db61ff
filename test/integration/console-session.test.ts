/**
 * The console's session through the API, on a sandbox hub (real Redis, PGlite): an admin key is
 * exchanged for an HttpOnly cookie that works only with the console's header; the officer named
 * at sign-in is the one audited, whatever the page sends; every request of a session, and every
 * sign-in attempt, lands in the audit log; sign-out ends it; a key without the admin scope and an
 * unknown key get no session. The built console is served with its CSP.
 */
import t from 'tap'
import { startTestHub, DEMO_KEY, type TestHub } from '../helpers/hub.js'
import { sha256Hex } from '../../src/plugins/auth.js'
import { buildConsole } from '../../scripts/build-console.js'

const READER_KEY = 'reader-key-0000-not-a-secret'
const OFFICER = 'CB-CONSOLE-7'

t.test('console session', async (t) => {
  await buildConsole()
  const hub: TestHub = await startTestHub('pglite', {
    clients: [{ name: 'reader', keySha256: sha256Hex(READER_KEY), scopes: ['citizens:read', 'edocs:read'] }],
  })
  t.teardown(() => hub.close())

  const signIn = (key: string, officerId = OFFICER) => fetch(`${hub.url}/console/session`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ key, officerId }),
  })
  /** A console request: the session cookie plus (unless `header` is false) the console's header. */
  const withCookie = (cookie: string, path: string, init: { method?: string; header?: boolean; headers?: Record<string, string>; body?: unknown } = {}) => fetch(`${hub.url}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: {
      cookie, ...(init.header !== false && { 'x-lgsp-console': '1' }), ...init.headers,
      ...(init.body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
  })
  const auditOf = async (officerId: string) => (await hub.call('/admin/audit/search', { body: { officerId, limit: 1000 } })).body.records as Array<Record<string, unknown>>

  await t.test('an unknown key and a key without the admin scope get no session; both attempts are audited', async (t) => {
    const unknown = await signIn('not-a-key-anyone-has', 'CB-STRANGER')
    t.equal(unknown.status, 401)
    t.equal(unknown.headers.get('set-cookie'), null, 'no cookie')
    const reader = await signIn(READER_KEY, 'CB-READER')
    t.equal(reader.status, 403)
    t.match(await reader.json(), { code: 'FORBIDDEN', detail: /admin scope/ })
    const attempts = [...await auditOf('CB-STRANGER'), ...await auditOf('CB-READER')].map((r) => ({ client: r.client, connector: r.connector, operation: r.operation, outcome: r.outcome, subjectMasked: r.subjectMasked }))
    t.strictSame(attempts, [
      { client: '(unknown key)', connector: 'console', operation: 'console.sign-in', outcome: 'UNAUTHORIZED', subjectMasked: null },
      { client: 'reader', connector: 'console', operation: 'console.sign-in', outcome: 'FORBIDDEN', subjectMasked: null },
    ])
    t.equal((await signIn(DEMO_KEY, 'has space')).status, 400, 'an officer id the headers could not carry is refused')
  })

  let cookie = ''
  await t.test('the demo key signs in: an HttpOnly, SameSite=Strict session cookie and who signed in', async (t) => {
    const res = await signIn(DEMO_KEY)
    t.equal(res.status, 201)
    const setCookie = res.headers.get('set-cookie') ?? ''
    t.match(setCookie, /^lgsp_console=[A-Za-z0-9_-]{43}; /)
    t.match(setCookie, /HttpOnly/)
    t.match(setCookie, /SameSite=Strict/)
    t.match(setCookie, /Path=\//)
    t.notMatch(setCookie, /Max-Age|Expires/, 'a browser-session cookie: the hub decides when it ends')
    t.notMatch(setCookie, new RegExp(DEMO_KEY), 'the key is not in the cookie')
    const body = await res.json() as Record<string, unknown>
    t.match(body, { client: 'sandbox-demo', officerId: OFFICER, idleMs: 1_800_000 })
    t.ok(Date.parse(body.expiresAt as string) - Date.now() > 7.9 * 3600_000, 'ends at the latest 8 h after sign-in')
    cookie = setCookie.split(';')[0]!
    const current = await withCookie(cookie, '/console/session')
    t.equal(current.status, 200)
    t.strictSame(await current.json(), body)
  })

  await t.test('the cookie alone authorises nothing: the console header must come with it', async (t) => {
    const bare = await withCookie(cookie, '/admin/queues', { header: false })
    t.equal(bare.status, 401)
    const ok = await withCookie(cookie, '/admin/queues')
    t.equal(ok.status, 200)
    t.ok('national-portal' in (await ok.json() as { targets: object }).targets)
    const bearer = await hub.call('/console/session')
    t.equal(bearer.status, 404, 'a bearer caller has no console session to show')
  })

  await t.test('every request of a session is audited under the officer who signed in, whatever the page sends', async (t) => {
    const spoofed = await withCookie(cookie, '/admin/audit/search', { body: { limit: 1 }, headers: { 'x-officer-id': 'SOMEONE-ELSE', 'x-purpose-utf8': encodeURIComponent('kiểm tra định kỳ') } })
    t.equal(spoofed.status, 200)
    const replay = await withCookie(cookie, '/admin/dead-letters/999999/replay', { method: 'POST' })
    t.equal(replay.status, 404)
    const records = (await auditOf(OFFICER)).map((r) => ({ client: r.client, purpose: r.purpose, connector: r.connector, operation: r.operation, outcome: r.outcome }))
    t.strictSame(records, [
      { client: 'sandbox-demo', purpose: 'console sign-in', connector: 'console', operation: 'console.sign-in', outcome: 'ok' },
      { client: 'sandbox-demo', purpose: 'console', connector: 'console', operation: 'GET /console/session', outcome: '200' },
      { client: 'sandbox-demo', purpose: 'console', connector: 'console', operation: 'GET /admin/queues', outcome: '200' },
      { client: 'sandbox-demo', purpose: 'kiểm tra định kỳ', connector: 'console', operation: 'POST /admin/audit/search', outcome: '200' },
      { client: 'sandbox-demo', purpose: 'console', connector: 'console', operation: 'POST /admin/dead-letters/999999/replay', outcome: '404' },
    ])
    t.strictSame(await auditOf('SOMEONE-ELSE'), [], 'the spoofed officer appears nowhere')
  })

  await t.test('sign-out ends the session everywhere', async (t) => {
    const out = await withCookie(cookie, '/console/session', { method: 'DELETE' })
    t.equal(out.status, 204)
    t.match(out.headers.get('set-cookie') ?? '', /lgsp_console=;/, 'the cookie is cleared')
    const after = await withCookie(cookie, '/admin/queues')
    t.equal(after.status, 401)
    t.match(await after.json(), { code: 'UNAUTHORIZED', detail: /session has ended/ })
    const last = (await auditOf(OFFICER)).at(-1)!
    t.match(last, { operation: 'DELETE /console/session', outcome: '204' })
  })

  await t.test('the built console is served under /console/ with its security headers', async (t) => {
    const root = await fetch(`${hub.url}/console`, { redirect: 'manual' })
    t.equal(root.status, 302)
    t.equal(root.headers.get('location'), '/console/')
    const page = await fetch(`${hub.url}/console/`)
    t.equal(page.status, 200)
    t.match(page.headers.get('content-type') ?? '', /text\/html/)
    t.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/)
    const html = await page.text()
    const script = /<script type="module" crossorigin src="(\/console\/assets\/[^"]+\.js)"/.exec(html)?.[1]
    t.ok(script, 'one bundled script, no inline code')
    t.notMatch(html, /<script>(?!<\/script>)/, 'no inline script')
    const js = await fetch(`${hub.url}${script}`)
    t.equal(js.status, 200)
    t.match(js.headers.get('cache-control') ?? '', /immutable/)
    t.notMatch(await js.text(), /https?:\/\/(?!www\.w3\.org)[a-z0-9.-]+\.[a-z]{2,}\//i, 'the bundle loads nothing from another host')
    t.equal((await fetch(`${hub.url}/console/nothing-here.js`)).status, 404)
  })
})
