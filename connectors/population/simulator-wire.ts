/**
 * The simulator's side of the wire. It takes element names from wire.ts (so a renamed element
 * is caught) but parses requests and renders replies with its own code and value tables, and it
 * is strict: namespaces, element order, upper-case names and date formats are all checked, so a
 * broken request builder in wire.ts fails the tests instead of passing through a lenient twin.
 */
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser'
import type { Citizen } from '../../schemas/citizen.js'
import { EL, LOOKUP_ORDER, NAMESPACE, OPERATION, SOAP_ENV_NS, VERIFY_ADDRESS_ORDER, VERIFY_EXTRA_ORDER, type OperationKey } from './wire.js'

/** A request the simulator refuses as malformed; answered with a `soap:Client` fault. */
export class SimRequestError extends Error {}

export interface SimRequest {
  operation: OperationKey
  requestId: string
  serviceCode: string
  integrationCode: string
  officerId: string
  personalId: string
  /** As sent (already upper-case). */
  fullName: string
  /** `YYYY-MM-DD` or `YYYY`. */
  dateOfBirth: string
  /** Verify only: the optional fields to check, in domain terms. */
  checks: { gender?: 'male' | 'female'; nationality?: string; ethnicity?: string; permanentProvinceCode?: string; permanentWardCode?: string }
}

type OrderedNode = Record<string, unknown>
interface Element { ns: string | undefined; local: string; children: OrderedNode[]; scope: Record<string, string> }

const requestParser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: false,
  parseTagValue: false,
  trimValues: true,
  processEntities: true, // the five XML entities; DOCTYPE is refused before parsing
  maxNestedTags: 16,
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
    const prefix = colon < 0 ? '' : tag.slice(0, colon)
    out.push({ ns: own[prefix], local: colon < 0 ? tag : tag.slice(colon + 1), children: node[tag] as OrderedNode[], scope: own })
  }
  return out
}

function leafText(el: Element): string {
  if (elements(el.children, el.scope).length > 0) throw new SimRequestError(`${el.local} must contain text, not elements`)
  const texts = el.children.filter((n) => '#text' in n).map((n) => String(n['#text']))
  return texts.join('')
}

function single(list: Element[], what: string): Element {
  if (list.length !== 1) throw new SimRequestError(`expected exactly one ${what}, found ${list.length}`)
  return list[0] as Element
}

function parseDateElement(el: Element): string {
  const inner = single(elements(el.children, el.scope), `element inside ${el.local}`)
  const value = leafText(inner)
  if (inner.local === EL.fullDate) {
    const m = /^(\d{4})(\d{2})(\d{2})$/.exec(value)
    const date = m && new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])))
    if (!m || !date || date.getUTCDate() !== Number(m[3]) || date.getUTCMonth() !== Number(m[2]) - 1) throw new SimRequestError(`${EL.fullDate} must be a yyyyMMdd date`)
    return `${m[1]}-${m[2]}-${m[3]}`
  }
  if (inner.local === EL.yearOnly && /^\d{4}$/.test(value)) return value
  throw new SimRequestError(`${el.local} must hold ${EL.fullDate} (yyyyMMdd) or ${EL.yearOnly} (yyyy)`)
}

