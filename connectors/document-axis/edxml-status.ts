/**
 * StatusPacket ⇄ edXML status package (wire format: edxml.ts). Real layout: root `edXML`, the
 * envelope, a header holding only `MessageHeader` = From, ResponseFor, StaffInfo, StatusCode,
 * Description, Timestamp (the order of the status samples); no body. The hub's old layout
 * (`edXMLEnvelope/edXMLHeader/Status`) is still read. The StatusCode must be one the axis defines.
 */
import { EdxmlError, isStatusCode, STATUS_CODES, type EdxmlLimits, type StatusPacket } from './model.js'
import { isNode } from '../../src/xml/safe-xml.js'
import {
  childOf, DOCUMENT_CLOSE, DOCUMENT_OPEN, element, ENVELOPE_CLOSE, HEADER, isoTimestamp, needChild, needText, optional, quoted, readOrgan,
  readResponseFor, required, textOf, wireTimestamp, writeOrgan, writeResponseFor, type At,
} from './edxml-common.js'
import { readStaff, writeStaff } from './edxml-header.js'
import { openPackage } from './edxml-package.js'

const STATUS = `${HEADER}/MessageHeader`
const CODES = Object.keys(STATUS_CODES).sort().join(', ') // sorted: '13' etc. would otherwise come first

export function buildStatus(packet: StatusPacket): Buffer {
  if (!isNode(packet)) throw new EdxmlError(`the status packet is missing (${STATUS})`, STATUS)
  const at = STATUS
  if (typeof packet.statusCode !== 'string' || !isStatusCode(packet.statusCode)) {
    throw new EdxmlError(`statusCode must be one of ${CODES}, got ${quoted(String(packet.statusCode))} (${at}/StatusCode)`, `${at}/StatusCode`)
  }
  const status = element('MessageHeader', [
    writeOrgan('From', packet.from, at, 'from'),
    writeResponseFor(packet.responseFor, at, 'responseFor', true),
    packet.staff === undefined ? '' : writeStaff(packet.staff, at, 'staff', true),
    required('StatusCode', packet.statusCode, at, 'statusCode'),
    optional('Description', packet.description, at, 'description'),
    wireTimestamp('Timestamp', packet.timestamp, at, 'timestamp'),
  ].join(''))
  return Buffer.from(`${DOCUMENT_OPEN}${element('edXMLHeader', status)}${ENVELOPE_CLOSE}${DOCUMENT_CLOSE}`, 'utf8')
}

/** Reads a status package (either layout); throws EdxmlError naming the element at fault. */
export function parseStatus(pkg: Uint8Array | string, limits?: Partial<EdxmlLimits>): StatusPacket {
  const opened = openPackage(pkg, limits, false)
  const header = needChild(opened.envelope, 'edXMLHeader')
  const status: At = opened.legacy ? needChild(header, 'Status') : needChild(header, 'MessageHeader')
  const code = needText(status, 'StatusCode').trim()
  if (!isStatusCode(code)) {
    throw new EdxmlError(`${status.path}/StatusCode ${quoted(code)} is not one of ${CODES}`, `${status.path}/StatusCode`)
  }
  const packet: StatusPacket = {
    from: readOrgan(needChild(status, 'From')),
    responseFor: readResponseFor(needChild(status, 'ResponseFor')),
    statusCode: code,
    timestamp: isoTimestamp(needText(status, 'Timestamp').trim(), `${status.path}/Timestamp`),
  }
  const staffInfo = childOf(status, 'StaffInfo')
  if (staffInfo) packet.staff = readStaff(staffInfo)
  const description = textOf(status, 'Description')
  if (description !== undefined) packet.description = description
  return packet
}
