/**
 * XML signatures of edXML packages (reference §A "Signature"): an enveloped XML-DSig over the
 * whole document (`Reference URI=""`), inclusive C14N, RSA-SHA1 with an X.509 certificate in
 * `KeyInfo/X509Data`, placed last in `edXMLHeader`. Canonicalisation, digests and the RSA check
 * are xml-crypto's (with @xmldom/xmldom); nothing here canonicalises by hand.
 *
 * Verdicts on a received package:
 * - `absent`: no `Signature` element at all (most real senders);
 * - `unverifiable`: a signature that cannot be checked: in the edXML namespace (VNPT's library
 *   writes it there and never computes it), placeholders, no or an unreadable certificate, an
 *   algorithm xml-crypto does not know, a reference that is not the whole document, a certificate
 *   outside its validity or (when trust anchors are configured) not issued by one of them;
 * - `invalid`: a well-formed XML-DSig whose digest or signature value does not match: the package
 *   was changed after signing, or signed with another key than the certificate's;
 * - `valid`: the signature matches the certificate it carries, which is within its validity (and
 *   issued by a configured trust anchor, when there are any).
 */
import { X509Certificate } from 'node:crypto'
import { DOMParser } from '@xmldom/xmldom'
import { SignedXml } from 'xml-crypto'

export const XMLDSIG_NS = 'http://www.w3.org/2000/09/xmldsig#'
const C14N = 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315'
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature'
import type { SignatureStatus, SignerCertificate, SignatureVerdict } from './model.js'

export const SIGNATURE_ALGORITHMS = {
  'rsa-sha1': { signature: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1', digest: 'http://www.w3.org/2000/09/xmldsig#sha1' },
  'rsa-sha256': { signature: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256', digest: 'http://www.w3.org/2001/04/xmlenc#sha256' },
} as const
export type SignatureAlgorithm = keyof typeof SIGNATURE_ALGORITHMS

export type { SignatureStatus, SignerCertificate, SignatureVerdict } from './model.js'
export const SIGNATURE_STATUSES: readonly SignatureStatus[] = ['valid', 'invalid', 'unverifiable', 'absent']

export interface VerifyOptions {
  /** Trust anchors (PEM); when given, the signer's certificate must be issued by one of them. */
  trusted?: X509Certificate[]
  /** Clock for the validity check. */
  now?: Date
}

const oneLine = (s: string) => s.replace(/\s*\n\s*/g, ', ')
const iso = (d: string) => new Date(d).toISOString()

function describe(cert: X509Certificate): SignerCertificate {
  return { subject: oneLine(cert.subject), issuer: oneLine(cert.issuer), serialNumber: cert.serialNumber, validFrom: iso(cert.validFrom), validTo: iso(cert.validTo) }
}

const elementsByLocalName = (root: Element | Document, name: string): Element[] =>
  Array.from(root.getElementsByTagNameNS('*', name) as unknown as ArrayLike<Element>)

/** Verifies the signature of a package (the whole document, as received). */
export function verifyPackage(pkg: Uint8Array | string, options: VerifyOptions = {}): SignatureVerdict {
  const xml = typeof pkg === 'string' ? pkg : Buffer.from(pkg.buffer, pkg.byteOffset, pkg.byteLength).toString('utf8')
  if (!xml.includes('Signature')) return { status: 'absent' } // cheap: most packages carry none
  let doc: Document
  try {
    doc = new DOMParser({ errorHandler: () => undefined }).parseFromString(xml, 'text/xml') as unknown as Document
  } catch (err) {
    return { status: 'unverifiable', reason: `the package cannot be read for its signature: ${(err as Error).message.slice(0, 200)}` }
  }
  const signatures = elementsByLocalName(doc, 'Signature')
  if (signatures.length === 0) return { status: 'absent' }
  if (signatures.length > 1) return { status: 'unverifiable', reason: `the package carries ${signatures.length} Signature elements` }
  const node = signatures[0]!
  if (node.namespaceURI !== XMLDSIG_NS) {
    return { status: 'unverifiable', reason: `the Signature element is in namespace ${node.namespaceURI ?? '(none)'}, not XML-DSig (${XMLDSIG_NS}); such a signature is never computed by its writer` }
  }
  const certText = elementsByLocalName(node, 'X509Certificate')[0]?.textContent?.replace(/\s+/g, '') ?? ''
  if (certText === '') return { status: 'unverifiable', reason: 'the signature carries no X509Certificate' }
  let cert: X509Certificate
  try {
    cert = new X509Certificate(Buffer.from(certText, 'base64'))
  } catch {
    return { status: 'unverifiable', reason: 'the X509Certificate of the signature is not a readable certificate' }
  }
  const signer = describe(cert)
  const references = elementsByLocalName(node, 'Reference')
  if (references.length !== 1 || references[0]!.getAttribute('URI') !== '') {
    return { status: 'unverifiable', reason: 'the signature does not cover the whole package (one Reference with URI="" expected)', signer }
  }
  const sig = new SignedXml({ publicCert: cert.toString(), getCertFromKeyInfo: () => null })
  let ok: boolean
  try {
    sig.loadSignature(node as unknown as Node)
    ok = sig.checkSignature(xml)
  } catch (err) {
    const message = (err as Error).message
    if (/algorithm|not supported|unknown/i.test(message)) return { status: 'unverifiable', reason: `xml-crypto cannot check it: ${message.slice(0, 200)}`, signer }
    return { status: 'invalid', reason: `the signature does not match the package: ${message.slice(0, 200)}`, signer }
  }
  if (!ok) return { status: 'invalid', reason: 'the signature does not match the package', signer }
  const now = options.now ?? new Date()
  if (now < new Date(cert.validFrom) || now > new Date(cert.validTo)) {
    return { status: 'unverifiable', reason: `the signer's certificate is valid only from ${signer.validFrom} to ${signer.validTo}`, signer }
  }
  if (options.trusted && options.trusted.length > 0 && !options.trusted.some((ca) => cert.checkIssued(ca) && cert.verify(ca.publicKey))) {
    return { status: 'unverifiable', reason: 'the signer\'s certificate is not issued by a configured trust anchor', signer }
  }
  return { status: 'valid', signer }
}

export interface SigningKey {
  /** PEM private key (RSA). */
  key: string
  /** PEM certificate published in KeyInfo. */
  certificate: string
  algorithm?: SignatureAlgorithm
}

/** The package with an enveloped signature appended to its `edXMLHeader` (what the builder wrote, signed whole). */
export function signPackage(pkg: Uint8Array, signing: SigningKey): Buffer {
  const algorithm = SIGNATURE_ALGORITHMS[signing.algorithm ?? 'rsa-sha1']
  const sig = new SignedXml({ privateKey: signing.key, publicCert: signing.certificate, signatureAlgorithm: algorithm.signature, canonicalizationAlgorithm: C14N })
  sig.addReference({ xpath: '/*', transforms: [ENVELOPED, C14N], digestAlgorithm: algorithm.digest, isEmptyUri: true })
  sig.computeSignature(Buffer.from(pkg.buffer, pkg.byteOffset, pkg.byteLength).toString('utf8'), {
    location: { reference: "/*/*[local-name()='edXMLEnvelope']/*[local-name()='edXMLHeader']", action: 'append' },
  })
  return Buffer.from(sig.getSignedXml(), 'utf8')
}