/** Parses and validates one SOAP request; throws SimRequestError for anything the upstream would refuse. */
export function parseSimRequest(xml: string): SimRequest {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new SimRequestError('DTDs are not allowed in SOAP')
  if (XMLValidator.validate(xml) !== true) throw new SimRequestError('the request is not well-formed XML')
  const doc = requestParser.parse(xml) as OrderedNode[]
  const envelope = single(elements(doc, {}), 'root element')
  if (envelope.local !== 'Envelope' || envelope.ns !== SOAP_ENV_NS) throw new SimRequestError('the root must be a SOAP 1.1 Envelope')
  const body = elements(envelope.children, envelope.scope).find((e) => e.local === 'Body' && e.ns === SOAP_ENV_NS)
  if (!body) throw new SimRequestError('no soap:Body')
  const call = single(elements(body.children, body.scope), 'operation element in the Body')
  const operation = (Object.keys(OPERATION) as OperationKey[]).find((k) => OPERATION[k] === call.local)
  if (!operation || call.ns !== NAMESPACE) throw new SimRequestError(`unknown operation {${call.ns ?? ''}}${call.local}`)

  const fields = elements(call.children, call.scope)
  for (const f of fields) if (f.ns !== NAMESPACE) throw new SimRequestError(`${f.local} is not in ${NAMESPACE}`)
  const names = fields.map((f) => f.local)
  // Order matters to the upstream: the fixed elements exactly, then verify's extras in their order.
  LOOKUP_ORDER.forEach((expected, i) => {
    if (names[i] !== expected) throw new SimRequestError(`element ${i + 1} must be ${expected}, found ${names[i] ?? 'nothing'}`)
  })
  const extras = names.slice(LOOKUP_ORDER.length)
  if (operation === 'lookup' && extras.length > 0) throw new SimRequestError(`unexpected element ${extras[0]}`)
  let last = -1
  for (const name of extras) {
    const at = (VERIFY_EXTRA_ORDER as readonly string[]).indexOf(name)
    if (at <= last) throw new SimRequestError(`unexpected or out-of-order element ${name}`)
    last = at
  }

  const byName = new Map(fields.map((f) => [f.local, f]))
  const value = (name: string) => leafText(byName.get(name) as Element)
  const req: SimRequest = {
    operation,
    requestId: value(EL.requestId),
    serviceCode: value(EL.serviceCode),
    integrationCode: value(EL.integrationCode),
    officerId: value(EL.officerId),
    personalId: value(EL.personalId),
    fullName: value(EL.fullName),
    dateOfBirth: parseDateElement(byName.get(EL.dateOfBirth) as Element),
    checks: {},
  }
  for (const name of [EL.requestId, EL.serviceCode, EL.integrationCode, EL.officerId, EL.fullName] as const) {
    if (value(name) === '') throw new SimRequestError(`${name} is empty`)
  }
  if (!/^\d{12}$/.test(req.personalId)) throw new SimRequestError(`${EL.personalId} must be 12 digits`)
  if (req.fullName !== req.fullName.toLocaleUpperCase('vi')) throw new SimRequestError(`${EL.fullName} must be upper-case`)

  if (byName.has(EL.gender)) {
    const g = value(EL.gender)
    if (g !== '1' && g !== '2') throw new SimRequestError(`${EL.gender} must be 1 or 2`)
    req.checks.gender = g === '1' ? 'male' : 'female'
  }
  if (byName.has(EL.nationality)) req.checks.nationality = value(EL.nationality)
  if (byName.has(EL.ethnicity)) req.checks.ethnicity = value(EL.ethnicity)
  const address = byName.get(EL.permanentAddress)
  if (address) {
    const parts = elements(address.children, address.scope)
    let prev = -1
    for (const p of parts) {
      const at = (VERIFY_ADDRESS_ORDER as readonly string[]).indexOf(p.local)
      if (at <= prev || p.ns !== NAMESPACE) throw new SimRequestError(`unexpected or out-of-order element ${EL.permanentAddress}/${p.local}`)
      prev = at
    }
    if (parts.length === 0) throw new SimRequestError(`${EL.permanentAddress} is empty`)
    for (const p of parts) {
      if (p.local === EL.provinceCode) req.checks.permanentProvinceCode = leafText(p)
      else req.checks.permanentWardCode = leafText(p)
    }
  }
  return req
}

// ---------------------------------------------------------------- replies

// The simulator's own code tables (deliberately not wire.ts's), taken from the reference.
const GENDER_CODE: Record<string, string> = { male: '1', female: '2' }
const BLOOD_CODE: Record<string, string> = { unknown: '00', A: '01', B: '02', AB: '03', O: '04' }
const MARITAL_CODE: Record<string, string> = { single: '1', married: '2', divorced_or_widowed: '3' }

const replyBuilder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', suppressEmptyNode: true, processEntities: true })

function soap(body: Record<string, unknown>): string {
  return `<?xml version="1.0" encoding="utf-8"?>${replyBuilder.build({ 'soap:Envelope': { '@_xmlns:soap': SOAP_ENV_NS, 'soap:Body': body } })}`
}

