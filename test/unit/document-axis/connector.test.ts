/**
 * The document-axis connector through the registry (real undici client, Redis breaker) against its
 * simulator: the sandbox config signs and verifies, a signature policy can quarantine, a package
 * with one huge attribute is kept as unreadable (not retried for ever, the hub not brought down),
 * the agency list in the axis's shape, the sent list. Needs Redis at TEST_REDIS_URL or 127.0.0.1:6379.
 */
import t, { type Test } from 'tap'
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { deleteRedisPrefix } from '../../helpers/hub.js'
import { pino } from 'pino'
import documentAxis from '../../../connectors/document-axis/index.js'
import { SANDBOX_AXIS, SANDBOX_PROVINCE_UNIT } from '../../../connectors/document-axis/simulator.js'
import { buildEdoc } from '../../../connectors/document-axis/edxml.js'
import { createRegistry, validateConnectorConfigs } from '../../../src/upstream/registry.js'
import { createValidator } from '../../../src/config/validate.js'
import { createMetrics } from '../../../src/metrics.js'
import { documentIdOf, type Edoc } from '../../../connectors/document-axis/model.js'
import { createTestPki } from '../../../connectors/document-axis/test-pki.js'
import { loadConfig } from '../../../src/config/load.js'
import { redactConfig } from '../../../src/config/redact.js'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

const silent = pino({ level: 'silent' })
const redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 })
const prefix = `test:document-axis:${randomBytes(6).toString('hex')}:`
t.teardown(async () => {
  await deleteRedisPrefix(prefix)
  await redis.quit()
})

const G22 = SANDBOX_AXIS.governmentOffice

/** The sandbox (simulator + the config it hands the hub) and a registry holding the connector, `section` merged into that config. */
async function open(t: Test, section: Record<string, unknown> = {}) {
  const sandbox = await documentAxis.startSimulator!({ log: silent })
  t.teardown(() => sandbox.close())
  const config = { enabled: true, ...sandbox.config, ...section, circuit: { failureThreshold: 1000 } }
  const connectors = { 'document-axis': config }
  const problems = await validateConnectorConfigs(connectors)
  if (problems.length > 0) throw new Error(problems.join('\n'))
  const registry = await createRegistry({ connectors, redis, redisPrefix: `${prefix}${randomBytes(3).toString('hex')}:`, log: silent, metrics: createMetrics({ defaultMetrics: false }) })
  t.teardown(() => registry.close())
  // The connector's own tests call its operations by name; the result type is the test's to state.
  const invoke = <T = unknown>(operation: string, input: unknown) =>
    registry.invoke('document-axis', operation, input, { signal: new AbortController().signal, requestId: 'req-1', log: silent }) as Promise<T>
  const sim = { deliver: (pkg: Buffer | string) => fetch(`${sandbox.url}/__sim/deliver`, { method: 'POST', body: typeof pkg === 'string' ? pkg : new Uint8Array(pkg), headers: { 'content-type': 'application/xml' } }) }
  return { sandbox, invoke, sim }
}

function fromG22(subject: string, to = [{ organId: SANDBOX_PROVINCE_UNIT }]): Edoc {
  const number = randomBytes(3).toString('hex')
  return {
    header: {
      from: { organId: G22.organId, organName: G22.name }, to, documentId: documentIdOf(G22.organId, '2026-11-26', number, 'VPCP'),
      code: { number, notation: 'VPCP' }, promulgation: { place: 'Hà Nội', date: '2026-11-26' }, documentType: { type: '1', typeName: 'Công văn' },
      subject, signer: {}, trace: [],
    },
    attachments: [],
  }
}

async function receiveOne(invoke: <T>(op: string, input: unknown) => Promise<T>) {
  const { items } = await invoke<{ items: Array<{ docId: string; messageType: 'edoc' | 'status' }> }>('listReceived', {})
  t.equal(items.length, 1)
  const message = await invoke<Record<string, any>>('getMessage', { docId: items[0]!.docId, messageType: items[0]!.messageType, keepUnreadable: true })
  await invoke('acknowledge', { docId: items[0]!.docId })
  return message
}

