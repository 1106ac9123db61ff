/**
 * The simulated axis behind the HTTP layer in simulator.ts: routing of edXML packages to the
 * mailboxes of the systems owning their recipients, the received list, fetch and acknowledgement,
 * the remote agencies' auto-responder, and a log of what arrived. Answers wire.ts replies the HTTP
 * layer serialises; the packages go through edxml.ts both ways, so connector and simulator cannot
 * drift. Bounded: the oldest documents (with their mailbox entries) are forgotten first.
 */
import { randomUUID } from 'node:crypto'
import { buildEdoc, buildStatus, parseEdoc, parseStatus } from './edxml.js'
import { EdxmlError, isStatusCode, type DocumentRef, type Edoc, type Organ, type StatusCode, type StatusPacket } from './model.js'
import { ACK_STATUS, ERROR_CODES, failReply, hashFile, okReply, SERVICE_TYPE, type AxisReply, type MessageType, type ReceivedItem } from './wire.js'
import type { AxisSystem, Directory } from './simulator-sandbox.js'
import type { TestPki, TestIdentity } from './test-pki.js'
import { signPackage, verifyPackage, type SignatureStatus } from './edxml-signature.js'
import { X509Certificate } from 'node:crypto'

/** How a package reached the axis: a signed API call, a control route/method, or the auto-responder. */
export type Arrival = 'api' | 'deliver' | 'inject' | 'auto-reply'

/** What the axis received, in arrival order (`/__sim/sent`). */
export interface SentRecord {
  docId: string
  messageType: MessageType
  /** The system that sent it. */
  fromSystem: string
  via: Arrival
  /** RFC 3339, Vietnam time. */
  receivedAt: string
  /** `From` organ id. */
  from: string
  /** `To` organ ids; for a status packet the organ it answers (`ResponseFor.OrganId`). */
  to: string[]
  /** The document's axis id; for a status packet the one it answers. */
  documentId: string
  subject?: string
  statusCode?: StatusCode
  /** The verdict on the package's XML signature, when the simulator has a test CA. */
  signature?: SignatureStatus
}

/** A mailbox entry as `/__sim/mailbox` shows it: the received-list item and whether it was acknowledged. */
export interface MailboxEntry extends ReceivedItem {
  acknowledged: boolean
}

export interface MailboxView {
  systemId: string
  entries: MailboxEntry[]
  counts: { total: number; pending: number; acknowledged: number }
}

/** The remote agencies' answers to each document: these status codes, `stepMs` apart. */
export interface AutoReplySettings {
  codes: StatusCode[]
  stepMs: number
}
const DEFAULT_CODES: StatusCode[] = ['01', '03', '05', '06']
export const DEFAULT_AUTO_REPLY: Readonly<AutoReplySettings> = Object.freeze({ codes: DEFAULT_CODES, stepMs: 50 })

export interface AxisCounters {
  accepted: { edoc: number; status: number }
  /** FAIL replies to signed calls (bad package, unknown recipient, unknown document, …). */
  refused: number
  listed: number
  fetched: number
  acknowledged: number
  autoReplies: number
  autoReplyFailures: number
}

const emptyCounters = (): AxisCounters => ({ accepted: { edoc: 0, status: 0 }, refused: 0, listed: 0, fetched: 0, acknowledged: 0, autoReplies: 0, autoReplyFailures: 0 })

/** Descriptions the auto-responder writes (the recipient's clerk's words). */
const STATUS_TEXT: Record<StatusCode, string> = {
  '01': 'Đã đến', '02': 'Từ chối tiếp nhận', '03': 'Đã tiếp nhận', '04': 'Đã phân công', '05': 'Đang xử lý',
  '06': 'Đã hoàn thành', '13': 'Đề nghị thu hồi', '15': 'Đồng ý thu hồi', '16': 'Từ chối thu hồi',
}

export const DEFAULT_LIST_LIMIT = 100
/** The axis routes what it can route: it reads packages far more leniently than a recipient's limits (a hub must cope). */
const AXIS_LIMITS = { maxPackageBytes: 80 * 1024 * 1024, maxTextChars: 64 * 1024 * 1024, maxAttachmentBytes: 64 * 1024 * 1024, maxRecipients: 100_000, maxAttachments: 1000 }
const MAX_LIST_LIMIT = 1000

/** RFC 3339 in Vietnam time (UTC+7, no DST), seconds precision. */
export function vnTimestamp(ms = Date.now()): string {
  return `${new Date(ms + 7 * 3_600_000).toISOString().slice(0, 19)}+07:00`
}

