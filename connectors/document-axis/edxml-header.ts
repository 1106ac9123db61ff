/**
 * The document header both ways: `MessageHeader` and `TraceHeaderList` (with `Bussiness`) ⇄
 * EdocHeader. Writing follows the element order of VNPT's edXML library (reference §A, LIB);
 * reading ignores order and tolerates what real packages leave out (OrganName, SignerInfo
 * children, Bussiness, TraceHeader/OrganId) or send empty (ResponseFor).
 */
import { BUSINESS_DOC_TYPES, EdxmlError, type Business, type BusinessDocType, type EdocHeader, type StaffInfo } from './model.js'
import { isNode } from '../../src/xml/safe-xml.js'
import {
  childOf, childrenOf, count, countOf, element, isoDate, isoTimestamp, needChild, needText, optional, readOrgan, readResponseFor,
  required, textOf, textsOf, wireDate, wireTimestamp, writeOrgan, writeResponseFor, type At,
} from './edxml-common.js'

const fail = (message: string, element: string) => new EdxmlError(message, element)
const BUSINESS_BY_CODE = new Map(Object.entries(BUSINESS_DOC_TYPES).map(([name, code]) => [String(code), name as BusinessDocType]))

/** Sets `key` only when the value is present, so absent elements leave no `undefined` keys behind. */
export function put<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
  if (value !== undefined) target[key] = value
}

function list<T>(value: T[] | undefined, path: string, field: string): T[] {
  if (!Array.isArray(value)) throw fail(`${field} must be a list (${path})`, path)
  return value
}

const texts = (name: string, item: string, values: string[] | undefined, at: string, field: string) =>
  values === undefined ? '' : element(name, list(values, `${at}/${name}`, field).map((v, i) => optional(item, v, `${at}/${name}`, `${field}[${i}]`)).join(''))

// ---------------------------------------------------------------- StaffInfo

/** Child order: `Bussiness/StaffInfo` as the library writes it; a status packet's as the status samples do. */
const STAFF_DOC: ReadonlyArray<readonly [keyof StaffInfo, string]> = [
  ['department', 'Department'], ['departmentId', 'DepartmentId'], ['staff', 'Staff'], ['staffId', 'StaffId'], ['email', 'Email'], ['mobile', 'Mobile'],
]
const STAFF_STATUS: ReadonlyArray<readonly [keyof StaffInfo, string]> = [
  ['department', 'Department'], ['departmentId', 'DepartmentId'], ['staff', 'Staff'], ['staffId', 'StaffId'], ['mobile', 'Mobile'], ['email', 'Email'],
]

export function writeStaff(staff: StaffInfo, at: string, field: string, forStatus = false): string {
  if (!isNode(staff)) throw fail(`${field} must be an object (${at}/StaffInfo)`, `${at}/StaffInfo`)
  const s = staff as StaffInfo
  return element('StaffInfo', (forStatus ? STAFF_STATUS : STAFF_DOC).map(([key, wire]) => optional(wire, s[key], `${at}/StaffInfo`, `${field}.${key}`)).join(''))
}

export function readStaff(at: At): StaffInfo {
  const staff: StaffInfo = {}
  for (const [key, wire] of STAFF_DOC) put(staff, key, textOf(at, wire))
  return staff
}

// ---------------------------------------------------------------- MessageHeader