t.test('the sandbox config passes the schema, lists agencies in the axis\'s shape, and sends signed packages the axis verifies', async (t) => {
  const { sandbox, invoke } = await open(t)
  const validate = createValidator(documentAxis.configSchema)
  t.ok(validate(structuredClone(sandbox.config)), JSON.stringify(validate.errors))
  const { agencies } = await invoke<{ agencies: Array<Record<string, string>> }>('listAgencies', {})
  t.strictSame(agencies[0], { id: '1', pid: '', code: SANDBOX_AXIS.province.organId, name: SANDBOX_AXIS.province.name, mail: '', oldCode: '' })
  const packed = await invoke<{ package: Buffer }>('packEdoc', { edoc: { ...fromG22('Gửi G22', [{ organId: G22.organId }]), header: { ...fromG22('Gửi G22', [{ organId: G22.organId }]).header, from: undefined } } })
  t.match(packed.package.toString('utf8'), /<Signature xmlns="http:\/\/www.w3.org\/2000\/09\/xmldsig#">/)
  const { docId } = await invoke<{ docId: string }>('send', { messageType: 'edoc', package: packed.package })
  const sent = await (await fetch(`${sandbox.url}/__sim/sent`)).json() as Array<{ docId: string; signature: string }>
  t.match(sent.find((s) => s.docId === docId), { signature: 'valid' })
  const listed = await invoke<{ items: Array<Record<string, unknown>> }>('listSent', { docId })
  t.match(listed.items, [{
    senderDocId: docId, messageType: 'edoc', serviceType: 'eDoc', fromCode: SANDBOX_AXIS.province.organId, toCode: G22.organId, sendStatus: 'done', receiveStatus: 'initial', title: 'Gửi G22', sentTime: /\+07:00$/,
  }], 'the sent list (getSentEdocList) shows it, not yet fetched by G22')
  t.equal(listed.items.length, 1)
  t.ok((await invoke<{ items: Array<{ senderDocId: string }> }>('listSent', { messageType: 'edoc' })).items.some((i) => i.senderDocId === docId), 'also in the whole list')
})

t.test('received: the verdict rides with the message; a policy of quarantine keeps the package as unreadable', async (t) => {
  const { sandbox, invoke, sim } = await open(t, { signatures: { policy: { absent: 'quarantine' } } })
  t.equal((await sim.deliver(buildEdoc(fromG22('Không ký')))).status, 200, 'a raw, unsigned package')
  const refused = await receiveOne(invoke)
  t.match(refused, { kind: 'unreadable', reason: /signature is absent \(quarantined by signatures\.policy\.absent\)/ })
  const signed = await fetch(`${sandbox.url}/__sim/deliver`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ fromSystem: G22.systemId, edoc: fromG22('Có ký') }) })
  t.equal(signed.status, 200)
  const accepted = await receiveOne(invoke)
  t.match(accepted, { kind: 'edoc', signature: { status: 'valid', flagged: false, signer: { subject: /G22/ } } })
})

t.test('one huge attribute: refused while parsing as over a limit and kept as unreadable, not fetched for ever', async (t) => {
  const { invoke, sim } = await open(t)
  const pkg = buildEdoc(fromG22('Bình thường')).toString('utf8').replace('<edXML:Subject>', `<edXML:Subject x="${'A'.repeat(3_000_000)}">`)
  t.equal((await sim.deliver(pkg)).status, 200)
  const message = await receiveOne(invoke)
  t.match(message, { kind: 'unreadable', reason: /longer than 262144 characters \(maxTextChars\)/ })
  t.ok(message.package.length > 3_000_000, 'the bytes are kept for an operator')
})

t.test('the signing key comes from a _FILE secret and config:show never prints it', async (t) => {
  const dir = t.testdir({})
  const identity = createTestPki().issue(SANDBOX_AXIS.province.organId, 'Kon Tum')
  writeFileSync(join(dir, 'key.pem'), identity.key)
  const prefix = 'LGSP_CONNECTORS__DOCUMENT_AXIS__'
  const config = loadConfig({
    env: {
      [`${prefix}BASE_URL`]: 'https://axis.example.gov.vn', [`${prefix}SYSTEM_ID`]: 'h34', [`${prefix}SECRET`]: 'not-a-real-secret', [`${prefix}ORGAN_ID`]: '000.00.00.H34',
      [`${prefix}ORGAN_NAME`]: 'UBND', [`${prefix}SIGNATURES__SIGNING_PRIVATE_KEY_FILE`]: join(dir, 'key.pem'), [`${prefix}SIGNATURES__SIGNING_CERTIFICATE`]: identity.certificate,
    },
  })
  const section = config.connectors['document-axis'] as unknown as { signatures: { signingPrivateKey: string; signingCertificate: string } }
  t.equal(section.signatures.signingPrivateKey, identity.key.trim())
  const shown = JSON.stringify(redactConfig(config))
  t.notMatch(shown, 'BEGIN PRIVATE KEY')
  t.match(shown, '"signingPrivateKey":"[redacted]"')
})
