/**
 * edXML (QCVN 102:2016/BTTTT) packages for the national document axis: Edoc and StatusPacket
 * (model.ts) to bytes and back. Together with wire.ts, the only code that knows edXML names; the
 * official schema is not public (reference §4), so every wire choice is listed here, and the
 * mapping lives in the edxml-*.ts files beside this one (build, parse, status, the package checks,
 * and what they share). The simulator uses these same functions, so drift fails tests.
 *
 * Wire format (namespace `http://www.mic.gov.vn/TBT/QCVN_102_2016`, written with prefix `edXML:`,
 * UTF-8 with an XML declaration, no whitespace between elements, no attributes except the
 * namespace declaration on the root):
 *
 *   edXMLEnvelope
 *     edXMLHeader
 *       MessageHeader
 *         From, To+            OrganId, OrganizationInCharge?, OrganName, OrganAdd?, Email?, Telephone?, Fax?, Website?
 *         DocumentId           `{OrganId},{yyyy/MM/dd},{Number}/{Notation}`, as given (not recomputed)
 *         Code                 CodeNumber, CodeNotation
 *         PromulgationInfo     Place, PromulgationDate `yyyy/MM/dd`
 *         DocumentType         Type, TypeName
 *         Subject, Content?
 *         SignerInfo           Competence?, Position?, FullName
 *         DueDate?             `yyyy/MM/dd`
 *         OtherInfo?           Priority?, SphereOfPromulgation?, TyperNotation?, PromulgationAmount?, PageAmount? (whole numbers)
 *         SteeringType?
 *         ToPlaces?            Place*
 *         ResponseFor?         OrganId, Code (`Number/Notation` as one text), PromulgationDate, DocumentId
 *       TraceHeaderList
 *         TraceHeader*         OrganId, Timestamp `yyyy/MM/dd HH:mm:ss`
 *         Bussiness            BussinessDocType 0 new | 1 revoke | 2 update | 3 replace, BussinessDocReason?
 *     edXMLBody
 *       edXMLManifest
 *         Reference*           ContentId `cid:<id>`, ContentType, AttachmentName, Description?
 *     AttachmentEncoded*       ContentId `cid:<id>`, Value (standard base64 with padding, one line)
 *
 * A status packet is `edXMLEnvelope/edXMLHeader/Status` with ResponseFor, From (as above),
 * StatusCode (01–06, 13, 15, 16), Description?, Timestamp, StaffInfo? {Department?, Staff?,
 * Mobile?, Email?}; no body.
 *
 * Choices (our own, since nothing public fixes them):
 * - Attachments travel inside the envelope, after the body, one `AttachmentEncoded` per manifest
 *   Reference, in manifest order. Parsing requires manifest and attachments to name the same
 *   ContentIds (no duplicates), and returns attachments in manifest order.
 * - No XML signature is written; a `Signature` element in a received package is ignored, as is
 *   any other unknown element. Element order is not checked on reading; repeats of a
 *   single-valued element are refused.
 * - Dates: model `yyyy-MM-dd` ⇄ wire `yyyy/MM/dd`; model RFC 3339 timestamps (any offset) →
 *   wire Vietnam time (UTC+7, no DST), fractions of a second dropped; read back as
 *   `yyyy-MM-ddTHH:mm:ss+07:00`. Dates that do not exist (2023-02-29, 24:00) are refused.
 * - Text is written exactly: & < > and CR escaped, leading/trailing whitespace as character
 *   references (our reader trims, like most); no Unicode normalisation either way. Characters XML
 *   1.0 cannot carry are refused, not dropped. An absent optional field writes no element; an
 *   empty string writes an empty one, and reads back as ''. Required fields must not be blank.
 * - Reading accepts any namespace prefix (or the default namespace) as long as the root declares
 *   the edXML namespace; base64 may contain XML whitespace (line breaks).
 *
 * Reading untrusted packages (limits: model.ts EdxmlLimits, DEFAULT_EDXML_LIMITS): size first,
 * then strict UTF-8, no DTD or entity declarations (only the five predefined entities and
 * character references), well-formedness, depth, attachment count, then each attachment's
 * decoded size from its base64 text before decoding. Every failure is an EdxmlError whose
 * message names the element path (`edXMLEnvelope/edXMLHeader/MessageHeader/DocumentId is
 * missing`) and whose `element` is that path (none for package-level failures: size, UTF-8, DTD,
 * well-formedness, depth).
 */
export { buildEdoc } from './edxml-build.js'
export { parseEdoc } from './edxml-parse.js'
export { buildStatus, parseStatus } from './edxml-status.js'