/** Validates auto-reply settings (`false` turns it off; missing fields keep the defaults); a string says what is wrong. */
export function parseAutoReply(value: unknown): AutoReplySettings | false | string {
  if (value === false) return false
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'autoReply must be false or { codes?, stepMs? }'
  const v = value as Record<string, unknown>
  const unknown = Object.keys(v).filter((k) => k !== 'codes' && k !== 'stepMs')
  if (unknown.length > 0) return `unknown autoReply properties: ${unknown.join(', ')} (allowed: codes, stepMs)`
  const codes = v.codes ?? DEFAULT_AUTO_REPLY.codes
  const stepMs = v.stepMs ?? DEFAULT_AUTO_REPLY.stepMs
  if (!Array.isArray(codes) || codes.length === 0 || codes.length > 20 || !codes.every((c) => typeof c === 'string' && isStatusCode(c))) {
    return 'autoReply.codes must be 1–20 status codes such as "01", "03", "05", "06"'
  }
  if (!Number.isInteger(stepMs) || (stepMs as number) < 0 || (stepMs as number) > 600_000) return 'autoReply.stepMs must be an integer 0–600000'
  return { codes: [...codes] as StatusCode[], stepMs: stepMs as number }
}

type Parsed = { messageType: 'edoc'; edoc: Edoc } | { messageType: 'status'; packet: StatusPacket }
/** Result of handing a package to the axis. */
export type Outcome = { ok: true; docId: string } | { ok: false; reply: AxisReply }

interface StoredDoc {
  pkg: string
  record: SentRecord
  /** systemIds whose mailbox holds it. */
  recipients: string[]
}

