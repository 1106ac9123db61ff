/**
 * What the hub knows of dossiers from its own records, read for a whole accept batch in one
 * set-based statement (never one per dossier or per paper), inside the accept transaction:
 *
 * - connected databases: the population DB or the business registry was looked up through the
 *   hub, successfully, with `X-Purpose` equal to the dossier's code (the audit log holds it);
 * - reused papers: a paper's `documentCode` + `sha256` is in the document store, registered at
 *   intake or by ANOTHER dossier (a dossier's own results do not count as reuse).
 *
 * The facts travel in the outbox payload of the version accepted; the connector maps them (an
 * explicit value in the snapshot wins). A lookup made after a version was accepted counts from
 * the next version.
 */
import type { Queryable } from '../db/types.js'
import { prepared } from '../db/prepared.js'
import { CONNECTED_DATABASES, type DossierSnapshot, type HubFacts } from '../../schemas/dossier.js'
import { splitDocumentCode } from '../../schemas/document.js'
import { subjectHash } from '../audit/subject.js'

/**
 * The rules that turn the snapshot and the hub's facts into the portal's flags. ONE definition:
 * the national-portal record (DuocSoHoa, DuocTaiSuDung, DSKetNoiCSDL, HoSoCoThanhPhanSoHoa) and
 * the indicators (src/indicators/contribution.ts) both call these; an explicit value always wins.
 */
interface Paper { id: string; url?: string; sha256?: string; digitized?: boolean; reused?: boolean }
/** DuocSoHoa: explicit, else a file with a link and a hash is a digitized paper. */
export const paperDigitized = (p: Paper): boolean => p.digitized ?? (p.url !== undefined && p.sha256 !== undefined)
/** DuocTaiSuDung: explicit, else the hub found its code and hash in the document store. */
export const paperReused = (p: Paper, facts: HubFacts | undefined): boolean => p.reused ?? (facts?.reusedDocuments.includes(p.id) ?? false)
/** DSKetNoiCSDL: explicit, else the databases the hub looked up with X-Purpose = the dossier code. */
export const dossierDatabases = (d: Pick<DossierSnapshot, 'connectedDatabases'>, facts: HubFacts | undefined): ReadonlyArray<HubFacts['connectedDatabases'][number]> =>
  d.connectedDatabases ?? facts?.connectedDatabases ?? []
/** HoSoCoThanhPhanSoHoa: explicit, else a paper is digitized or reused. */
export const dossierHasDigitizedComponent = (d: Pick<DossierSnapshot, 'hasDigitizedComponent' | 'documents'>, facts: HubFacts | undefined): boolean =>
  d.hasDigitizedComponent ?? (d.documents ?? []).some((p) => paperDigitized(p) || paperReused(p, facts))

export type FactsReader = (tx: Queryable, dossiers: ReadonlyArray<{ code: string; snapshot: DossierSnapshot }>) => Promise<Map<string, HubFacts>>

/** One round trip for both: the lookups (rows with a connector) and the papers found (rows with n). Prepared: every accept batch runs it. */
const FACTS_SQL = `SELECT purpose, connector, NULL::bigint AS n FROM audit_log
       WHERE purpose = ANY($1::text[]) AND connector = ANY($2::text[]) AND outcome = 'ok' GROUP BY purpose, connector
       UNION ALL
       SELECT NULL, NULL, t.n FROM unnest($3::text[], $4::text[], $5::text[], $6::text[]) WITH ORDINALITY AS t(code, owner, type, sha256, n)
       WHERE EXISTS (SELECT 1 FROM documents d WHERE d.owner_hash = t.owner AND d.type_code = t.type AND d.sha256 = t.sha256
                       AND d.dossier_code IS DISTINCT FROM t.code)`
const FACTS_PREPARED = prepared('accept-facts', FACTS_SQL)

export function createFactsReader(hashKey: string): FactsReader {
  return async function readFacts(tx, dossiers) {
    const facts = new Map<string, HubFacts>(dossiers.map((d) => [d.code, { connectedDatabases: [], reusedDocuments: [] }]))
    if (dossiers.length === 0) return facts
    const codes = [...facts.keys()]
    const papers = dossiers.flatMap((d) => (d.snapshot.documents ?? []).flatMap((p) => {
      const parts = p.documentCode !== undefined && p.sha256 !== undefined && p.reused === undefined ? splitDocumentCode(p.documentCode) : undefined
      return parts ? [{ code: d.code, id: p.id, owner: subjectHash(hashKey, parts.ownerId), type: parts.typeCode, sha256: p.sha256! }] : []
    }))
    const { rows } = await tx.query<{ purpose: string | null; connector: string | null; n: number | null }>(
      FACTS_SQL,
      [codes, [...CONNECTED_DATABASES], papers.map((p) => p.code), papers.map((p) => p.owner), papers.map((p) => p.type), papers.map((p) => p.sha256)],
      FACTS_PREPARED,
    )
    for (const r of rows) {
      if (r.n !== null) {
        const p = papers[Number(r.n) - 1]!
        facts.get(p.code)!.reusedDocuments.push(p.id)
      } else facts.get(r.purpose!)?.connectedDatabases.push(r.connector as HubFacts['connectedDatabases'][number])
    }
    for (const f of facts.values()) f.connectedDatabases.sort()
    return facts
  }
}
