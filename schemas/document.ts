/**
 * Digitized papers and results the hub holds (seed plan: `<owner id>.<document type code>`).
 * The owner is a personal ID (12 digits, or an old 9-digit card) or an enterprise code
 * (10 digits, or `NNNNNNNNNN-BBB` for a branch); at rest only its keyed hash and masked form are kept.
 */
import { Type, type Static } from 'typebox'

export const OwnerId = Type.String({ pattern: '^([0-9]{9}|[0-9]{10}|[0-9]{12}|[0-9]{10}-[0-9]{3})$', description: 'Personal ID (12 digits, or an old 9-digit card) or enterprise code (10 digits, or NNNNNNNNNN-BBB)' })
export const TypeCode = Type.String({ minLength: 1, maxLength: 50, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$', description: 'Document type code' })
export const DocumentCode = Type.String({
  pattern: '^([0-9]{9}|[0-9]{10}|[0-9]{12}|[0-9]{10}-[0-9]{3})\\.[A-Za-z0-9][A-Za-z0-9._-]{0,49}$',
  description: '`<owner id>.<document type code>`, e.g. `062090001234.KS`',
})
const DateTime = Type.String({ format: 'date-time' })

export const RegisterDocument = Type.Object({
  code: DocumentCode,
  title: Type.String({ minLength: 1, maxLength: 300 }),
  issuingAgency: Type.Optional(Type.String({ maxLength: 300 })),
  issuedAt: Type.Optional(DateTime),
  validUntil: Type.Optional(DateTime),
  url: Type.String({ maxLength: 2000, format: 'uri', description: 'Where the digitized file is stored' }),
  sha256: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'SHA-256 of the file (hex)' }),
  dossierCode: Type.Optional(Type.String({ maxLength: 64, description: 'The dossier at whose intake it was digitized' })),
}, { additionalProperties: false })
export type RegisterDocument = Static<typeof RegisterDocument>

export const HeldDocument = Type.Object({
  id: Type.Integer(),
  code: Type.String({ description: '`<owner id>.<type code>`, rebuilt from the owner the caller named' }),
  ownerMasked: Type.String(),
  typeCode: Type.String(),
  title: Type.String(),
  issuingAgency: Type.Union([Type.String(), Type.Null()]),
  issuedAt: Type.Union([DateTime, Type.Null()]),
  validUntil: Type.Union([DateTime, Type.Null()]),
  expired: Type.Boolean(),
  url: Type.String(),
  sha256: Type.String(),
  source: Type.Object({
    kind: Type.Enum(['intake', 'dossier-result'], { description: '`intake`: registered by the one-stop software; `dossier-result`: a result that passed through dossier sync' }),
    dossierCode: Type.Union([Type.String(), Type.Null()]),
    client: Type.String(),
  }),
  registeredAt: DateTime,
})
export type HeldDocument = Static<typeof HeldDocument>

export const SearchDocuments = Type.Object({
  ownerId: OwnerId,
  documentTypes: Type.Optional(Type.Array(TypeCode, { maxItems: 50 })),
  includeExpired: Type.Optional(Type.Boolean({ default: false })),
}, { additionalProperties: false })
export type SearchDocuments = Static<typeof SearchDocuments>

/** Splits `<owner id>.<type code>` (the owner part never contains a dot). */
export function splitDocumentCode(code: string): { ownerId: string; typeCode: string } | null {
  const m = /^([0-9]{9}|[0-9]{10}|[0-9]{12}|[0-9]{10}-[0-9]{3})\.([A-Za-z0-9][A-Za-z0-9._-]{0,49})$/.exec(code)
  return m ? { ownerId: m[1]!, typeCode: m[2]! } : null
}

export const ownerKind = (ownerId: string): 'citizen' | 'business' => (/^[0-9]{10}(-[0-9]{3})?$/.test(ownerId) ? 'business' : 'citizen')
