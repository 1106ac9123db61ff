/**
 * A throwaway PKI for the sandbox and the tests: a test CA and agency certificates made at run
 * time (RSA 2048 keys from Node's crypto, certificates assembled and signed by node-forge), never
 * written to disk, never committed. Their subjects say TEST so nobody mistakes them for real ones.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import forge from 'node-forge'

export interface TestIdentity {
  /** PEM (PKCS#8). */
  key: string
  /** PEM. */
  certificate: string
}

export interface TestPki {
  ca: TestIdentity
  /** A certificate for an agency, issued by the CA; `validDays` < 0 makes one that expired that many days ago. */
  issue(organId: string, name: string, validDays?: number): TestIdentity
}

const DAY = 86_400_000
/** A subject field as UTF8String (agency names are Vietnamese). */
const utf8 = (name: string, value: string) => ({ name, value, valueTagClass: forge.asn1.Type.UTF8 as unknown as forge.asn1.Class })

function keyPair() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  return { pem, forgePrivate: forge.pki.privateKeyFromPem(pem), forgePublic: forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString()) }
}

function certificate(subject: forge.pki.CertificateField[], issuer: forge.pki.CertificateField[], publicKey: forge.pki.PublicKey, signingPrivateKey: forge.pki.PrivateKey, from: number, to: number, ca: boolean): string {
  const cert = forge.pki.createCertificate()
  cert.publicKey = publicKey
  cert.serialNumber = `01${randomBytes(8).toString('hex')}`
  cert.validity.notBefore = new Date(from)
  cert.validity.notAfter = new Date(to)
  cert.setSubject(subject)
  cert.setIssuer(issuer)
  cert.setExtensions(ca
    ? [{ name: 'basicConstraints', cA: true, critical: true }, { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true }]
    : [{ name: 'basicConstraints', cA: false }, { name: 'keyUsage', digitalSignature: true, nonRepudiation: true, critical: true }])
  cert.sign(signingPrivateKey as forge.pki.rsa.PrivateKey, forge.md.sha256.create())
  return forge.pki.certificateToPem(cert)
}

export function createTestPki(caName = 'LGSP sandbox TEST CA'): TestPki {
  const now = Date.now()
  const caKeys = keyPair()
  const caSubject = [utf8('commonName', caName), { name: 'organizationName', value: 'TEST ONLY' }, { name: 'countryName', value: 'VN' }]
  const ca = { key: caKeys.pem, certificate: certificate(caSubject, caSubject, caKeys.forgePublic, caKeys.forgePrivate, now - DAY, now + 3650 * DAY, true) }
  return {
    ca,
    issue(organId, name, validDays = 365) {
      const keys = keyPair()
      const subject = [utf8('commonName', `${name} (TEST)`), { name: 'organizationalUnitName', value: organId }, { name: 'organizationName', value: 'TEST ONLY' }, { name: 'countryName', value: 'VN' }]
      const [from, to] = validDays < 0 ? [now + (validDays - 30) * DAY, now + validDays * DAY] : [now - DAY, now + validDays * DAY]
      return { key: keys.pem, certificate: certificate(subject, caSubject, keys.forgePublic, caKeys.forgePrivate, from, to, false) }
    },
  }
}
