/** XML signatures of edXML packages: signed round trip, tampering, the verdicts on real packages, and the certificate checks. */
import t from 'tap'
import { readFileSync } from 'node:fs'
import { X509Certificate } from 'node:crypto'
import { buildEdoc, buildStatus, parseEdoc, parseStatus } from '../../../connectors/document-axis/edxml.js'
import { signPackage, verifyPackage } from '../../../connectors/document-axis/edxml-signature.js'
import { createTestPki } from '../../../connectors/document-axis/test-pki.js'
import { full, fullAsRead, SAMPLES } from './edxml-fixtures.js'

const pki = createTestPki()
const kontum = pki.issue('000.00.00.H34', 'UBND tỉnh Kon Tum')
const trusted = [new X509Certificate(pki.ca.certificate)]

t.test('a signed package verifies, reads back as the same document, and carries the signature where real ones do', async (t) => {
  const signed = signPackage(buildEdoc(full()), kontum)
  const verdict = verifyPackage(signed, { trusted })
  t.equal(verdict.status, 'valid')
  t.match(verdict.signer, { subject: 'CN=UBND tỉnh Kon Tum (TEST), OU=000.00.00.H34, O=TEST ONLY, C=VN', issuer: 'CN=LGSP sandbox TEST CA, O=TEST ONLY, C=VN' })
  t.ok(Date.parse(verdict.signer!.validFrom) < Date.now() && Date.parse(verdict.signer!.validTo) > Date.now())
  t.strictSame(parseEdoc(signed), fullAsRead(), 'the signature is not part of the model')
  const xml = signed.toString('utf8')
  t.match(xml, /<\/edXML:TraceHeaderList><Signature xmlns="http:\/\/www.w3.org\/2000\/09\/xmldsig#"><SignedInfo><CanonicalizationMethod Algorithm="http:\/\/www.w3.org\/TR\/2001\/REC-xml-c14n-20010315"\/><SignatureMethod Algorithm="http:\/\/www.w3.org\/2000\/09\/xmldsig#rsa-sha1"\/><Reference URI="">/)
  t.match(xml, /<X509Certificate>[A-Za-z0-9+/=]+<\/X509Certificate><\/X509Data><\/KeyInfo><\/Signature><\/edXML:edXMLHeader>/)
  const status = signPackage(buildStatus({ from: { organId: '000.00.00.H34' }, responseFor: { organId: '000.00.00.G22', documentId: 'x' }, statusCode: '03', timestamp: '2024-05-01T10:00:00+07:00' }), { ...kontum, algorithm: 'rsa-sha256' })
  t.equal(verifyPackage(status, { trusted }).status, 'valid', 'a status packet, rsa-sha256')
  t.equal(parseStatus(status).statusCode, '03')
})

t.test('a package changed after signing is invalid: text, an attachment byte, a recipient added', async (t) => {
  const signed = signPackage(buildEdoc(full()), kontum).toString('utf8')
  const cases: Array<[string, string]> = [
    ['subject', signed.replace('V/v triển khai', 'V/v hủy bỏ')],
    ['attachment', signed.replace(/(<edXML:ContentTransferEncoded[^>]*>)(.)/, (_, open: string, c: string) => `${open}${c === 'A' ? 'B' : 'A'}`)],
    ['recipient', signed.replace('</edXML:To>', '</edXML:To><edXML:To><edXML:OrganId>000.00.00.H99</edXML:OrganId></edXML:To>')],
  ]
  for (const [name, tampered] of cases) {
    t.not(tampered, signed, name)
    t.match(verifyPackage(tampered, { trusted }), { status: 'invalid', reason: /does not match/, signer: { subject: /Kon Tum/ } }, name)
  }
})

t.test('what cannot be checked is unverifiable, with the reason; no signature is absent', async (t) => {
  const unsigned = buildEdoc(full())
  t.strictSame(verifyPackage(unsigned), { status: 'absent' })
  const expired = pki.issue('000.00.00.H34', 'Expired', -10)
  t.match(verifyPackage(signPackage(unsigned, expired), { trusted }), { status: 'unverifiable', reason: /valid only from/ })
  const other = createTestPki('Some other TEST CA').issue('000.00.00.H34', 'Stranger')
  const strangers = signPackage(unsigned, other)
  t.match(verifyPackage(strangers, { trusted }), { status: 'unverifiable', reason: /not issued by a configured trust anchor/ })
  t.equal(verifyPackage(strangers).status, 'valid', 'without trust anchors any certificate that verifies is accepted')
  const otherKey = signPackage(unsigned, { key: other.key, certificate: kontum.certificate })
  t.match(verifyPackage(otherKey, { trusted }), { status: 'invalid' }, 'signed with another key than the certificate\'s')
})

t.test('the real packages: library placeholders and redacted certificates are unverifiable, the 2025 ones unsigned', async (t) => {
  const verdict = (name: string) => verifyPackage(readFileSync(new URL(name, SAMPLES)))
  const notDsig = /in namespace http:\/\/www.mic.gov.vn\/TBT\/QCVN_102_2016, not XML-DSig/
  t.match(verdict('axis-2019-5-852e179c-8eca-4502-ac38-0b97321f29c3.edxml'), { status: 'unverifiable', reason: notDsig })
  for (const name of ['edoc_update.edxml', 'edoc_replacement.edxml', 'edoc_revocation.edxml', 'edoc_new.edxml.bak']) t.match(verdict(name), { status: 'unverifiable', reason: notDsig }, name)
  t.strictSame(verdict('edoc.edxml'), { status: 'unverifiable', reason: 'the X509Certificate of the signature is not a readable certificate' }, 'the xmldsig one, its certificate REDACTED')
  t.strictSame(verdict('axis-2025-10-874e0f18-90dc-45fb-989a-65401470ba84.edxml'), { status: 'absent' })
  t.strictSame(verdict('status_inbox_01.edxml'), { status: 'absent' })
})