export function writeMessageHeader(h: EdocHeader, at: string): string {
  const to = list(h.to, `${at}/To`, 'header.to')
  if (to.length === 0) throw fail(`header.to is empty: ${at}/To needs at least one recipient`, `${at}/To`)
  const o = h.other
  if (o !== undefined && !isNode(o)) throw fail(`header.other must be an object (${at}/OtherInfo)`, `${at}/OtherInfo`)
  const oi = `${at}/OtherInfo`
  if (o?.direction !== undefined && typeof o.direction !== 'boolean') throw fail(`header.other.direction must be true or false (${oi}/Direction)`, `${oi}/Direction`)
  return element('MessageHeader', [
    writeOrgan('From', h.from, at, 'header.from'),
    ...to.map((organ, i) => writeOrgan('To', organ, at, `header.to[${i}]`)),
    required('DocumentId', h.documentId, at, 'header.documentId'),
    element('Code', required('CodeNumber', h.code?.number, `${at}/Code`, 'header.code.number')
      + required('CodeNotation', h.code?.notation, `${at}/Code`, 'header.code.notation')),
    element('PromulgationInfo', required('Place', h.promulgation?.place, `${at}/PromulgationInfo`, 'header.promulgation.place')
      + wireDate('PromulgationDate', h.promulgation?.date, `${at}/PromulgationInfo`, 'header.promulgation.date')),
    element('DocumentType', required('Type', h.documentType?.type, `${at}/DocumentType`, 'header.documentType.type')
      + optional('TypeDetail', h.documentType?.typeDetail, `${at}/DocumentType`, 'header.documentType.typeDetail')
      + required('TypeName', h.documentType?.typeName, `${at}/DocumentType`, 'header.documentType.typeName')),
    required('Subject', h.subject, at, 'header.subject'),
    optional('Content', h.content, at, 'header.content'),
    element('SignerInfo', optional('Competence', h.signer?.competence, `${at}/SignerInfo`, 'header.signer.competence')
      + optional('Position', h.signer?.position, `${at}/SignerInfo`, 'header.signer.position')
      + optional('FullName', h.signer?.fullName, `${at}/SignerInfo`, 'header.signer.fullName')),
    h.dueDate === undefined ? '' : wireDate('DueDate', h.dueDate, at, 'header.dueDate'),
    o === undefined ? '' : element('OtherInfo', [
      optional('Priority', o.priority, oi, 'header.other.priority'),
      optional('SphereOfPromulgation', o.sphereOfPromulgation, oi, 'header.other.sphereOfPromulgation'),
      optional('TyperNotation', o.typerNotation, oi, 'header.other.typerNotation'),
      count('PromulgationAmount', o.promulgationAmount, oi, 'header.other.promulgationAmount'),
      count('PageAmount', o.pageAmount, oi, 'header.other.pageAmount'),
      optional('ReplyFors', o.replyFors, oi, 'header.other.replyFors'),
      o.direction === undefined ? '' : element('Direction', String(o.direction)),
      optional('ReferenceCodes', o.referenceCodes, oi, 'header.other.referenceCodes'),
      texts('Appendixes', 'Appendix', o.appendixes, oi, 'header.other.appendixes'),
    ].join('')),
    ...(h.responseFor === undefined ? [] : list(h.responseFor, `${at}/ResponseFor`, 'header.responseFor').map((r, i) => writeResponseFor(r, at, `header.responseFor[${i}]`))),
    optional('SteeringType', h.steeringType, at, 'header.steeringType'),
    texts('ResponseForTask', 'TaskCode', h.responseForTask, at, 'header.responseForTask'),
    optional('ApplicationType', h.applicationType, at, 'header.applicationType'),
    texts('ToPlaces', 'Place', h.toPlaces, at, 'header.toPlaces'),
  ].join(''))
}

