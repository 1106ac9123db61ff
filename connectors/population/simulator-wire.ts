/**
 * The simulator's side of the wire. It takes element names from wire.ts (so a renamed element
 * is caught) but parses requests and renders replies with its own code and value tables, and it
 * is strict: namespaces, element order (with MaDonVi in either position peers use), MaTichHop
 * per operation and date formats are all checked, so a broken request builder fails the tests
 * instead of passing through a lenient twin. Replies have the shape of the reference's sample
 * (SX): `CongdanCollection` in `ns1` directly in the Body, names in `Ten`, every element present.
 */
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser'
import type { Citizen } from '../../schemas/citizen.js'
import { CITIZEN_ORDER, EL, INTEGRATION_CODE, NAMESPACE, OPERATION, REPLY_NAMESPACE, requestOrder, SOAP_ENV_NS, type OperationKey } from './wire.js'

/** A request the simulator refuses as malformed; answered with a `soap:Client` fault. */
export class SimRequestError extends Error {}

export interface SimRequest {
  operation: OperationKey
  requestId: string
  serviceCode: string
  integrationCode: string
  agencyCode?: string
  officerCode: string
  /** 12-digit personal ID, or 9-digit old ID when sent in SoCMND. */
  personalId: string
  oldId: boolean
  /** As sent. */
  fullName: string
  /** `YYYY-MM-DD` or `YYYY`. */
  dateOfBirth: string
}

type OrderedNode = Record<string, unknown>
interface Element { ns: string | undefined; local: string; children: OrderedNode[]; scope: Record<string, string> }

const requestParser = new XMLParser({
  preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '@_', removeNSPrefix: false,
  parseTagValue: false, trimValues: true, processEntities: true, maxNestedTags: 16,
})

/** Element children of an ordered node list, with their namespace resolved through xmlns scopes. */
function elements(nodes: OrderedNode[], scope: Record<string, string>): Element[] {
  const out: Element[] = []
  for (const node of nodes) {
    const tag = Object.keys(node).find((k) => k !== ':@')
    if (tag === undefined || tag === '#text' || tag.startsWith('?')) continue
    const attrs = (node[':@'] ?? {}) as Record<string, string>
    const own = { ...scope }
    for (const [k, v] of Object.entries(attrs)) {
      if (k === '@_xmlns') own[''] = v
      else if (k.startsWith('@_xmlns:')) own[k.slice(8)] = v
    }
    const colon = tag.indexOf(':')
    out.push({ ns: own[colon < 0 ? '' : tag.slice(0, colon)], local: colon < 0 ? tag : tag.slice(colon + 1), children: node[tag] as OrderedNode[], scope: own })
  }
  return out
}

function leafText(el: Element): string {
  if (elements(el.children, el.scope).length > 0) throw new SimRequestError(`${el.local} must contain text, not elements`)
  return el.children.filter((n) => '#text' in n).map((n) => String(n['#text'])).join('')
}

function single(list: Element[], what: string): Element {
  if (list.length !== 1) throw new SimRequestError(`expected exactly one ${what}, found ${list.length}`)
  return list[0] as Element
}

/** `NgayThangNam` in `yyyyMMdd` or `yyyy-MM-dd` (both seen in peers), or `Nam`. */
function parseDateElement(el: Element): string {
  const inner = single(elements(el.children, el.scope), `element inside ${el.local}`)
  const value = leafText(inner)
  if (inner.local === EL.fullDate) {
    const m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(value)
    const date = m && new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])))
    if (!m || !date || date.getUTCDate() !== Number(m[3]) || date.getUTCMonth() !== Number(m[2]) - 1) throw new SimRequestError(`${EL.fullDate} must be a date (yyyyMMdd or yyyy-MM-dd)`)
    return `${m[1]}-${m[2]}-${m[3]}`
  }
  if (inner.local === EL.yearOnly && /^\d{4}$/.test(value)) return value
  throw new SimRequestError(`${el.local} must hold ${EL.fullDate} or ${EL.yearOnly} (yyyy)`)
}