type Address = NonNullable<Citizen['permanentAddress']>
type Related = NonNullable<Citizen['father']>

const wireAddress = (a: Address | undefined) => a && {
  [EL.provinceCode]: a.provinceCode,
  ...(a.districtCode !== undefined && { [EL.districtCode]: a.districtCode }),
  ...(a.wardCode !== undefined && { [EL.wardCode]: a.wardCode }),
  [EL.detail]: a.detail,
}

const wireRelated = (p: Related | undefined) => p && {
  [EL.fullName]: { [EL.nameText]: p.fullName },
  ...(p.personalId !== undefined && { [EL.personalId]: p.personalId }),
  ...(p.oldIdNumber !== undefined && { [EL.oldIdNumber]: p.oldIdNumber }),
  ...(p.nationality !== undefined && { [EL.nationality]: p.nationality }),
}

/** Domain citizen → `CongDan` element content; absent optional parts are left out. */
export function wireCitizen(c: Citizen): Record<string, unknown> {
  const dob = c.dateOfBirth.length === 4 ? { [EL.yearOnly]: c.dateOfBirth } : { [EL.fullDate]: c.dateOfBirth.replaceAll('-', '') }
  const out: Record<string, unknown> = {
    [EL.personalId]: c.personalId,
    [EL.oldIdNumber]: c.oldIdNumber,
    [EL.fullName]: { [EL.nameText]: c.fullName },
    [EL.dateOfBirth]: dob,
    [EL.gender]: GENDER_CODE[c.gender],
    [EL.nationality]: c.nationality,
    [EL.ethnicity]: c.ethnicity,
    [EL.religion]: c.religion,
    [EL.bloodType]: BLOOD_CODE[c.bloodType],
    [EL.maritalStatus]: MARITAL_CODE[c.maritalStatus],
    [EL.permanentAddress]: wireAddress(c.permanentAddress),
    [EL.currentAddress]: wireAddress(c.currentAddress),
    [EL.hometown]: wireAddress(c.hometown),
    [EL.householdBookNumber]: c.householdBookNumber,
    [EL.householdHead]: wireRelated(c.householdHead),
    [EL.father]: wireRelated(c.father),
    [EL.mother]: wireRelated(c.mother),
    [EL.spouse]: wireRelated(c.spouse),
  }
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k]
  return out
}

const response = (op: OperationKey, requestId: string, content: Record<string, unknown>) =>
  soap({ [`${OPERATION[op]}Response`]: { '@_xmlns': NAMESPACE, [EL.requestId]: requestId, ...content } })

/** Lookup reply; an empty list renders an empty collection (the "not found" answer). */
export function renderLookup(requestId: string, citizens: Citizen[]): string {
  const collection = citizens.length === 0 ? '' : { [EL.citizen]: citizens.map(wireCitizen) }
  // suppressEmptyNode would turn '' into <CongdanCollection/>, which is what we want.
  return response('lookup', requestId, { [EL.collection]: collection })
}

/** Verify reply: 1 when nothing disagrees, else 0 with the wire names of what disagreed. */
export function renderVerify(requestId: string, mismatchedWireNames: string[]): string {
  return response('verify', requestId, {
    [EL.verifyResult]: { [EL.verifyMatch]: mismatchedWireNames.length === 0 ? '1' : '0', [EL.mismatchedField]: mismatchedWireNames },
  })
}

export function renderErrorCode(op: OperationKey, requestId: string, code: string, description: string): string {
  return response(op, requestId, { [EL.errorCode]: code, [EL.errorDescription]: description })
}

export function renderFault(kind: 'Client' | 'Server', message: string): string {
  return soap({ 'soap:Fault': { faultcode: `soap:${kind}`, faultstring: message } })
}

/** A reply cut off mid-element, as a proxy dropping the connection would leave it. */
export function renderMalformed(): string {
  return `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="${SOAP_ENV_NS}"><soap:Body><${OPERATION.lookup}Response xmlns="${NAMESPACE}"><${EL.collection}><${EL.citizen}><${EL.personalId}>06`
}
