/**
 * edXML (QCVN 102:2016/BTTTT) packages for the national document axis: Edoc and StatusPacket
 * (model.ts) to bytes and back, in the layout real agencies and VNPT's edXML library write
 * (reference edxml-vxp.md §A; docs/edocs.md). Together with wire.ts, the only code that knows edXML
 * names; the mapping lives in the edxml-*.ts files beside this one (header, build, parse, status,
 * the package checks, signatures, and what they share). The simulator uses these same functions.
 *
 * Written (namespace `http://www.mic.gov.vn/TBT/QCVN_102_2016`, UTF-8 with a declaration, no
 * whitespace between elements; element order of VNPT's library):
 *
 *   edXML (default namespace)
 *     edXML:edXMLEnvelope (xmlns:edXML)
 *       edXMLHeader
 *         MessageHeader     From, To+, DocumentId, Code, PromulgationInfo, DocumentType{Type, TypeDetail?, TypeName},
 *                           Subject, Content?, SignerInfo, DueDate?, OtherInfo?{…, ReplyFors?, Direction?, ReferenceCodes?,
 *                           Appendixes?}, ResponseFor*, SteeringType?, ResponseForTask?, ApplicationType?, ToPlaces?
 *         TraceHeaderList   TraceHeader*{OrganId?, Timestamp}, Bussiness?{DocumentId?, BussinessDocType, BussinessDocReason?,
 *                           Paper?, BussinessDocumentInfo*, ReplacementInfoList?, StaffInfo*}
 *         Signature?        enveloped XML-DSig (edxml-signature.ts), when the province signs
 *       edXMLBody
 *         edXMLManifest version="1.0"   Reference*{ContentId `cid:<id>`, ContentType, Description?, AttachmentName}
 *     AttachmentEncoded (unprefixed)
 *       Attachment*         ContentId, AttachmentName, Description?, FieldName?, MimeType?, ContentType,
 *                           edXML:ContentTransferEncoded (own xmlns:edXML; base64, one line)
 *
 * A status packet has the same root and envelope, a header holding only MessageHeader = From,
 * ResponseFor, StaffInfo?, StatusCode, Description?, Timestamp, and no body.
 *
 * Read: the layout above in any element order and with any prefix (namespace + local name, not
 * prefix); what real packages leave out (OrganName, SignerInfo children, DueDate, Bussiness,
 * TraceHeader/OrganId, manifest ContentType, Signature) or send empty (`<ResponseFor/>`); a
 * ResponseFor repeated; an attachment's own ContentId without `cid:` (other senders than VNPT's
 * library; the manifest's must have it); CRLF and indentation; and the hub's old layout (root `edXMLEnvelope`,
 * `AttachmentEncoded{ContentId, Value}` inside it, status in `edXMLHeader/Status`) for packages
 * stored before the change — never written any more.
 *
 * Dates: model `yyyy-MM-dd` ⇄ wire `yyyy/MM/dd`; model RFC 3339 timestamps → wire Vietnam time
 * (UTC+7) `yyyy/MM/dd HH:mm:ss`, read back with `+07:00`. A DocumentId is never re-validated
 * (real ones hold impossible dates). Text is written exactly (markup and CR escaped, edge
 * whitespace as character references); characters XML 1.0 cannot carry are refused.
 *
 * Reading untrusted packages (limits: model.ts EdxmlLimits, DEFAULT_EDXML_LIMITS): size first,
 * strict UTF-8, no stray text before the declaration, no DTD, every element text and start tag
 * bounded (maxTextChars) before the parser sees it, well-formedness, depth, recipient and
 * attachment counts, each attachment's decoded size from its base64 before decoding. Every failure
 * is an EdxmlError whose message names the element path (`edXML/edXMLEnvelope/edXMLHeader/
 * MessageHeader/DocumentId is missing`) and whose `element` is that path.
 */
export { buildEdoc } from './edxml-build.js'
export { parseEdoc } from './edxml-parse.js'
export { buildStatus, parseStatus } from './edxml-status.js'
