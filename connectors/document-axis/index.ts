/**
 * Connector for the national document exchange axis (reference edxml-vxp.md): edXML packages in
 * the real QCVN 102:2016 layout built and read here (edxml.ts), carried over the VXP calls as
 * VNPT's SDK makes them (wire.ts). The hub sees only
 * domain objects (model.ts) and opaque package bytes it stores and hands back for sending.
 *
 * Operations: `packEdoc` / `packStatus` (no I/O: domain → package, checked), `send`,
 * `listReceived`, `listSent`, `getMessage` (fetch + hardened parse), `readPackage` (parse a kept package),
 * `inspectPackage` (what `edxml:inspect` prints, for the console), `acknowledge`, `listAgencies`.
 */
import type { Connector, ConnectorContext } from '../../src/upstream/types.js'
import { implement } from '../../src/upstream/contract.js'
import { defineConnector } from '../../src/upstream/connector-kit.js'
import { Acknowledge, AxisAgenciesList, GetMessage, InspectPackage, ListReceived, ListSent, PackEdoc, PackStatus, ReadPackage, SendPackage } from '../../src/axis/contracts.js'
import type { UpstreamClient, UpstreamResponse } from '../../src/upstream/client.js'
import { UpstreamError, isUpstreamError } from '../../src/upstream/errors.js'
import { DocumentAxisConfigSchema, resolveConfig, type DocumentAxisConfig } from './config.js'
import { buildEdoc, buildStatus, parseEdoc, parseStatus } from './edxml.js'
import { HEADER, ROOT } from './edxml-common.js'
import { EdxmlError, type Edoc, type MessageType, type Organ, type ReceivedItem, type ReceivedMessage, type ReceivedSignature, type SentItem, type UnreadablePackage, type AgencyItem } from './model.js'
import { hashFile, readReceivedItem, readReply, readSentItem, signHeaders, ACK_STATUS, SERVICE_TYPE, type AxisReply } from './wire.js'
import { scanBase64 } from './edxml-base64.js'
import { signPackage, verifyPackage, type SignatureAlgorithm, type SigningKey } from './edxml-signature.js'
import { createTestPki } from './test-pki.js'
import { inspectPackage as inspect } from './inspect.js'
import { X509Certificate } from 'node:crypto'
import { SANDBOX_AXIS, startDocumentAxisSimulator } from './simulator.js'
import { clientOverrides } from '../../src/upstream/client-config.js'

export { DocumentAxisConfigSchema, type DocumentAxisConfig }
export type { Edoc, StatusPacket, Organ, ReceivedMessage, ReceivedSignature, UnreadablePackage, SignatureVerdict } from './model.js'

/** Level-1 group of an agency code (`H34` in `000.01.32.H34`): an organ belongs to the province when it matches. */
const levelOne = (organId: string) => organId.slice(organId.lastIndexOf('.') + 1)

const splitPem = (pem: string) => pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []

/** getEdoc's `data`: the package as base64; checked before it is decoded. */
function packageOf(reply: AxisReply, docId: string): Buffer {
  const data = reply.data
  if (typeof data !== 'string') throw new UpstreamError('bad_response', `The document axis answered no package (\`data\`) for ${docId}.`)
  const scan = scanBase64(data)
  if (!scan.ok) throw new UpstreamError('bad_response', `The package of ${docId} is not base64: ${scan.detail}.`)
  return Buffer.from(data, 'base64')
}

