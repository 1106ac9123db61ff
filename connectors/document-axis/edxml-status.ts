/**
 * StatusPacket ⇄ edXML status package (`edXMLEnvelope/edXMLHeader/Status`; wire format: edxml.ts).
 * A status packet has no body and no attachments; its StatusCode must be one the axis defines.
 */
import { EdxmlError, isStatusCode, STATUS_CODES, type EdxmlLimits, type StatusPacket } from './model.js'
import { isNode } from '../../src/xml/safe-xml.js'
import {
  childOf, element, ENVELOPE_CLOSE, ENVELOPE_OPEN, HEADER, isoTimestamp, needChild, needText, optional, quoted, readOrgan,
  readResponseFor, required, textOf, wireTimestamp, writeOrgan, writeResponseFor,
} from './edxml-common.js'
import { openPackage } from './edxml-package.js'

const STATUS = `${HEADER}/Status`
const CODES = Object.keys(STATUS_CODES).sort().join(', ') // sorted: '13' etc. would otherwise come first

export function buildStatus(packet: StatusPacket): Buffer {
  if (!isNode(packet)) throw new EdxmlError(`the status packet is missing (${STATUS})`, STATUS)
  const at = STATUS
  if (typeof packet.statusCode !== 'string' || !isStatusCode(packet.statusCode)) {
    throw new EdxmlError(`statusCode must be one of ${CODES}, got ${quoted(String(packet.statusCode))} (${at}/StatusCode)`, `${at}/StatusCode`)
  }
  let staff = ''
  if (packet.staff !== undefined) {
    const s = packet.staff
    if (!isNode(s)) throw new EdxmlError(`staff must be an object (${at}/StaffInfo)`, `${at}/StaffInfo`)
    staff = element('StaffInfo', optional('Department', s.department, `${at}/StaffInfo`, 'staff.department')
      + optional('Staff', s.staff, `${at}/StaffInfo`, 'staff.staff')
      + optional('Mobile', s.mobile, `${at}/StaffInfo`, 'staff.mobile')
      + optional('Email', s.email, `${at}/StaffInfo`, 'staff.email'))
  }
  const status = element('Status', [
    writeResponseFor(packet.responseFor, at, 'responseFor'),
    writeOrgan('From', packet.from, at, 'from'),
    required('StatusCode', packet.statusCode, at, 'statusCode'),
    optional('Description', packet.description, at, 'description'),
    wireTimestamp('Timestamp', packet.timestamp, at, 'timestamp'),
    staff,
  ].join(''))
  return Buffer.from(`${ENVELOPE_OPEN}${element('edXMLHeader', status)}${ENVELOPE_CLOSE}`, 'utf8')
}

/** Reads a status package; throws EdxmlError naming the element at fault. */
export function parseStatus(pkg: Uint8Array | string, limits?: Partial<EdxmlLimits>): StatusPacket {
  const { envelope } = openPackage(pkg, limits, false)
  const status = needChild(needChild(envelope, 'edXMLHeader'), 'Status')
  const code = needText(status, 'StatusCode')
  if (!isStatusCode(code)) {
    throw new EdxmlError(`${status.path}/StatusCode ${quoted(code)} is not one of ${CODES}`, `${status.path}/StatusCode`)
  }
  const packet: StatusPacket = {
    responseFor: readResponseFor(needChild(status, 'ResponseFor')),
    from: readOrgan(needChild(status, 'From')),
    statusCode: code,
    timestamp: isoTimestamp(needText(status, 'Timestamp'), `${status.path}/Timestamp`),
  }
  const description = textOf(status, 'Description')
  if (description !== undefined) packet.description = description
  const staffInfo = childOf(status, 'StaffInfo')
  if (staffInfo) {
    const staff: NonNullable<StatusPacket['staff']> = {}
    for (const [key, wire] of [['department', 'Department'], ['staff', 'Staff'], ['mobile', 'Mobile'], ['email', 'Email']] as const) {
      const v = textOf(staffInfo, wire)
      if (v !== undefined) staff[key] = v
    }
    packet.staff = staff
  }
  return packet
}
