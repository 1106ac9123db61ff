/** Which attachment URLs the hub agrees to fetch for POST /v1/edocs, and what the error says when it cannot. */
import t from 'tap'
import { createServer } from 'node:http'
import { addressRefusal, checkAttachmentUrl, checkedLookup, fetchAttachment } from '../../../src/edocs/fetch-attachment.js'

const sandbox = { allowLoopback: true }

t.test('https anywhere public unless allowHosts says otherwise; http only to loopback, and only in the sandbox; no credentials', async (t) => {
  t.equal(checkAttachmentUrl('https://files.kontum.gov.vn/a.pdf', '/p').hostname, 'files.kontum.gov.vn')
  t.equal(checkAttachmentUrl('http://127.0.0.1:9000/a.pdf', '/p', sandbox).port, '9000')
  t.equal(checkAttachmentUrl('http://localhost/a', '/p', sandbox).hostname, 'localhost')
  t.equal(checkAttachmentUrl('http://127.1/a', '/p', sandbox).hostname, '127.0.0.1', 'short forms are normalised before the check')
  for (const url of ['http://127.0.0.1:9000/metrics', 'http://127.1/metrics', 'http://localhost:3000/metrics', 'http://[::1]/x', 'http://0x7f000001/x']) {
    t.throws(() => checkAttachmentUrl(url, '/p'), { status: 400, message: /must be https:\/\/\.$/ }, `${url} outside the sandbox`)
  }
  t.throws(() => checkAttachmentUrl('https://localhost/x', '/p'), { status: 400, message: /loopback/ })
  t.throws(() => checkAttachmentUrl('https://127.0.0.2/x', '/p'), { status: 400, message: /loopback/ })
  t.throws(() => checkAttachmentUrl('http://files.kontum.gov.vn/a.pdf', '/p', sandbox), { status: 400, message: /https/ })
  t.throws(() => checkAttachmentUrl('ftp://127.0.0.1/a', '/p', sandbox), { status: 400, message: /./ })
  t.throws(() => checkAttachmentUrl('https://user:pw@files.kontum.gov.vn/a', '/p'), { status: 400, message: /credentials/ })
  t.throws(() => checkAttachmentUrl('not a url', '/p'), { status: 400, message: /./ })
  const allow = { allowHosts: ['*.kontum.gov.vn', 'dvc.gov.vn'] }
  t.ok(checkAttachmentUrl('https://files.kontum.gov.vn/a', '/p', allow))
  t.ok(checkAttachmentUrl('https://a.b.kontum.gov.vn/a', '/p', allow))
  t.ok(checkAttachmentUrl('https://DVC.gov.vn/a', '/p', allow))
  t.throws(() => checkAttachmentUrl('https://kontum.gov.vn.evil.example/a', '/p', allow), { status: 400, message: /allowHosts/ })
  t.throws(() => checkAttachmentUrl('https://evilkontum.gov.vn/a', '/p', allow), { status: 400, message: /./ })
  t.throws(() => checkAttachmentUrl('https://169.254.169.254/latest', '/p', allow), { status: 400, message: /allowHosts/ })
  t.throws(() => checkAttachmentUrl('http://127.0.0.1:9000/metrics', '/p', { ...allow, allowLoopback: true }), { status: 400, message: /allowHosts/ }, 'the allow-list applies to loopback too')
})

t.test('private, link-local and reserved addresses are refused, also behind a name (checked after resolution)', async (t) => {
  for (const ip of ['10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', 'fe80::1', 'fc00::1', '::', '::ffff:10.0.0.1', '224.0.0.1']) {
    t.match(addressRefusal(ip, true), /private, link-local or reserved/, ip)
  }
  t.match(addressRefusal('127.0.0.1', false), /loopback/)
  t.match(addressRefusal('::ffff:127.0.0.1', false), /loopback/)
  t.equal(addressRefusal('127.0.0.1', true), undefined)
  t.equal(addressRefusal('203.113.131.1', false), undefined, 'a public address')
  t.throws(() => checkAttachmentUrl('https://[fd00::1]/x', '/p'), { status: 400, message: /private/ })
  // The connection's own lookup: a name is judged by the addresses it resolves to, and the connection uses those.
  const resolve = (allowLoopback: boolean) => new Promise<{ err: Error | null; refusal?: string; address: unknown }>((done) => {
    let refusal: string | undefined
    checkedLookup(allowLoopback, (why) => (refusal = why))('localhost', { all: true }, (err, address) => done({ err, address, ...(refusal !== undefined && { refusal }) }))
  })
  t.match(await resolve(false), { err: { code: 'EREFUSEDADDRESS' }, refusal: /loopback/ }, 'localhost, outside the sandbox')
  t.match(await resolve(true), { err: null, address: [{ address: /^(127\.0\.0\.1|::1)$/ }] }, 'in the sandbox')
})

t.test('the error does not tell an open port from a closed one', async (t) => {
  const server = createServer((_req, res) => { res.statusCode = 404; res.end('no') })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const open = (server.address() as { port: number }).port
  const closed = await new Promise<number>((resolve) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)) }) })
  const limits = { maxBytes: 1000, timeoutMs: 2000, allowLoopback: true }
  const message = (url: string) => fetchAttachment(url, '/body/attachments/0/url', limits).then(() => 'fetched', (err: Error) => err.message)
  const expected = 'The attachment at /body/attachments/0/url could not be fetched: the server could not be reached or did not answer with the file.'
  t.equal(await message(`http://127.0.0.1:${open}/metrics`), expected, 'open port, HTTP 404')
  t.equal(await message(`http://127.0.0.1:${closed}/metrics`), expected, 'closed port')
  t.equal(await message(`http://localhost:${open}/x`), expected, 'by name')
})
