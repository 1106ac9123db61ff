/** POST /v1/prefill: what the state already holds for an applicant and a procedure. */
import { Type } from 'typebox'
import { DateOfBirth, Include, PersonalId } from '../citizen.js'
import { HeldDocument } from '../document.js'

export const PrefillInput = Type.Object({
  procedureCode: Type.String({ minLength: 1, maxLength: 50, pattern: '^[A-Za-z0-9._-]+$' }),
  applicant: Type.Union([
    Type.Object({
      type: Type.Literal('citizen'),
      id: PersonalId,
      fullName: Type.String({ minLength: 1, maxLength: 200, description: 'Needed by the population database lookup' }),
      dateOfBirth: DateOfBirth,
      include: Type.Optional(Include),
    }, { additionalProperties: false }),
    Type.Object({
      type: Type.Literal('business'),
      id: Type.String({ pattern: '^[0-9]{10}(-[0-9]{3})?$', description: 'Enterprise code (10 digits, or NNNNNNNNNN-BBB)' }),
    }, { additionalProperties: false }),
  ]),
}, { additionalProperties: false })

export const SourceStatus = Type.Object({
  status: Type.Enum(['ok', 'error', 'timeout', 'skipped']),
  ms: Type.Integer({ description: 'How long the source took (up to the deadline)' }),
  code: Type.Optional(Type.String({ description: 'Why: NOT_FOUND with ok, an error code with error, the reason with skipped' })),
})

export const PrefillOutput = Type.Object({
  procedure: Type.Union([Type.Object({ code: Type.String(), name: Type.String() }), Type.Null()]),
  applicant: Type.Object({
    type: Type.Enum(['citizen', 'business']),
    data: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()], { description: 'The citizen (population DB: identity fields, plus the groups in `include`) or enterprise (business registry) record; null when not found or the source failed' }),
  }),
  requiredPapers: Type.Array(Type.Object({
    code: Type.String(),
    name: Type.String(),
    documentType: Type.Union([Type.String(), Type.Null()]),
    satisfiedBy: Type.Union([HeldDocument, Type.Null()], { description: 'The newest unexpired held document of this type, if any' }),
  })),
  documents: Type.Array(HeldDocument, { description: 'Every unexpired document held for the applicant' }),
  sources: Type.Object({ identity: SourceStatus, documents: SourceStatus, procedure: SourceStatus }),
  deadlineMs: Type.Integer(),
})
