/**
 * The document axis's operations as src/edocs calls them. The values are domain objects and
 * opaque package bytes (src/axis/model.ts), so the schemas only carry their TypeScript types.
 */
import { Type } from 'typebox'
import { contract } from '../upstream/contract.js'
import type { Edoc, MessageType, Organ, ReceivedItem, ReceivedMessage, SentItem, StatusPacket, UnreadablePackage } from './model.js'

const Value = <T>(description: string) => Type.Unsafe<T>({ description })

/** A document to send: `from` defaults to the province (it must be one of its agencies). */
export type OutgoingEdoc = Omit<Edoc, 'header'> & { header: Omit<Edoc['header'], 'from'> & { from?: Organ } }

export const PackEdoc = contract('axis.packEdoc', 'packEdoc',
  Value<{ edoc: OutgoingEdoc }>('{ edoc } (src/axis/model.ts)'), Value<{ package: Buffer; documentId: string; from: Organ }>('{ package, documentId, from }'),
  'Builds the edXML package of a document (no I/O). `from` defaults to the province; it must be an agency of the province.')
export const PackStatus = contract('axis.packStatus', 'packStatus',
  Value<{ status: StatusPacket }>('{ status } (src/axis/model.ts)'), Value<{ package: Buffer }>('{ package }'),
  'Builds a status packet (no I/O). `from` must be an agency of the province.')
export const SendPackage = contract('axis.send', 'send',
  Value<{ messageType: MessageType; package: Buffer }>('{ messageType: edoc|status, package }'), Value<{ docId: string }>('{ docId }'),
  'Sends a package built by packEdoc or packStatus; answers the axis\'s id for it.')
export const ListReceived = contract('axis.listReceived', 'listReceived',
  Value<{ messageType?: MessageType; limit?: number }>('{ messageType?, limit? }'), Value<{ items: ReceivedItem[] }>('{ items }'),
  'Documents and status packets waiting in the province\'s mailbox (not yet acknowledged), oldest first.')
export const ListSent = contract('axis.listSent', 'listSent',
  Value<{ messageType?: MessageType; docId?: string }>('{ messageType?, docId? }'), Value<{ items: SentItem[] }>('{ items }'),
  'What the province sent over the axis (one message type, or both), or the one entry of the axis id `docId`, with its send and receive status.')
export const GetMessage = contract('axis.getMessage', 'getMessage',
  Value<{ docId: string; messageType: MessageType; keepUnreadable?: boolean }>('{ docId, messageType, keepUnreadable? }'),
  Value<ReceivedMessage | UnreadablePackage>('a received document or status packet (or, with keepUnreadable, an unreadable package)'),
  'Fetches one received package and reads it under the configured limits.')
export const ReadPackage = contract('axis.readPackage', 'readPackage',
  Value<{ docId: string; messageType: MessageType; package: Buffer }>('{ docId, messageType, package }'),
  Value<ReceivedMessage | UnreadablePackage>('the document or status packet, or why it is still unreadable'),
  'Reads a package fetched earlier (kept because it was unreadable) under the limits configured now; no I/O.')
/** The `edxml:inspect` verdict on a package, as the operator console shows it. */
export type PackageInspection =
  | { ok: true; kind: 'edoc' | 'status'; [field: string]: unknown }
  | { ok: false; element: string | null; reason: string }
export const InspectPackage = contract('axis.inspectPackage', 'inspectPackage',
  Value<{ package: Buffer }>('{ package }'),
  Value<PackageInspection>('{ ok, kind, header | status, attachments, signature } or { ok: false, element, reason }'),
  'The verdict `edxml:inspect` prints for a package (readable, its signature verdict under the configured trust anchors; or the element at fault); no I/O.')
export const Acknowledge = contract('axis.acknowledge', 'acknowledge', Value<{ docId: string }>('{ docId }'), Value<Record<string, never>>('{}'),
  'Tells the axis a received package is safely stored, so it is not listed again. Idempotent.')
const Agency = Type.Object({ id: Type.String(), pid: Type.String(), code: Type.String(), name: Type.String(), mail: Type.String(), oldCode: Type.String() })
export const AxisAgenciesList = contract('axis.agencies', 'listAgencies', Type.Object({}), Type.Object({ agencies: Type.Array(Agency) }),
  'Agencies registered on the axis.')
