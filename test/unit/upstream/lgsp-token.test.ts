/** The LGSP token scheme against a recording token endpoint: what the token request and each call carry. */
import t from 'tap'
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createAuthStrategy, lgspAccessToken, lgspAuthHash } from '../../../src/upstream/auth/index.js'

const KEYS = { accessKey: 'ak', secretKey: 'sk', appName: 'HUB', partnerCode: '000.00.00.H34', partnerCodeCus: 'CSDLQGDC' }

t.test('token: form client_credentials with lgspaccesstoken and no Basic; calls: Bearer + the same lgspaccesstoken', async (t) => {
  const seen: { headers: IncomingHttpHeaders; body: string }[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString()))
    req.on('end', () => {
      seen.push({ headers: req.headers, body })
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: `tok-${seen.length}`, expires_in: 3600 }))
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  t.teardown(() => new Promise<void>((r) => server.close(() => r())))
  const tokenUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/getToken`
  const auth = createAuthStrategy({ type: 'lgsp-token', tokenUrl, ...KEYS })
  const signal = new AbortController().signal
  const url = new URL('https://lgsp.example.invalid/dancu')

  const lgsp = Buffer.from('{"AccessKey":"ak","SecretKey":"sk","AppName":"HUB","PartnerCode":"000.00.00.H34","PartnerCodeCus":"CSDLQGDC"}').toString('base64')
  t.equal(lgspAccessToken(KEYS), lgsp)
  t.strictSame(await auth.headers(url, signal), { authorization: 'Bearer tok-1', lgspaccesstoken: lgsp })
  t.strictSame(await auth.headers(url, signal), { authorization: 'Bearer tok-1', lgspaccesstoken: lgsp }, 'cached')
  t.equal(seen.length, 1)
  t.equal(seen[0]!.body, 'grant_type=client_credentials')
  t.equal(seen[0]!.headers['lgspaccesstoken'], lgsp)
  t.equal(seen[0]!.headers['content-type'], 'application/x-www-form-urlencoded')
  t.equal(seen[0]!.headers['authorization'], undefined, 'no Basic client auth on the LGSP token request')
  t.equal(await auth.invalidate!(signal, { authorization: 'Bearer tok-1' }), true, 'a refused token is replaced')
  t.strictSame(await auth.headers(url, signal), { authorization: 'Bearer tok-2', lgspaccesstoken: lgsp })
  t.equal(lgspAuthHash('cb1', 'p:1'), Buffer.from('cb1:p:1').toString('base64'))
})