/** Parses and validates one SOAP request; throws SimRequestError for anything the upstream would refuse. */
export function parseSimRequest(xml: string): SimRequest {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new SimRequestError('DTDs are not allowed in SOAP')
  if (XMLValidator.validate(xml) !== true) throw new SimRequestError('the request is not well-formed XML')
  const envelope = single(elements(requestParser.parse(xml) as OrderedNode[], {}), 'root element')
  if (envelope.local !== 'Envelope' || envelope.ns !== SOAP_ENV_NS) throw new SimRequestError('the root must be a SOAP 1.1 Envelope')
  const body = elements(envelope.children, envelope.scope).find((e) => e.local === 'Body' && e.ns === SOAP_ENV_NS)
  if (!body) throw new SimRequestError('no soap:Body')
  const call = single(elements(body.children, body.scope), 'operation element in the Body')
  const operation = (Object.keys(OPERATION) as OperationKey[]).find((k) => OPERATION[k] === call.local)
  if (!operation || call.ns !== NAMESPACE) throw new SimRequestError(`unknown operation {${call.ns ?? ''}}${call.local}`)

  const fields = elements(call.children, call.scope)
  for (const f of fields) if (f.ns !== NAMESPACE) throw new SimRequestError(`${f.local} is not in ${NAMESPACE}`)
  const names = fields.map((f) => f.local)
  const hasAgency = names.includes(EL.agencyCode)
  const oldId = names.includes(EL.oldIdNumber)
  // Either position of MaDonVi is accepted (the spec's and the one a peer uses); nothing else moves.
  const orders = (['before-officer', 'after-officer'] as const).map((p) => requestOrder(hasAgency, p, oldId))
  if (!orders.some((order) => order.length === names.length && order.every((n, i) => names[i] === n))) {
    throw new SimRequestError(`elements must be ${orders[0]!.join(', ')}; found ${names.join(', ')}`)
  }
  const byName = new Map(fields.map((f) => [f.local, f]))
  const value = (name: string) => leafText(byName.get(name) as Element)
  const req: SimRequest = {
    operation,
    requestId: value(EL.requestId),
    serviceCode: value(EL.serviceCode),
    integrationCode: value(EL.integrationCode),
    ...(hasAgency && { agencyCode: value(EL.agencyCode) }),
    officerCode: value(EL.officerId),
    personalId: value(oldId ? EL.oldIdNumber : EL.personalId),
    oldId,
    fullName: value(EL.fullName),
    dateOfBirth: parseDateElement(byName.get(EL.dateOfBirth) as Element),
  }
  for (const name of [EL.requestId, EL.serviceCode, EL.officerId, EL.fullName] as const) {
    if (value(name) === '') throw new SimRequestError(`${name} is empty`)
  }
  // The platform spec's String(40); a longer value is refused rather than cut.
  if (req.requestId.length > 40) throw new SimRequestError(`${EL.requestId} is longer than 40 characters`)
  if (req.integrationCode !== INTEGRATION_CODE[operation]) throw new SimRequestError(`${EL.integrationCode} ${req.integrationCode} is not licensed for ${call.local}`)
  if (!(oldId ? /^\d{9}$/ : /^\d{12}$/).test(req.personalId)) throw new SimRequestError(oldId ? `${EL.oldIdNumber} must be 9 digits` : `${EL.personalId} must be 12 digits`)
  return req
}

// ---------------------------------------------------------------- replies

// The simulator's own code tables (deliberately not wire-reply.ts's), taken from the reference.
const GENDER_CODE: Record<string, string> = { male: '1', female: '2', unknown: '0' }
const BLOOD_CODE: Record<string, string> = { unknown: '00', A: '01', B: '02', AB: '03', O: '04' }
const MARITAL_CODE: Record<string, string> = { unknown: '0', single: '1', married: '2', divorced_or_widowed: '3' }

const replyBuilder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', suppressEmptyNode: true, processEntities: true })

/** The envelope as the sample has it: `soapenv`, an empty Header and a Body both declaring `dan`. */
function soap(body: Record<string, unknown>): string {
  return `<?xml version="1.0" encoding="UTF-8"?>${replyBuilder.build({
    'soapenv:Envelope': { '@_xmlns:soapenv': SOAP_ENV_NS, 'soapenv:Header': { '@_xmlns:dan': NAMESPACE }, 'soapenv:Body': { '@_xmlns:dan': NAMESPACE, ...body } },
  })}`
}

const ns1 = (fields: Record<string, unknown>) => Object.fromEntries(Object.entries(fields).map(([k, v]) => [`ns1:${k}`, v]))
type Address = NonNullable<Citizen['permanentAddress']>
type Person = { fullName: string; personalId?: string; oldIdNumber?: string; nationality?: string; relationship?: string }