export function readMessageHeader(mh: At, maxRecipients: number): Omit<EdocHeader, 'trace' | 'business'> {
  const to = childrenOf(mh, 'To')
  if (to.length === 0) throw fail(`${mh.path}/To is missing: a document needs at least one recipient`, `${mh.path}/To`)
  if (to.length > maxRecipients) throw fail(`${mh.path}/To: ${to.length} recipients, over the limit of ${maxRecipients} (maxRecipients)`, `${mh.path}/To`)
  const code = needChild(mh, 'Code')
  const promulgation = needChild(mh, 'PromulgationInfo')
  const type = needChild(mh, 'DocumentType')
  const result: Omit<EdocHeader, 'trace' | 'business'> = {
    from: readOrgan(needChild(mh, 'From')),
    to: to.map(readOrgan),
    documentId: needText(mh, 'DocumentId'),
    code: { number: needText(code, 'CodeNumber'), notation: needText(code, 'CodeNotation') },
    promulgation: { place: needText(promulgation, 'Place'), date: isoDate(needText(promulgation, 'PromulgationDate'), `${promulgation.path}/PromulgationDate`) },
    documentType: { type: needText(type, 'Type'), typeName: needText(type, 'TypeName') },
    subject: needText(mh, 'Subject'),
    signer: {},
  }
  put(result.documentType, 'typeDetail', textOf(type, 'TypeDetail'))
  put(result, 'content', textOf(mh, 'Content'))
  const signer = childOf(mh, 'SignerInfo')
  if (signer) for (const [key, wire] of [['competence', 'Competence'], ['position', 'Position'], ['fullName', 'FullName']] as const) put(result.signer, key, textOf(signer, wire))
  const due = textOf(mh, 'DueDate')
  put(result, 'dueDate', due === undefined || due === '' ? undefined : isoDate(due, `${mh.path}/DueDate`))
  const other = childOf(mh, 'OtherInfo')
  if (other) {
    const o: NonNullable<EdocHeader['other']> = {}
    for (const [key, wire] of [['priority', 'Priority'], ['sphereOfPromulgation', 'SphereOfPromulgation'], ['typerNotation', 'TyperNotation']] as const) put(o, key, textOf(other, wire))
    put(o, 'promulgationAmount', countOf(other, 'PromulgationAmount'))
    put(o, 'pageAmount', countOf(other, 'PageAmount'))
    put(o, 'replyFors', textOf(other, 'ReplyFors'))
    const direction = textOf(other, 'Direction')
    if (direction !== undefined) {
      if (!/^(true|false)$/i.test(direction.trim())) throw fail(`${other.path}/Direction must be true or false`, `${other.path}/Direction`)
      o.direction = direction.trim().toLowerCase() === 'true'
    }
    put(o, 'referenceCodes', textOf(other, 'ReferenceCodes'))
    const appendixes = childOf(other, 'Appendixes')
    if (appendixes) o.appendixes = textsOf(appendixes, 'Appendix')
    result.other = o
  }
  const refs = childrenOf(mh, 'ResponseFor')
  if (refs.length > 0) result.responseFor = refs.map(readResponseFor)
  put(result, 'steeringType', textOf(mh, 'SteeringType'))
  const tasks = childOf(mh, 'ResponseForTask')
  if (tasks) result.responseForTask = textsOf(tasks, 'TaskCode')
  put(result, 'applicationType', textOf(mh, 'ApplicationType'))
  const places = childOf(mh, 'ToPlaces')
  if (places) result.toPlaces = textsOf(places, 'Place')
  return result
}

// ---------------------------------------------------------------- TraceHeaderList and Bussiness

function writeBusiness(b: Business, at: string): string {
  const path = `${at}/Bussiness`
  if (!isNode(b)) throw fail(`header.business must be an object (${path})`, path)
  const code = typeof b.docType === 'string' && Object.hasOwn(BUSINESS_DOC_TYPES, b.docType) ? BUSINESS_DOC_TYPES[b.docType] : undefined
  if (code === undefined) {
    throw fail(`header.business.docType must be one of ${Object.keys(BUSINESS_DOC_TYPES).join(', ')} (${path}/BussinessDocType)`, `${path}/BussinessDocType`)
  }
  const info = (b.documentInfo ?? []).map((d, i) => element('BussinessDocumentInfo', [
    optional('DocumentInfo', d.documentInfo, `${path}/BussinessDocumentInfo`, `header.business.documentInfo[${i}].documentInfo`),
    optional('DocumentReceiver', d.documentReceiver, `${path}/BussinessDocumentInfo`, `header.business.documentInfo[${i}].documentReceiver`),
    element('ReceiverList', list(d.receivers, `${path}/BussinessDocumentInfo/ReceiverList`, `header.business.documentInfo[${i}].receivers`).map((r, j) => element('Receiver',
      optional('OrganId', r.organId, `${path}/BussinessDocumentInfo/ReceiverList/Receiver`, `header.business.documentInfo[${i}].receivers[${j}].organId`)
      + optional('ReceiverType', r.receiverType, `${path}/BussinessDocumentInfo/ReceiverList/Receiver`, `header.business.documentInfo[${i}].receivers[${j}].receiverType`))).join('')),
  ].join('')))
  const replacements = b.replacements === undefined ? '' : element('ReplacementInfoList', list(b.replacements, `${path}/ReplacementInfoList`, 'header.business.replacements')
    .map((r, i) => element('ReplacementInfo', optional('DocumentId', r.documentId, `${path}/ReplacementInfoList/ReplacementInfo`, `header.business.replacements[${i}].documentId`)
      + texts('OrganIdList', 'OrganId', r.organIds, `${path}/ReplacementInfoList/ReplacementInfo`, `header.business.replacements[${i}].organIds`))).join(''))
  return element('Bussiness', [
    optional('DocumentId', b.documentId, path, 'header.business.documentId'),
    element('BussinessDocType', String(code)),
    optional('BussinessDocReason', b.docReason, path, 'header.business.docReason'),
    optional('Paper', b.paper, path, 'header.business.paper'),
    ...info,
    replacements,
    ...(b.staff ?? []).map((s, i) => writeStaff(s, path, `header.business.staff[${i}]`)),
  ].join(''))
}

