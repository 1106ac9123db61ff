import t from 'tap'
import { pino } from 'pino'
import type { Redis } from 'ioredis'
import population from '../../../connectors/population/index.js'
import type { PopulationConfig } from '../../../connectors/population/config.js'
import { renderFault, renderLookup } from '../../../connectors/population/simulator-wire.js'
import type { UpstreamClient, UpstreamClientOptions, UpstreamRequest, UpstreamResponse } from '../../../src/upstream/client.js'
import type { OperationContext } from '../../../src/upstream/types.js'

const silent = pino({ level: 'silent' })
const AN = { personalId: '062090001234', fullName: 'Nguyễn Văn An', dateOfBirth: '1990-05-15' }

/** A connector on a scripted client that records what it was asked to send. */
function setup(config: Partial<PopulationConfig> = {}, reply: (req: UpstreamRequest) => UpstreamResponse = () => ok(renderLookup('x', []))) {
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
    config: { baseUrl: 'https://population.example.invalid/soap', serviceCode: '1.000123', auth: { type: 'none' }, ...config } as PopulationConfig,
    createClient: (o) => {
      options = o
      return client
    },
  }) as Awaited<ReturnType<typeof population.create>>
  return { connector, sent, options: () => options, closed: () => closed }
}
const ok = (body: string, status = 200): UpstreamResponse => ({ status, headers: {}, body: Buffer.from(body) })
const op = (o: Partial<OperationContext> = {}): OperationContext => ({ signal: new AbortController().signal, requestId: 'req-9', officerId: 'CB-1', log: silent, ...o })

t.test('a lookup is one idempotent SOAP 1.1 POST that accepts 200 and 500', async (t) => {
  const { connector, sent, options } = setup({ path: '/dancu/v1', retry: { maxAttempts: 2 }, connectTimeoutMs: 1500 })
  t.equal(await connector.operations.lookup!.run(AN, op()), null)
  t.equal(sent.length, 1)
  const req = sent[0]!
  t.strictSame({ method: req.method, path: req.path, headers: req.headers, idempotent: req.idempotent }, {
    method: 'POST', path: '/dancu/v1', headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: '""' }, idempotent: true,
  })
  t.strictSame([200, 500, 401, 503].map((s) => req.acceptStatus!(s)), [true, true, false, false])
  t.match(String(req.body), /<MaYeuCau>req-9<\/MaYeuCau><MaDVC>1\.000123<\/MaDVC><MaTichHop>037<\/MaTichHop><MaCanBo>CB-1<\/MaCanBo>/)
  t.match(options(), { baseUrl: 'https://population.example.invalid/soap', retry: { maxAttempts: 2 }, connectTimeoutMs: 1500 })
  t.equal(options()!.auth!.kind, 'none')
})

t.test('operations declare their deadlines from config, with defaults', async (t) => {
  t.strictSame([setup().connector.operations.lookup!.timeoutMs, setup().connector.operations.verify!.timeoutMs], [5000, 5000])
  const custom = setup({ timeoutMs: { lookup: 1200 } }).connector
  t.strictSame([custom.operations.lookup!.timeoutMs, custom.operations.verify!.timeoutMs], [1200, 5000])
  t.ok(custom.operations.lookup!.idempotent && custom.operations.verify!.idempotent)
})

t.test('the caller signal reaches the client', async (t) => {
  const { connector, sent } = setup()
  const controller = new AbortController()
  await connector.operations.verify!.run(AN, op({ signal: controller.signal })).catch(() => {})
  t.equal(sent[0]!.signal, controller.signal)
})

t.test('health: a lookup of the configured probe ID, ok when the upstream answers', async (t) => {
  const { connector, sent } = setup({ health: { personalId: '001000000001', officerId: 'probe' } })
  t.match(await connector.health(new AbortController().signal), { ok: true, latencyMs: Number })
  t.match(String(sent[0]!.body), /<MaCanBo>probe<\/MaCanBo><SoDinhDanh>001000000001<\/SoDinhDanh><HoVaTen>LGSP HEALTH CHECK<\/HoVaTen>/)
  t.not(sent[0]!.signal, undefined)
})

t.test('health: not ok with the failure kind when the upstream faults', async (t) => {
  const { connector } = setup({}, () => ok(renderFault('Server', 'down'), 500))
  t.match(await connector.health(new AbortController().signal), { ok: false, detail: /^unavailable: / })
})

t.test('close() closes the client', async (t) => {
  const { connector, closed } = setup()
  await connector.close()
  t.equal(closed(), 1)
})