export interface AxisOptions {
  directory: Directory
  autoReply: AutoReplySettings | false
  /** Documents kept; the oldest are forgotten first, mailbox entries included. */
  maxStoredDocuments: number
  /** Signs what simulated systems send and verifies what arrives (see SimulatorOptions.pki). */
  pki?: TestPki
  /** Told about an auto-reply that could not be built (a bug, not a request error). */
  onAutoReplyError?(err: unknown): void
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

/** EdxmlError's message, naming the element when the message does not already. */
function edxmlDesc(err: EdxmlError): string {
  return err.element && !err.message.includes(err.element) ? `${err.message} (element ${err.element})` : err.message
}

export function createAxis(options: AxisOptions) {
  const { directory } = options
  const store = new Map<string, StoredDoc>()
  const mailboxes = new Map<string, Map<string, MailboxEntry>>(directory.systems.map((s) => [s.systemId, new Map()]))
  const timers = new Set<NodeJS.Timeout>()
  const { pki } = options
  const ca = pki ? [new X509Certificate(pki.ca.certificate)] : undefined
  const identities = new Map<string, TestIdentity>()
  /** What a simulated system sends, signed with its test certificate (made on first use). */
  const signed = (system: AxisSystem, pkg: Buffer): Buffer => {
    if (!pki) return pkg
    let id = identities.get(system.systemId)
    if (!id) identities.set(system.systemId, (id = pki.issue(system.organId, system.name)))
    return signPackage(pkg, id)
  }
  let autoReply = options.autoReply
  let counters = emptyCounters()
  let closed = false

  const refuse = (code: string, desc: string): { ok: false; reply: AxisReply } => ({ ok: false, reply: failReply(code, desc) })

  /** Routes one parsed package from `sender` to the mailboxes of its recipients' systems. */
  function accept(sender: AxisSystem, parsed: Parsed, pkg: string, via: Arrival): Outcome {
    const from = parsed.messageType === 'edoc' ? parsed.edoc.header.from.organId : parsed.packet.from.organId
    if (directory.ownerOf(from)?.systemId !== sender.systemId) {
      return refuse(ERROR_CODES.badRequest, `From organ ${from} does not belong to system ${sender.systemId}; it may only send as *.${sender.organId.slice(-3)}`)
    }
    const to = parsed.messageType === 'edoc' ? [...new Set(parsed.edoc.header.to.map((o) => o.organId))] : [parsed.packet.responseFor.organId ?? '']
    if (to.length === 0 || to.includes('')) return refuse(ERROR_CODES.badRequest, 'the package names no recipient (To, or ResponseFor/OrganId of a status)')
    const bySystem = new Map<string, string[]>()
    for (const organId of to) {
      const owner = directory.ownerOf(organId)
      if (owner === undefined) return refuse(ERROR_CODES.unknownAgency, `recipient organ ${organId} is not registered on the axis`)
      bySystem.set(owner.systemId, [...(bySystem.get(owner.systemId) ?? []), organId])
    }
    const docId = randomUUID()
    const receivedAt = vnTimestamp()
    const record: SentRecord = parsed.messageType === 'edoc'
      ? { docId, messageType: 'edoc', fromSystem: sender.systemId, via, receivedAt, from, to, documentId: parsed.edoc.header.documentId, subject: parsed.edoc.header.subject }
      : { docId, messageType: 'status', fromSystem: sender.systemId, via, receivedAt, from, to, documentId: parsed.packet.responseFor.documentId ?? '', statusCode: parsed.packet.statusCode }
    if (ca) record.signature = verifyPackage(pkg, { trusted: ca }).status
    store.set(docId, { pkg, record, recipients: [...bySystem.keys()] })
    for (const [systemId, organs] of bySystem) {
      mailboxes.get(systemId)?.set(docId, {
        docId, serviceType: 'eDoc', messageType: parsed.messageType, from, to: organs.join(','), status: 'initial', created_time: receivedAt, acknowledged: false,
      })
    }
    counters.accepted[parsed.messageType]++
    evict()
    if (parsed.messageType === 'edoc') scheduleReplies(parsed.edoc)
    return { ok: true, docId }
  }

  function evict() {
    while (store.size > options.maxStoredDocuments) {
      const oldest = store.keys().next().value as string
      for (const systemId of store.get(oldest)?.recipients ?? []) mailboxes.get(systemId)?.delete(oldest)
      store.delete(oldest)
    }
  }

  function later(ms: number, fn: () => void) {
    const timer = setTimeout(() => {
      timers.delete(timer)
      fn()
    }, ms)
    timer.unref()
    timers.add(timer)
  }

  /** Each responding recipient answers with the configured status codes, `stepMs` apart. */
  function scheduleReplies(edoc: Edoc) {
    if (autoReply === false || closed) return
    const { codes, stepMs } = autoReply
    const h = edoc.header
    const ref: DocumentRef = { organId: h.from.organId, code: `${h.code.number}/${h.code.notation}`, promulgationDate: h.promulgation.date, documentId: h.documentId }
    const seen = new Set<string>()
    for (const organ of h.to) {
      const owner = directory.ownerOf(organ.organId)
      if (!owner?.responds || seen.has(organ.organId)) continue
      seen.add(organ.organId)
      codes.forEach((code, i) => later((i + 1) * stepMs, () => replyOnce(owner, organ, ref, code)))
    }
  }

  function replyOnce(owner: AxisSystem, organ: Organ, ref: DocumentRef, code: StatusCode) {
    try {
      const packet: StatusPacket = { responseFor: ref, from: organ, statusCode: code, description: STATUS_TEXT[code], timestamp: vnTimestamp(), staff: { department: 'Văn thư' } }
      const outcome = accept(owner, { messageType: 'status', packet }, signed(owner, buildStatus(packet)).toString('utf8'), 'auto-reply')
      if (outcome.ok) counters.autoReplies++
      else counters.autoReplyFailures++
    } catch (err) {
      counters.autoReplyFailures++
      options.onAutoReplyError?.(err)
    }
  }

  /** Parses a package of the given type; an unreadable one is a FAIL naming what is wrong. */
  function parsePackage(messageType: MessageType, pkg: string | Uint8Array): Parsed | { ok: false; reply: AxisReply } {
    try {
      return messageType === 'edoc' ? { messageType, edoc: parseEdoc(pkg, AXIS_LIMITS) } : { messageType, packet: parseStatus(pkg, AXIS_LIMITS) }
    } catch (err) {
      if (err instanceof EdxmlError) return refuse(ERROR_CODES.badRequest, edxmlDesc(err))
      throw err
    }
  }

  const counted = (reply: AxisReply): AxisReply => {
    if (reply.status === 'FAIL') counters.refused++
    return reply
  }
  const replyOf = (outcome: Outcome) => counted(outcome.ok ? okReply({ DocId: outcome.docId }) : outcome.reply)

  /** `/sendEdoc` from a signed-in system: the file bytes (the SDK's trailing CRLF removed), checked against `hash-file`. */
  function send(systemId: string, params: Map<string, string>, body: Buffer): AxisReply {
    const sender = directory.system(systemId)
    if (sender === undefined) return counted(failReply(ERROR_CODES.badSignature, `system ${systemId} is not registered`))
    const messageType = params.get('messagetype')
    if (messageType !== 'edoc' && messageType !== 'status') return counted(failReply(ERROR_CODES.badRequest, 'the messagetype header must be "edoc" or "status"'))
    const pkg = body.length >= 2 && body[body.length - 2] === 13 && body[body.length - 1] === 10 ? body.subarray(0, body.length - 2) : body
    if (params.get('hash-file') !== hashFile(pkg)) return counted(failReply(ERROR_CODES.badRequest, 'hash-file does not match the file'))
    if (params.get('from') !== undefined && params.get('from') !== sender.organId && directory.ownerOf(params.get('from')!)?.systemId !== systemId) {
      return counted(failReply(ERROR_CODES.badRequest, `from ${params.get('from')} is not an agency of system ${systemId}`))
    }
    const parsed = parsePackage(messageType, pkg)
    if ('ok' in parsed) return counted(parsed.reply)
    return replyOf(accept(sender, parsed, pkg.toString('utf8'), 'api'))
  }

  /** `/getReceivedEdocList`: the caller's unacknowledged entries of one message type, oldest first. */
  function list(systemId: string, params: Map<string, string>): AxisReply {
    const messageType = params.get('messagetype')
    if (messageType !== undefined && messageType !== 'edoc' && messageType !== 'status') return counted(failReply(ERROR_CODES.badRequest, 'messagetype must be "edoc" or "status"'))
    const data: ReceivedItem[] = []
    for (const { acknowledged, ...item } of mailboxes.get(systemId)?.values() ?? []) {
      if (data.length >= DEFAULT_LIST_LIMIT) break
      if (!acknowledged && (messageType === undefined || item.messageType === messageType)) data.push(item)
    }
    counters.listed++
    return okReply({ data })
  }

  function entryOf(systemId: string, params: Map<string, string>): { entry: MailboxEntry } | { reply: AxisReply } {
    const docId = params.get('docId')
    if (!docId) return { reply: failReply(ERROR_CODES.badRequest, 'the docId header is required') }
    const entry = mailboxes.get(systemId)?.get(docId)
    return entry ? { entry } : { reply: failReply(ERROR_CODES.notFound, `document ${docId} is not in the mailbox of ${systemId}`) }
  }

  /** `/getEdoc`: the stored package as base64 `data`, if the document is in the caller's mailbox. */
  function get(systemId: string, params: Map<string, string>): AxisReply {
    const found = entryOf(systemId, params)
    if ('reply' in found) return counted(found.reply)
    const stored = store.get(found.entry.docId)
    if (stored === undefined) return counted(failReply(ERROR_CODES.notFound, 'the document is no longer held'))
    counters.fetched++
    return okReply({ data: Buffer.from(stored.pkg, 'utf8').toString('base64') })
  }

  /** `/updateStatus`: `done` acknowledges a mailbox entry (idempotent); `fail` leaves it listed. */
  function ack(systemId: string, params: Map<string, string>): AxisReply {
    const found = entryOf(systemId, params)
    if ('reply' in found) return counted(found.reply)
    const status = params.get('status')
    if (status !== ACK_STATUS && status !== 'fail') return counted(failReply(ERROR_CODES.badRequest, `status must be "${ACK_STATUS}" or "fail"`))
    found.entry.updated_time = vnTimestamp()
    if (status === 'fail') return okReply()
    if (!found.entry.acknowledged) counters.acknowledged++
    found.entry.acknowledged = true
    found.entry.status = ACK_STATUS
    found.entry.status_desc = 'Đã nhận'
    return okReply()
  }

  /** `/getSentEdocList`: what the caller sent, newest last. */
  function listSent(systemId: string, params: Map<string, string>): AxisReply {
    const messageType = params.get('messagetype')
    const docId = params.get('docId')
    const data = [...store.values()]
      .filter((d) => d.record.fromSystem === systemId && (messageType === undefined || d.record.messageType === messageType) && (!docId || d.record.docId === docId))
      .slice(-DEFAULT_LIST_LIMIT)
      .map((d) => ({ d, acked: d.recipients.some((sys) => mailboxes.get(sys)?.get(d.record.docId)?.acknowledged === true) }))
      .map(({ d, acked }) => ({
        serviceType: SERVICE_TYPE, senderDocId: d.record.docId, receiverDocId: d.record.docId, fromCode: d.record.from, toCode: d.record.to.join(','),
        sendStatus: 'done', sendStatusDesc: 'Đã gửi', receiveStatus: acked ? 'done' : 'initial', receiveStatusDesc: acked ? 'Đã nhận' : 'Chưa nhận',
        title: d.record.subject ?? '', notation: '', messageType: d.record.messageType, sentTime: d.record.receivedAt, receivedTime: d.record.receivedAt,
      }))
    return okReply({ data })
  }

  /** Resolves the sending system: the named one, or the owner of the package's `From`. */
  function senderOf(fromSystem: string | undefined, fromOrgan: string): AxisSystem | { ok: false; reply: AxisReply } {
    const sender = fromSystem !== undefined ? directory.system(fromSystem) : directory.ownerOf(fromOrgan)
    if (sender !== undefined) return sender
    return refuse(ERROR_CODES.unknownAgency, fromSystem !== undefined ? `system ${fromSystem} is not registered` : `From organ ${fromOrgan} belongs to no registered system`)
  }

  /** A package from a (usually simulated) system, without the HTTP call: a model object or a raw package. */
  function inject(messageType: MessageType, input: Edoc | StatusPacket | string | Uint8Array, fromSystem: string | undefined, via: Arrival): Outcome {
    let parsed: Parsed
    let pkg: string
    try {
      if (typeof input === 'string' || input instanceof Uint8Array) {
        const p = parsePackage(messageType, input)
        if ('ok' in p) return p
        parsed = p
        pkg = typeof input === 'string' ? input : Buffer.from(input).toString('utf8')
      } else if (messageType === 'edoc') {
        parsed = { messageType, edoc: input as Edoc }
        const sender = senderOf(fromSystem, parsed.edoc.header.from.organId)
        pkg = ('ok' in sender ? buildEdoc(input as Edoc) : signed(sender, buildEdoc(input as Edoc))).toString('utf8')
      } else {
        parsed = { messageType, packet: input as StatusPacket }
        const sender = senderOf(fromSystem, parsed.packet.from.organId)
        pkg = ('ok' in sender ? buildStatus(input as StatusPacket) : signed(sender, buildStatus(input as StatusPacket))).toString('utf8')
      }
    } catch (err) {
      if (err instanceof EdxmlError) return refuse(ERROR_CODES.badRequest, edxmlDesc(err))
      throw err
    }
    const sender = senderOf(fromSystem, parsed.messageType === 'edoc' ? parsed.edoc.header.from.organId : parsed.packet.from.organId)
    return 'ok' in sender ? sender : accept(sender, parsed, pkg, via)
  }

  return {
    send,
    list,
    get,
    ack,
    listSent,
    /** `/getAgenciesList` in the axis's shape: numeric-looking `id`, parent `pid` ('' at the top), `mail`, `oldCode`. */
    agencies(): AxisReply {
      const list = directory.agencies()
      const idOf = new Map(list.map((a, i) => [a.code, String(i + 1)]))
      return okReply({ data: list.map((a) => ({ id: idOf.get(a.code)!, pid: a.parentCode === undefined ? '' : idOf.get(a.parentCode) ?? '', code: a.code, name: a.name, mail: '', oldCode: '' })) })
    },
    deliver: (edoc: Edoc | string | Uint8Array, fromSystem?: string) => inject('edoc', edoc, fromSystem, 'deliver'),
    injectStatus: (packet: StatusPacket | string | Uint8Array, fromSystem?: string) => inject('status', packet, fromSystem, 'inject'),
    mailbox(systemId: string): MailboxView | undefined {
      const box = mailboxes.get(systemId)
      if (box === undefined) return undefined
      const entries = [...box.values()].map((e) => ({ ...e }))
      const acknowledged = entries.filter((e) => e.acknowledged).length
      return { systemId, entries, counts: { total: entries.length, pending: entries.length - acknowledged, acknowledged } }
    },
    sent: (): SentRecord[] => [...store.values()].map((d) => structuredClone(d.record)),
    setAutoReply(settings: AutoReplySettings | false) {
      autoReply = settings === false ? false : { codes: [...settings.codes], stepMs: settings.stepMs }
    },
    autoReply: (): AutoReplySettings | false => (autoReply === false ? false : { codes: [...autoReply.codes], stepMs: autoReply.stepMs }),
    counters: (): AxisCounters => structuredClone(counters),
    resetCounters() {
      counters = emptyCounters()
    },
    /** Stops the auto-responder: pending answers are dropped. */
    close() {
      closed = true
      for (const timer of timers) clearTimeout(timer)
      timers.clear()
    },
  }
}

export type Axis = ReturnType<typeof createAxis>
