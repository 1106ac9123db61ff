/**
 * Files the national portal hands over inline (base64 in an interlinked item's `fileDinhKem`):
 * kept content-addressed (one row per SHA-256, however many dossiers carry it), size-capped, with
 * the type the bytes show (src/edocs/file-type.ts) beside the name the sender gave, and referenced
 * by the dossier that brought them (so by its agency). The one-stop software downloads them with
 * `GET /v1/portal/files/{sha256}`: no personal data in the URL, and only a client acting for the
 * agency of a dossier that holds the file gets it.
 */
import { createHash } from 'node:crypto'
import type { Db } from '../db/types.js'
import { decodeBase64 } from '../edocs/files.js'
import { detectedType } from '../edocs/file-type.js'

/** A file as the connector read it: the digest it announced in the event, the name, the base64 text. */
export interface InboundFile {
  sha256: string
  name: string
  data: string
}

export interface StoredFile {
  name: string
  /** What the bytes are (PDF, ZIP, PNG, …); undefined when they match no common signature. */
  detectedType: string | undefined
  data: Buffer
}

export interface PortalFiles {
  /** Decodes, checks and keeps the files of one dossier; the reason when one cannot be kept (then none is). */
  keep(files: InboundFile[], owner: { dossierCode: string; agencyCode: string }): Promise<string | undefined>
  /** The file, when a dossier of an agency the caller may act for holds it. */
  get(sha256: string, mayActFor: (agencyCode: string) => boolean): Promise<StoredFile | undefined>
}

export function createPortalFiles(db: Db, maxBytes: number): PortalFiles {
  return {
    async keep(files, owner) {
      const decoded: Array<{ file: InboundFile; data: Buffer }> = []
      for (const [i, file] of files.entries()) {
        const d = decodeBase64(file.data)
        if ('problem' in d) return `file ${i + 1} (${file.name}) ${d.problem}`
        if (d.data.length > maxBytes) return `file ${i + 1} (${file.name}) has ${d.data.length} bytes, more than portalInbound.maxFileBytes (${maxBytes})`
        if (createHash('sha256').update(d.data).digest('hex') !== file.sha256) return `file ${i + 1} (${file.name}) does not match its digest`
        decoded.push({ file, data: d.data })
      }
      await db.transaction(async (tx) => {
        for (const { file, data } of decoded) {
          await tx.query(
            'INSERT INTO portal_files (sha256, size, detected_type, data) VALUES ($1, $2, $3, $4) ON CONFLICT (sha256) DO NOTHING',
            [file.sha256, data.length, detectedType(data) ?? null, data],
          )
          await tx.query(
            'INSERT INTO portal_file_refs (sha256, dossier_code, agency_code, name) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
            [file.sha256, owner.dossierCode, owner.agencyCode, file.name],
          )
        }
      })
      return undefined
    },

    async get(sha256, mayActFor) {
      const { rows: refs } = await db.query<{ agency_code: string; name: string }>(
        'SELECT agency_code, name FROM portal_file_refs WHERE sha256 = $1 ORDER BY dossier_code, name', [sha256],
      )
      const ref = refs.find((r) => mayActFor(r.agency_code))
      if (!ref) return undefined
      const { rows } = await db.query<{ detected_type: string | null; data: Buffer }>('SELECT detected_type, data FROM portal_files WHERE sha256 = $1', [sha256])
      const file = rows[0]
      return file && { name: ref.name, detectedType: file.detected_type ?? undefined, data: Buffer.from(file.data) }
    },
  }
}