const wireAddress = (a: Address | undefined) => a ? ns1({
  [EL.provinceCode]: a.provinceCode, [EL.districtCode]: a.districtCode ?? '', [EL.wardCode]: a.wardCode ?? '', [EL.detail]: a.detail, [EL.country]: a.country ?? 'VN',
}) : ''

/** Relatives: plain-text HoVaTen, QuocTich, SoDinhDanh, SoCMND (sample order). */
const wireRelative = (p: Person | undefined) => p ? ns1({
  [EL.fullName]: p.fullName, [EL.nationality]: p.nationality ?? '', [EL.personalId]: p.personalId ?? '', [EL.oldIdNumber]: p.oldIdNumber ?? '',
}) : ''

const wireHead = (p: Person | undefined) => p ? ns1({
  [EL.relationship]: p.relationship ?? '', [EL.personalId]: p.personalId ?? '', [EL.oldIdNumber]: p.oldIdNumber ?? '', [EL.fullName]: p.fullName,
}) : ''

/** Domain citizen → `CongDan` content in the sample's order; the database stores names upper-case, whole in `Ten`. */
export function wireCitizen(c: Citizen): Record<string, unknown> {
  const dob = c.dateOfBirth.length === 4
    ? { [EL.yearOnly]: c.dateOfBirth }
    : { [EL.yearOnly]: c.dateOfBirth.slice(0, 4), [EL.fullDate]: c.dateOfBirth.replaceAll('-', '') }
  const values: Record<string, unknown> = {
    [EL.personalId]: c.personalId,
    [EL.oldIdNumber]: c.oldIdNumber ?? '',
    [EL.fullName]: ns1({ [EL.surname]: '', [EL.middleName]: '', [EL.givenName]: c.fullName.toLocaleUpperCase('vi') }),
    [EL.gender]: GENDER_CODE[c.gender],
    [EL.ethnicity]: c.ethnicity ?? '',
    [EL.religion]: c.religion ?? '',
    [EL.maritalStatus]: MARITAL_CODE[c.maritalStatus ?? 'unknown'],
    [EL.bloodType]: BLOOD_CODE[c.bloodType ?? 'unknown'],
    [EL.dateOfBirth]: ns1(dob),
    [EL.birthRegistrationPlace]: wireAddress(c.birthRegistrationPlace),
    [EL.nationality]: c.nationality,
    [EL.hometown]: wireAddress(c.hometown),
    [EL.permanentAddress]: wireAddress(c.permanentAddress),
    [EL.currentAddress]: wireAddress(c.currentAddress),
    [EL.father]: wireRelative(c.father),
    [EL.mother]: wireRelative(c.mother),
    [EL.spouse]: wireRelative(c.spouse),
    [EL.guardian]: wireRelative(c.guardian),
    [EL.householdHead]: wireHead(c.householdHead),
    [EL.householdBookNumber]: c.householdBookNumber ?? '',
  }
  return ns1(Object.fromEntries(CITIZEN_ORDER.map((name) => [name, values[name]])))
}

/** Lookup reply; an empty collection is the "not found" answer. */
export function renderLookup(citizens: Citizen[]): string {
  const collection = { '@_xmlns:ns1': REPLY_NAMESPACE, ...(citizens.length > 0 && { [`ns1:${EL.citizen}`]: citizens.map(wireCitizen) }) }
  return soap({ [`ns1:${EL.collection}`]: collection })
}

/** Verify reply: yes or no, nothing about which field differs. */
export function renderVerify(exists: boolean): string {
  return soap({ [`dan:${EL.verifyResponse}`]: { [`dan:${EL.verifyExists}`]: exists ? 'true' : 'false' } })
}

export function renderFault(kind: 'Client' | 'Server', message: string): string {
  return soap({ 'soapenv:Fault': { faultcode: `soapenv:${kind}`, faultstring: message } })
}

/** A reply cut off mid-element, as a proxy dropping the connection would leave it. */
export function renderMalformed(): string {
  return `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="${SOAP_ENV_NS}"><soapenv:Body><ns1:${EL.collection} xmlns:ns1="${REPLY_NAMESPACE}"><ns1:${EL.citizen}><ns1:${EL.personalId}>06`
}
