/**
 * `edxml:inspect <file>` (src/main.ts): what an operator runs on a quarantined package. Reads the
 * file under the default limits as a document or, when its MessageHeader carries a StatusCode, as
 * a status packet, and verifies its signature. Attachments are summarised (size, SHA-256, whether
 * the bytes are a ZIP archive), never printed.
 */
import { createHash, X509Certificate } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { parseEdoc, parseStatus } from './edxml.js'
import { EdxmlError, type Edoc, type StatusPacket } from './model.js'
import { verifyPackage, type SignatureVerdict } from './edxml-signature.js'

const ZIP = Buffer.from([0x50, 0x4b, 0x03, 0x04])

export type Inspection =
  | { ok: true; kind: 'edoc'; header: Edoc['header']; attachments: Array<Record<string, unknown>>; signature: SignatureVerdict }
  | { ok: true; kind: 'status'; status: StatusPacket; signature: SignatureVerdict }
  | { ok: false; element: string | null; reason: string }

export function inspectPackage(pkg: Buffer, trusted?: X509Certificate[]): Inspection {
  try {
    let edoc: Edoc
    try {
      edoc = parseEdoc(pkg)
    } catch (err) {
      if (!(err instanceof EdxmlError && err.element?.endsWith('MessageHeader/StatusCode'))) throw err
      return { ok: true, kind: 'status', status: parseStatus(pkg), signature: verifyPackage(pkg, trusted ? { trusted } : {}) }
    }
    const attachments = edoc.attachments.map(({ data, ...a }) => ({
      ...a, size: data.length, sha256: createHash('sha256').update(data).digest('hex'), zip: data.subarray(0, 4).equals(ZIP),
    }))
    return { ok: true, kind: 'edoc', header: edoc.header, attachments, signature: verifyPackage(pkg, trusted ? { trusted } : {}) }
  } catch (err) {
    if (err instanceof EdxmlError) return { ok: false, element: err.element ?? '(the package as a whole)', reason: err.message }
    throw err
  }
}

/** Prints the inspection as JSON; exit code 0 when readable, 1 when not (or the file cannot be read). */
export async function inspectCommand(args: string[], out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const file = args.find((a) => !a.startsWith('--'))
  const caIndex = args.indexOf('--ca')
  if (!file) {
    out.write('usage: edxml:inspect <file> [--ca <trust anchors.pem>]\n')
    return 1
  }
  let pkg: Buffer
  let trusted: X509Certificate[] | undefined
  try {
    pkg = await readFile(file)
    if (caIndex >= 0) {
      const pem = await readFile(args[caIndex + 1] ?? '', 'utf8')
      trusted = (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((c) => new X509Certificate(c))
    }
  } catch (err) {
    out.write(`${JSON.stringify({ ok: false, element: null, reason: `cannot read ${file}: ${(err as Error).message}` }, null, 2)}\n`)
    return 1
  }
  const result = inspectPackage(pkg, trusted)
  out.write(`${JSON.stringify(result, null, 2)}\n`)
  return result.ok ? 0 : 1
}