/** Hops, then `Bussiness` (as in the library's sample output). */
export function writeTraceHeaderList(h: EdocHeader, at: string): string {
  const hops = list(h.trace, `${at}/TraceHeader`, 'header.trace').map((hop, i) => {
    if (!isNode(hop)) throw fail(`header.trace[${i}] must be an object (${at}/TraceHeader)`, `${at}/TraceHeader`)
    return element('TraceHeader', optional('OrganId', hop.organId, `${at}/TraceHeader`, `header.trace[${i}].organId`)
      + wireTimestamp('Timestamp', hop.timestamp, `${at}/TraceHeader`, `header.trace[${i}].timestamp`))
  })
  return element('TraceHeaderList', hops.join('') + (h.business === undefined ? '' : writeBusiness(h.business, at)))
}

function readBusiness(b: At): Business {
  const code = needText(b, 'BussinessDocType').trim()
  const docType = BUSINESS_BY_CODE.get(code)
  if (docType === undefined) throw fail(`${b.path}/BussinessDocType must be 0, 1, 2 or 3`, `${b.path}/BussinessDocType`)
  const result: Business = { docType }
  put(result, 'docReason', textOf(b, 'BussinessDocReason'))
  put(result, 'documentId', textOf(b, 'DocumentId'))
  put(result, 'paper', textOf(b, 'Paper'))
  const info = childrenOf(b, 'BussinessDocumentInfo')
  if (info.length > 0) {
    result.documentInfo = info.map((d) => {
      const item: NonNullable<Business['documentInfo']>[number] = { receivers: [] }
      put(item, 'documentInfo', textOf(d, 'DocumentInfo'))
      put(item, 'documentReceiver', textOf(d, 'DocumentReceiver'))
      const receivers = childOf(d, 'ReceiverList')
      if (receivers) {
        item.receivers = childrenOf(receivers, 'Receiver').map((r) => {
          const receiver: { organId?: string; receiverType?: string } = {}
          put(receiver, 'organId', textOf(r, 'OrganId'))
          put(receiver, 'receiverType', textOf(r, 'ReceiverType'))
          return receiver
        })
      }
      return item
    })
  }
  const lists = childrenOf(b, 'ReplacementInfoList')
  if (lists.length > 0) {
    result.replacements = lists.flatMap((l) => childrenOf(l, 'ReplacementInfo')).map((r) => {
      const organs = childOf(r, 'OrganIdList')
      const item: NonNullable<Business['replacements']>[number] = { organIds: organs ? textsOf(organs, 'OrganId') : [] }
      put(item, 'documentId', textOf(r, 'DocumentId'))
      return item
    })
  }
  const staff = childrenOf(b, 'StaffInfo')
  if (staff.length > 0) result.staff = staff.map(readStaff)
  return result
}

export function readTraceHeaderList(header: At): Pick<EdocHeader, 'trace' | 'business'> {
  const list = childOf(header, 'TraceHeaderList')
  if (!list) return { trace: [] }
  const trace = childrenOf(list, 'TraceHeader').map((hop) => {
    const item: EdocHeader['trace'][number] = { timestamp: isoTimestamp(needText(hop, 'Timestamp').trim(), `${hop.path}/Timestamp`) }
    put(item, 'organId', textOf(hop, 'OrganId'))
    return item
  })
  const business = childOf(list, 'Bussiness')
  return business ? { trace, business: readBusiness(business) } : { trace }
}
