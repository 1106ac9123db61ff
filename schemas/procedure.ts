/** An administrative procedure from the national portal's catalogue, in English. */
import { Type, type Static } from 'typebox'

export const RequiredPaper = Type.Object({
  code: Type.String({ description: 'Paper code (MAGIAYTO)' }),
  name: Type.String(),
  /** Document type code used in digitized document codes `<owner id>.<type code>`, when known. */
  documentType: Type.Optional(Type.String()),
}, { additionalProperties: false })

export const ProcedureResult = Type.Object({
  code: Type.String(),
  name: Type.String(),
}, { additionalProperties: false })

export const ProcedureChannel = Type.Object({
  channel: Type.Enum(['in_person', 'online', 'post']),
  timeLimit: Type.Optional(Type.String()),
  fee: Type.Optional(Type.String()),
}, { additionalProperties: false })

export const Procedure = Type.Object({
  code: Type.String(),
  name: Type.String(),
  publishingAgencyCode: Type.Optional(Type.String()),
  fields: Type.Array(Type.Object({ code: Type.String(), name: Type.String() }, { additionalProperties: false })),
  channels: Type.Array(ProcedureChannel),
  requiredPapers: Type.Array(RequiredPaper),
  results: Type.Array(ProcedureResult),
  agencies: Type.Array(Type.Object({ code: Type.String(), name: Type.String() }, { additionalProperties: false })),
  active: Type.Boolean(),
}, { additionalProperties: false })
export type Procedure = Static<typeof Procedure>

export const ProcedureSummary = Type.Object({ code: Type.String(), name: Type.String() }, { additionalProperties: false })
export const Agency = Type.Object({ code: Type.String(), name: Type.String(), parentCode: Type.Optional(Type.String()) }, { additionalProperties: false })
