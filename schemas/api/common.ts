/** Pieces every API schema shares: the problem body, personal-data headers, error responses. */
import { Type } from 'typebox'

export const Problem = Type.Object({
  type: Type.String(),
  title: Type.String(),
  status: Type.Integer(),
  detail: Type.String(),
  code: Type.String({ description: 'Stable error code, e.g. VALIDATION_FAILED, UPSTREAM_TIMEOUT' }),
  instance: Type.String(),
  errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
}, { $id: 'Problem', description: 'application/problem+json (RFC 9457)' })

/** Headers required on every route that touches personal data (DESIGN §2). */
export const PersonalDataHeaders = Type.Object({
  'x-officer-id': Type.String({ minLength: 1, maxLength: 64, pattern: '^[\\x21-\\x7e]+$', description: 'The accountable officer; forwarded upstream as the officer code' }),
  'x-purpose': Type.String({ minLength: 1, maxLength: 200, description: 'Why the data is needed: a dossier or procedure code' }),
})

const problem = (description: string) => ({ ...Type.Ref('Problem'), description })

/** Error responses a personal-data route can give, for the OpenAPI document. */
export const upstreamErrors = {
  400: problem('Invalid request (field errors in `errors[]`), or missing officer/purpose headers'),
  401: problem('No or unknown API key'),
  403: problem('The client lacks the scope'),
  422: problem('The upstream system refused the request (UPSTREAM_REJECTED)'),
  429: problem('Rate limit reached'),
  502: problem('The upstream failed or answered unusably'),
  503: problem('Circuit open, or the audit log cannot be written'),
  504: problem('The upstream did not answer in time'),
}