function create(ctx: ConnectorContext<DocumentAxisConfig>): Connector {
  const config = resolveConfig(ctx.config)
  const client: UpstreamClient = ctx.createClient({
    baseUrl: config.baseUrl,
    // getEdoc answers the package as base64 inside JSON.
    maxResponseBytes: Math.ceil(config.limits.maxPackageBytes / 3) * 4 + 64 * 1024,
    ...clientOverrides(config),
  })
  const province: Organ = { organId: config.organId, organName: config.organName }
  const sig = config.signatures
  const trusted = sig?.trustedCa === undefined ? undefined : splitPem(sig.trustedCa).map((pem) => new X509Certificate(pem))
  const signing: SigningKey | undefined = sig?.signingPrivateKey && sig.signingCertificate
    ? { key: sig.signingPrivateKey, certificate: sig.signingCertificate, algorithm: (sig.algorithm ?? 'rsa-sha1') as SignatureAlgorithm }
    : undefined
  /** Verifies a received package's signature; a verdict the policy quarantines is refused like an unreadable package. */
  function checkSignature(body: Buffer): ReceivedSignature {
    const verdict = verifyPackage(body, trusted ? { trusted } : {})
    const action = config.signaturePolicy[verdict.status]
    if (action === 'quarantine') {
      throw new EdxmlError(`the package's signature is ${verdict.status}${verdict.reason ? `: ${verdict.reason}` : ''} (quarantined by signatures.policy.${verdict.status})`, `${HEADER}/Signature`)
    }
    return { ...verdict, flagged: action === 'flag' }
  }
  const isOurs = (organId: string) => levelOne(organId) === levelOne(config.organId)

  /** One signed call, parameters as `XroadVnpt-*` headers; a FAIL reply becomes its UpstreamError inside `inspect`, so the breaker counts what it should. */
  async function call(path: string, params: Array<[string, string]>, body: Buffer | string, signal: AbortSignal, idempotent: boolean): Promise<AxisReply> {
    const headers = signHeaders({ systemId: config.systemId, secret: config.secret, params, contentType: typeof body === 'string' ? 'application/json' : 'application/octet-stream' })
    let reply: AxisReply | undefined
    await client.request({
      method: 'POST', path, headers, body, idempotent, signal,
      inspect(res: UpstreamResponse) {
        const r = readReply(res.body)
        if (!r.ok) return r.error
        reply = r.reply
        return undefined
      },
    })
    if (reply === undefined) throw new UpstreamError('bad_response', 'The document axis reply was not read.')
    return reply
  }

  /** A package the axis or a partner would refuse is refused here first, with the element named. */
  const refuse = (err: unknown, what: string): never => {
    if (err instanceof EdxmlError) throw new UpstreamError('rejected', `The ${what} is not valid edXML: ${err.message}`, { upstreamReason: err.message })
    throw err
  }

  const packEdoc = implement(PackEdoc, {
    timeoutMs: config.timeoutMs.pack,
    idempotent: true,
    async run(input) {
      const from = input.edoc.header.from ?? province
      if (!isOurs(from.organId)) throw new UpstreamError('rejected', `The sender ${from.organId} is not an agency of this province (${config.organId}).`)
      // Like VNPT's library, the sender writes the first hop itself; the axis appends its own.
      const trace = Array.isArray(input.edoc.header.trace) && input.edoc.header.trace.length > 0 ? input.edoc.header.trace : [{ organId: from.organId, timestamp: new Date().toISOString() }]
      const edoc: Edoc = { ...input.edoc, header: { ...input.edoc.header, from, trace } }
      // The limits we read packages under are the ones we send under: a recipient (the province
      // itself, for a document between two of its agencies) would refuse anything larger.
      const { limits } = config
      const files = Array.isArray(edoc.attachments) ? edoc.attachments : [] // the builder names a malformed list
      if (files.length > limits.maxAttachments) throw new UpstreamError('rejected', `The document has ${files.length} attachments; the limit is ${limits.maxAttachments} (maxAttachments).`)
      const large = files.findIndex((a) => a?.data instanceof Uint8Array && a.data.byteLength > limits.maxAttachmentBytes)
      if (large >= 0) throw new UpstreamError('rejected', `Attachment ${large + 1} is ${files[large]!.data.byteLength} bytes; the limit is ${limits.maxAttachmentBytes} (maxAttachmentBytes).`)
      let pkg: Buffer
      try {
        pkg = buildEdoc(edoc)
        if (signing) pkg = signPackage(pkg, signing)
      } catch (err) {
        return refuse(err, 'document')
      }
      if (pkg.length > limits.maxPackageBytes) throw new UpstreamError('rejected', `The package would be ${pkg.length} bytes; the limit is ${limits.maxPackageBytes} (maxPackageBytes).`)
      return { package: pkg, documentId: edoc.header.documentId, from }
    },
  })

  const packStatus = implement(PackStatus, {
    timeoutMs: config.timeoutMs.pack,
    idempotent: true,
    async run(input) {
      if (!isOurs(input.status.from.organId)) throw new UpstreamError('rejected', `The status sender ${input.status.from.organId} is not an agency of this province.`)
      try {
        const pkg = buildStatus(input.status)
        return { package: signing ? signPackage(pkg, signing) : pkg }
      } catch (err) {
        return refuse(err, 'status packet')
      }
    },
  })

  const send = implement(SendPackage, {
    description: 'Sends a package built by packEdoc or packStatus; answers the axis\'s id for it. Not repeated inside the call (the outbox retries).',
    timeoutMs: config.timeoutMs.send,
    idempotent: false,
    async run(input, op) {
      if (input.package.length > config.limits.maxPackageBytes) throw new UpstreamError('rejected', `The package is ${input.package.length} bytes; the limit is ${config.limits.maxPackageBytes}.`)
      // The SDK sends the file followed by CRLF; hash-file covers the file alone.
      const params: Array<[string, string]> = [['from', config.organId], ['servicetype', SERVICE_TYPE], ['messagetype', input.messageType], ['hash-file', hashFile(input.package)]]
      const reply = await call(config.paths.send, params, Buffer.concat([input.package, Buffer.from('\r\n')]), op.signal, false)
      const docId = typeof reply.DocId === 'string' ? reply.DocId : ''
      if (docId === '') throw new UpstreamError('bad_response', 'The document axis accepted the package without giving its DocId.')
      return { docId }
    },
  })

  /**
   * A list the axis gives one message type per call (received or sent): each asked type in turn
   * (both when none is asked), its `data` entries read by `read`; an unreadable entry is skipped
   * with a warning.
   */
  async function listPerType<T>(o: {
    path: string; messageType: MessageType | undefined; extra: Array<[string, string]>; read: (raw: unknown) => T | undefined
    what: string; signal: AbortSignal; log: { warn(msg: string): void }
  }): Promise<T[]> {
    const items: T[] = []
    for (const messageType of o.messageType ? [o.messageType] : (['edoc', 'status'] as const)) {
      const reply = await call(o.path, [['servicetype', SERVICE_TYPE], ['messagetype', messageType], ...o.extra], '', o.signal, true)
      if (!Array.isArray(reply.data)) throw new UpstreamError('bad_response', `The ${o.what} list has no \`data\` array.`)
      for (const raw of reply.data) {
        const item = o.read(raw)
        if (item) items.push(item)
        else o.log.warn(`skipped an unreadable ${o.what}-list entry`)
      }
    }
    return items
  }

  const listReceived = implement(ListReceived, {
    timeoutMs: config.timeoutMs.listReceived,
    idempotent: true,
    async run(input, op) {
      const items = await listPerType<ReceivedItem>({ path: config.paths.listReceived, messageType: input.messageType, extra: [], read: readReceivedItem, what: 'received', signal: op.signal, log: op.log })
      return { items: input.limit ? items.slice(0, input.limit) : items }
    },
  })

  const listSent = implement(ListSent, {
    timeoutMs: config.timeoutMs.listReceived,
    idempotent: true,
    async run(input, op) {
      const extra: Array<[string, string]> = input.docId ? [['docId', input.docId]] : []
      const items = await listPerType<SentItem>({ path: config.paths.listSent, messageType: input.messageType, extra, read: readSentItem, what: 'sent', signal: op.signal, log: op.log })
      return { items }
    },
  })

  /** The hardened parse of one received package (no I/O); a refusal is an EdxmlError naming the element or limit. */
  function parseReceived(docId: string, messageType: MessageType, body: Buffer): ReceivedMessage {
    if (messageType === 'status') {
      const status = parseStatus(body, config.limits)
      return { kind: 'status', docId, status, package: body, signature: checkSignature(body) }
    }
    const edoc = parseEdoc(body, config.limits)
    return { kind: 'edoc', docId, edoc, package: body, ours: edoc.header.to.map((t) => t.organId).filter(isOurs), signature: checkSignature(body) }
  }

  /** A refusal of a package (no I/O): an answer, not a failure of the axis. */
  const unreadable = (docId: string, messageType: MessageType, body: Buffer, err: EdxmlError): UnreadablePackage =>
    ({ kind: 'unreadable', docId, messageType, package: body, reason: err.message })

  const getMessage = implement(GetMessage, {
    description: 'Fetches one received package and reads it under the configured limits. A package that is not acceptable edXML is `bad_response` naming the element, or with `keepUnreadable` an `unreadable` answer carrying the bytes and the reason (the axis did its part; the content is the problem) when the refusal lies inside a well-formed edXML envelope; a reply that is not one (cut, foreign) stays `bad_response`.',
    timeoutMs: config.timeoutMs.getMessage,
    idempotent: true,
    async run(input, op): Promise<ReceivedMessage | UnreadablePackage> {
      const reply = await call(config.paths.get, [['docId', input.docId], ['filePath', '']], '{}', op.signal, true)
      const body = packageOf(reply, input.docId)
      try {
        return parseReceived(input.docId, input.messageType, body)
      } catch (err) {
        if (!(err instanceof EdxmlError)) throw err
        // Only a refusal inside a well-formed edXML envelope is surely about the sender's package.
        // Short of one (not UTF-8, not well-formed, a DTD, another root) the reply may not be the
        // package at all — cut, or a proxy's page — so it is a failed fetch, never kept as the package.
        const envelope = (err.element !== undefined && err.element !== ROOT) || err.overLimit
        if (input.keepUnreadable === true && envelope) return unreadable(input.docId, input.messageType, body, err)
        throw new UpstreamError('bad_response', `Received ${input.messageType} ${input.docId} is not acceptable edXML.`, { upstreamReason: err.message })
      }
    },
  })

  const readPackage = implement(ReadPackage, {
    timeoutMs: config.timeoutMs.pack,
    idempotent: true,
    async run(input) {
      try {
        return parseReceived(input.docId, input.messageType, input.package)
      } catch (err) {
        if (err instanceof EdxmlError) return unreadable(input.docId, input.messageType, input.package, err)
        throw err
      }
    },
  })

  const inspectPackage = implement(InspectPackage, {
    timeoutMs: config.timeoutMs.pack,
    idempotent: true,
    async run(input) {
      return inspect(input.package, trusted)
    },
  })

  const acknowledge = implement(Acknowledge, {
    timeoutMs: config.timeoutMs.acknowledge,
    idempotent: true,
    async run(input, op) {
      await call(config.paths.updateStatus, [['docId', input.docId], ['status', ACK_STATUS]], '{}', op.signal, true)
      return {}
    },
  })

  const listAgencies = implement(AxisAgenciesList, {
    description: 'Agencies registered on the axis (`id`, parent `pid`, `code`, `name`, `mail`, `oldCode`).',
    timeoutMs: config.timeoutMs.listAgencies,
    idempotent: true,
    async run(_input, op) {
      const reply = await call(config.paths.agencies, [], '', op.signal, true)
      if (!Array.isArray(reply.data)) throw new UpstreamError('bad_response', 'The agency list has no `data` array.')
      const text = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '')
      const agencies: AgencyItem[] = (reply.data as Array<Record<string, unknown>>)
        .filter((a) => typeof a?.code === 'string' && typeof a?.name === 'string')
        .map((a) => ({ id: text(a.id), pid: text(a.pid), code: a.code as string, name: a.name as string, mail: text(a.mail), oldCode: text(a.oldCode) }))
      return { agencies }
    },
  })

  return {
    operations: { packEdoc, packStatus, send, listReceived, listSent, getMessage, readPackage, inspectPackage, acknowledge, listAgencies },
    /** The agency list proves the endpoint, our signature and our clock together. */
    probe: async (signal) => void (await call(config.paths.agencies, [], '', signal, true)),
  }
}

export default defineConnector({
  id: 'document-axis',
  configSchema: DocumentAxisConfigSchema,
  create,
  simulator: {
    // A test CA made now: the hub signs with an identity it issued, the simulated agencies sign
    // what they send with theirs, and both sides verify against it (nothing is kept on disk).
    async start(options) {
      const pki = createTestPki()
      const sim = await startDocumentAxisSimulator({ pki, ...options })
      return Object.assign(sim, { identity: pki.issue(SANDBOX_AXIS.province.organId, SANDBOX_AXIS.province.name), ca: pki.ca.certificate })
    },
    sandboxConfig: (sim) => {
      const own = SANDBOX_AXIS.province
      return {
        baseUrl: sim.url, systemId: own.systemId, secret: own.secret, organId: own.organId, organName: own.name,
        signatures: { trustedCa: sim.ca, signingPrivateKey: sim.identity.key, signingCertificate: sim.identity.certificate },
      }
    },
  },
})
