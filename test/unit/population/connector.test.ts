/** The connector on a scripted client: what it sends (headers, MaDVC, MaCanBo, AuthHash), verify's answer, a health probe without personal data. */
import t from 'tap'
import { pino } from 'pino'
import type { Redis } from 'ioredis'
import population from '../../../connectors/population/index.js'
import type { PopulationConfig } from '../../../connectors/population/config.js'
import { renderFault, renderLookup, renderVerify } from '../../../connectors/population/simulator-wire.js'
import type { UpstreamClient, UpstreamClientOptions, UpstreamRequest, UpstreamResponse } from '../../../src/upstream/client.js'
import type { OperationContext } from '../../../src/upstream/types.js'
import { probeHealth } from '../../../src/upstream/connector-kit.js'

const silent = pino({ level: 'silent' })
const AN = { personalId: '062090001234', fullName: 'Nguyễn Văn An', dateOfBirth: '1990-05-15' }

/** A connector on a scripted client that records what it was asked to send. */
function setup(config: Partial<PopulationConfig> = {}, reply: (req: UpstreamRequest) => UpstreamResponse = () => ok(renderLookup([]))) {
  const sent: UpstreamRequest[] = []
  let options: Omit<UpstreamClientOptions, 'redis' | 'log' | 'connectorId'> | undefined
  let closed = 0
  const client: UpstreamClient = {
    connectorId: 'population',
    async request(req) {
      sent.push(req)
      const res = reply(req)
      // Like the real client: an accepted reply goes through the connector's inspect hook.
      const failure = req.inspect?.(res)
      if (failure) throw failure
      return res
    },
    circuitState: async () => 'closed',
    async close() {
      closed++
    },
  }
  const connector = population.create({
    id: 'population', log: silent, redis: {} as Redis,
    config: { baseUrl: 'https://population.example.invalid/soap', serviceCode: 'VPCP', auth: { type: 'none' }, ...config } as PopulationConfig,
    createClient: (o) => {
      options = o
      return client
    },
  }) as Awaited<ReturnType<typeof population.create>>
  return { connector, sent, options: () => options, closed: () => closed }
}
const ok = (body: string, status = 200): UpstreamResponse => ({ status, headers: {}, body: Buffer.from(body) })
const op = (o: Partial<OperationContext> = {}): OperationContext => ({ signal: new AbortController().signal, requestId: 'req-9', officerId: 'CB-1', log: silent, ...o })
const field = (req: UpstreamRequest, name: string) => new RegExp(`<dan:${name}>([^<]*)</dan:${name}>`).exec(String(req.body))?.[1]
const rejected = (p: Promise<unknown>) => p.then(() => 'resolved', (e: { kind: string; message: string }) => `${e.kind}: ${e.message}`)

t.test('a lookup is one idempotent POST of raw SOAP as application/xml, accepting 200 and 500', async (t) => {
  const { connector, sent, options } = setup({ path: '/dancu/v1', retry: { maxAttempts: 2 }, connectTimeoutMs: 1500 })
  t.equal(await connector.operations.lookup!.run(AN, op()), null)
  const req = sent[0]!
  t.strictSame({ method: req.method, path: req.path, headers: req.headers, idempotent: req.idempotent }, {
    method: 'POST', path: '/dancu/v1', headers: { 'content-type': 'application/xml; charset=utf-8', soapaction: '""' }, idempotent: true,
  })
  t.strictSame([200, 500, 401, 503].map((s) => req.acceptStatus!(s)), [true, true, false, false])
  t.strictSame(['MaYeuCau', 'MaDVC', 'MaTichHop', 'MaCanBo'].map((n) => field(req, n)), ['req-9', 'VPCP', '037', 'CB-1'])
  t.match(options(), { baseUrl: 'https://population.example.invalid/soap', retry: { maxAttempts: 2 }, connectTimeoutMs: 1500 })
})

t.test('MaDVC per procedure: the pre-fill procedure or the purpose, else per unmappedProcedure', async (t) => {
  const serviceCodes = { '1.004227': 'G18-YT04' }
  const run = async (config: Partial<PopulationConfig>, input: object, purpose?: string) => {
    const { connector, sent } = setup({ serviceCodes, ...config })
    const outcome = await rejected(connector.operations.lookup!.run({ ...AN, ...input }, op(purpose === undefined ? {} : { purpose })))
    return outcome === 'resolved' ? field(sent[0]!, 'MaDVC') : `${outcome.split(':')[0]} (${sent.length} sent)`
  }
  t.equal(await run({}, { procedureCode: '1.004227' }), 'G18-YT04')
  t.equal(await run({}, {}, '1.004227'), 'G18-YT04', 'X-Purpose naming a mapped procedure')
  t.equal(await run({}, {}, 'HS-000123'), 'VPCP', 'a dossier code: the default')
  t.equal(await run({}, { procedureCode: '2.000001' }), 'VPCP')
  t.equal(await run({ unmappedProcedure: 'procedure-code' }, { procedureCode: '2.000001' }), '2.000001')
  t.equal(await run({ unmappedProcedure: 'refuse' }, { procedureCode: '2.000001' }), 'rejected (0 sent)')
})

