/**
 * The digitized-document store. Registration is idempotent by (owner, type, SHA-256): the same
 * paper registered twice is one row; a different file under the same code (a renewed paper) is a
 * new row, and a search lists the newest first. Results that pass through dossier sync are
 * indexed in the dossier's own accept transaction (`indexResults`).
 */
import type { Db, Queryable } from '../db/types.js'
import type { DossierSnapshot } from '../../schemas/dossier.js'
import { ownerKind, splitDocumentCode, type HeldDocument, type RegisterDocument } from '../../schemas/document.js'
import { maskId, subjectHash } from '../audit/subject.js'

export interface DocumentStore {
  register(doc: RegisterDocument, client: string): Promise<{ id: number; created: boolean }>
  search(q: { ownerId: string; documentTypes?: string[]; includeExpired?: boolean; now?: Date }): Promise<HeldDocument[]>
  /** Indexes a snapshot's results that carry a document code and a hash; returns how many were new. */
  indexResults(tx: Queryable, dossierCode: string, snapshot: DossierSnapshot, client: string): Promise<number>
}

interface Row {
  id: number
  owner_masked: string
  type_code: string
  title: string
  issuing_agency: string | null
  issued_at: Date | null
  valid_until: Date | null
  url: string
  sha256: string
  source: 'intake' | 'dossier-result'
  dossier_code: string | null
  client: string
  registered_at: Date
}

const INSERT = `INSERT INTO documents (owner_hash, owner_masked, owner_kind, type_code, title, issuing_agency, issued_at, valid_until, url, sha256, source, dossier_code, client)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
  ON CONFLICT (owner_hash, type_code, sha256) DO NOTHING RETURNING id`

const LAST_INSTANT = '9999-12-31T23:59:59.999Z'
const FIRST_INSTANT = '0001-01-01T00:00:00.000Z'

/**
 * A stored instant as RFC 3339. Rows written before the API refused leap seconds and year 0000
 * can hold year 10000 (`9999-12-31T23:59:60Z` rolled over) or 1 BC, which toISOString renders as
 * `+010000-…`/`0000-…` and the response schema refused — every later search of that owner was a
 * 500. Such an instant is clamped to the nearest one the API can carry.
 */
export function storedInstant(d: Date): string {
  const year = d.getUTCFullYear()
  if (Number.isNaN(year) || year > 9999) return LAST_INSTANT
  if (year < 1) return FIRST_INSTANT
  return d.toISOString()
}

export function createDocumentStore(db: Db, hashKey: string): DocumentStore {
  const owner = (id: string) => [subjectHash(hashKey, id), maskId(id), ownerKind(id)] as const

  async function insert(q: Queryable, ownerId: string, typeCode: string, d: {
    title: string; issuingAgency?: string | undefined; issuedAt?: string | undefined; validUntil?: string | undefined; url: string; sha256: string
  }, source: Row['source'], dossierCode: string | null, client: string): Promise<number | null> {
    const { rows } = await q.query<{ id: number }>(INSERT, [
      ...owner(ownerId), typeCode, d.title, d.issuingAgency ?? null, d.issuedAt ?? null, d.validUntil ?? null, d.url, d.sha256, source, dossierCode, client,
    ])
    return rows[0]?.id ?? null
  }

  return {
    async register(doc, client) {
      const parts = splitDocumentCode(doc.code)!
      const id = await insert(db, parts.ownerId, parts.typeCode, doc, 'intake', doc.dossierCode ?? null, client)
      if (id !== null) return { id, created: true }
      const { rows } = await db.query<{ id: number }>(
        'SELECT id FROM documents WHERE owner_hash = $1 AND type_code = $2 AND sha256 = $3',
        [subjectHash(hashKey, parts.ownerId), parts.typeCode, doc.sha256],
      )
      return { id: rows[0]!.id, created: false }
    },

    async search(q) {
      const now = q.now ?? new Date()
      const { rows } = await db.query<Row>(
        `SELECT id, owner_masked, type_code, title, issuing_agency, issued_at, valid_until, url, sha256, source, dossier_code, client, registered_at
         FROM documents WHERE owner_hash = $1 AND ($2::text[] IS NULL OR type_code = ANY($2::text[]))
           AND ($3::boolean OR valid_until IS NULL OR valid_until > $4)
         ORDER BY type_code, registered_at DESC, id DESC LIMIT 500`,
        [subjectHash(hashKey, q.ownerId), q.documentTypes ?? null, q.includeExpired ?? false, now],
      )
      return rows.map((r) => ({
        id: r.id,
        code: `${q.ownerId}.${r.type_code}`,
        ownerMasked: r.owner_masked,
        typeCode: r.type_code,
        title: r.title,
        issuingAgency: r.issuing_agency,
        issuedAt: r.issued_at ? storedInstant(r.issued_at) : null,
        validUntil: r.valid_until ? storedInstant(r.valid_until) : null,
        expired: r.valid_until !== null && r.valid_until.getTime() <= now.getTime(),
        url: r.url,
        sha256: r.sha256,
        source: { kind: r.source, dossierCode: r.dossier_code, client: r.client },
        registeredAt: storedInstant(r.registered_at),
      }))
    },

    async indexResults(tx, dossierCode, snapshot, client) {
      let added = 0
      for (const result of snapshot.results ?? []) {
        const parts = result.documentCode !== undefined ? splitDocumentCode(result.documentCode) : null
        if (!parts || result.sha256 === undefined || result.url === undefined) continue
        const id = await insert(tx, parts.ownerId, parts.typeCode, {
          title: result.name, issuingAgency: snapshot.agencyCode, issuedAt: result.issuedAt, validUntil: result.validUntil, url: result.url, sha256: result.sha256,
        }, 'dossier-result', dossierCode, client)
        if (id !== null) added++
      }
      return added
    },
  }
}