t.test('MaCanBo is the officer\'s registered account; its own AuthHash (or the unit\'s) goes along', async (t) => {
  const officers = {
    accounts: { 'CB-1': { code: 'cb1.kontum', keyName: 'cb1', keyPassword: 'p1' }, 'CB-2': { code: '062090009999' } },
    unitAccount: { keyName: 'unit', keyPassword: 'pu' },
  }
  const { connector, sent } = setup({ officers })
  for (const officerId of ['CB-1', 'CB-2', 'CB-3']) await connector.operations.lookup!.run(AN, op({ officerId }))
  t.strictSame(sent.map((r) => [field(r, 'MaCanBo'), r.headers!['AuthHash']]), [
    ['cb1.kontum', Buffer.from('cb1:p1').toString('base64')],
    ['062090009999', Buffer.from('unit:pu').toString('base64')],
    ['CB-3', Buffer.from('unit:pu').toString('base64')],
  ])
  const strict = setup({ officers: { ...officers, unmapped: 'refuse' } })
  t.match(await rejected(strict.connector.operations.lookup!.run(AN, op({ officerId: 'CB-3' }))), /^rejected: .*no account registered/)
  t.match(await rejected(strict.connector.operations.lookup!.run(AN, op({ officerId: ' ' }))), /^rejected: .*accountable officer/)
  t.equal(strict.sent.length, 0)
})

t.test('LGSP path: an officer with no account key and no unit account is refused before any call (no AuthHash to send)', async (t) => {
  const auth = { type: 'lgsp-token', tokenUrl: 'https://lgsp.example.invalid/token', accessKey: 'ak', secretKey: 'sk', appName: 'HUB', partnerCode: 'P', partnerCodeCus: 'C' } as const
  const { connector, sent } = setup({ auth, officers: { accounts: { 'CB-1': { code: 'cb1.kontum' } } } })
  t.match(await rejected(connector.operations.lookup!.run(AN, op({ officerId: 'CB-1' }))), /^rejected: .*AuthHash.*Nothing was sent/)
  t.match(await rejected(connector.operations.verify!.run(AN, op({ officerId: 'CB-9' }))), /^rejected: .*AuthHash/)
  t.equal(sent.length, 0)
  const direct = setup({ officers: { accounts: { 'CB-1': { code: 'cb1.kontum' } } } })
  t.equal(await direct.connector.operations.lookup!.run(AN, op({ officerId: 'CB-1' })), null, 'the direct path needs no AuthHash')
  t.equal(direct.sent[0]!.headers!['AuthHash'], undefined)
})

t.test('MaDonVi in the configured position; name and date formats from config', async (t) => {
  const { connector, sent } = setup({ agencyCode: '000.00.00.H34', agencyPosition: 'after-officer', nameFormat: 'ascii-upper', dateFormat: 'yyyy-MM-dd' })
  await connector.operations.lookup!.run(AN, op())
  t.match(String(sent[0]!.body), '<dan:MaCanBo>CB-1</dan:MaCanBo><dan:MaDonVi>000.00.00.H34</dan:MaDonVi><dan:SoDinhDanh>062090001234</dan:SoDinhDanh><dan:HoVaTen>NGUYEN VAN AN</dan:HoVaTen><dan:NgayThangNamSinh><dan:NgayThangNam>1990-05-15</dan:NgayThangNam>')
})

t.test('verify: MaTichHop 003, a yes/no answer, the fields checked and what the answer cannot say', async (t) => {
  for (const exists of [true, false]) {
    const { connector, sent } = setup({}, () => ok(renderVerify(exists)))
    t.strictSame(await connector.operations.verify!.run(AN, op()), {
      match: exists,
      checked: ['personalId', 'fullName', 'dateOfBirth'],
      detail: 'The population database answers yes or no for the three fields together; it does not say which one differs.',
    })
    t.equal(field(sent[0]!, 'MaTichHop'), '003')
  }
})

t.test('operations declare their deadlines from config, with defaults', async (t) => {
  t.strictSame([setup().connector.operations.lookup!.timeoutMs, setup().connector.operations.verify!.timeoutMs], [5000, 5000])
  const custom = setup({ timeoutMs: { lookup: 1200 } }).connector
  t.strictSame([custom.operations.lookup!.timeoutMs, custom.operations.verify!.timeoutMs], [1200, 5000])
})

t.test('health: a GET of the service description, no personal data; 401 is not healthy', async (t) => {
  const { connector, sent } = setup({ path: '/dancu' }, () => ok('<definitions/>'))
  t.match(await probeHealth(connector, new AbortController().signal, 3000), { ok: true, latencyMs: Number })
  t.strictSame({ method: sent[0]!.method, path: sent[0]!.path, body: sent[0]!.body }, { method: 'GET', path: '/dancu?wsdl', body: undefined })
  const refused = setup({ health: { path: '/ping' } }, () => ok('', 401))
  t.match(await probeHealth(refused.connector, new AbortController().signal, 3000), { ok: false, detail: /^unauthorized/ })
  t.equal(refused.sent[0]!.path, '/ping')
  const down = setup({}, () => { throw Object.assign(new Error('x'), { kind: 'unavailable' }) })
  t.match(await probeHealth(down.connector, new AbortController().signal, 3000), { ok: false })
})

t.test('a SOAP fault on lookup is rejected; the client is left for the registry to close', async (t) => {
  const { connector, closed } = setup({}, () => ok(renderFault('Client', 'no'), 500))
  t.match(await rejected(connector.operations.lookup!.run(AN, op())), /^rejected: /)
  t.equal(connector.close, undefined, 'no close of its own: the registry closes the clients made with createClient')
  t.equal(closed(), 0)
})
