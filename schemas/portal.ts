/** Input and output schemas of the national portal's operations (dossier sync, catalogue, dossier state), in domain (English) terms; the contracts are in src/contracts/portal.ts. */
import { Type, type Static } from 'typebox'
import { AgencyCode, DOSSIER_STATUSES, DossierCode, DossierSyncInput, ProgressSyncInput as ProgressSyncInputSchema } from './dossier.js'
import { Agency, Procedure, ProcedureSummary } from './procedure.js'

const DateTime = Type.String({ format: 'date-time', description: 'RFC 3339 date-time with offset' })

export const ProgressSyncInput = ProgressSyncInputSchema
export const DossierRecordInput = DossierSyncInput
export type DossierRecordInput = Static<typeof DossierRecordInput>

export const SyncDossierInput = Type.Object({
  dossier: DossierRecordInput,
  isUpdate: Type.Boolean({ description: 'False for the first delivery of this dossier, true afterwards (sent as isUpdating)' }),
}, { additionalProperties: false })
export type SyncDossierInput = Static<typeof SyncDossierInput>

export const SyncDossiersInput = Type.Object({
  dossiers: Type.Array(SyncDossierInput, { minItems: 1, maxItems: 500, description: 'Distinct dossiers; sent in one call per isUpdate value' }),
}, { additionalProperties: false })
export type SyncDossiersInput = Static<typeof SyncDossiersInput>

/** A failure as the hub's retry logic reads it (an UpstreamError's safe fields). */
export const RecordFailure = Type.Object({
  kind: Type.Enum(['timeout', 'unavailable', 'rejected', 'not_found', 'unauthorized', 'bad_response', 'circuit_open', 'aborted']),
  message: Type.String(),
  upstreamCode: Type.Optional(Type.String()),
  upstreamReason: Type.Optional(Type.String()),
  retryAfterMs: Type.Optional(Type.Number()),
}, { additionalProperties: false })

export const SyncDossiersOutput = Type.Object({
  results: Type.Array(Type.Object({
    code: DossierCode,
    acceptedAt: Type.Optional(Type.String({ format: 'date-time', description: 'Present when the portal took this dossier' })),
    failure: Type.Optional(RecordFailure),
  }, { additionalProperties: false }), { description: 'One per input dossier, in input order' }),
}, { additionalProperties: false })
export type SyncDossiersOutput = Static<typeof SyncDossiersOutput>

export type ProgressSyncInput = Static<typeof ProgressSyncInput>

/** At most 10 entries per `CapNhatTienDoHoSoMC` call: what HV sends (reference §4). */
export const PROGRESS_BATCH_MAX = 10
export const ProgressBatchInput = Type.Object({
  steps: Type.Array(ProgressSyncInput, { minItems: 1, maxItems: PROGRESS_BATCH_MAX, description: 'Steps of any dossiers; each dossier\'s in order' }),
}, { additionalProperties: false })
export const ProgressBatchOutput = Type.Object({
  results: Type.Array(Type.Object({ failure: Type.Optional(RecordFailure) }, { additionalProperties: false }), { description: 'One per step, in input order; no failure = taken' }),
}, { additionalProperties: false })
export type ProgressBatchOutput = Static<typeof ProgressBatchOutput>

export const Accepted = Type.Object({
  acceptedAt: Type.String({ format: 'date-time', description: 'When the portal acknowledged the change (hub clock)' }),
}, { additionalProperties: false })
export type Accepted = Static<typeof Accepted>

export const GetDossierInput = Type.Object({ code: DossierCode }, { additionalProperties: false })

export const PortalDossierState = Type.Object({
  code: DossierCode,
  statusCode: Type.Integer({ description: 'TrangThaiHoSo as the portal holds it' }),
  status: Type.Optional(Type.Enum([...DOSSIER_STATUSES], { description: 'statusCode read through the configured table; absent when the code is not in it' })),
  receivedAt: Type.Optional(DateTime),
  dueAt: Type.Optional(DateTime),
  returnedAt: Type.Optional(DateTime),
}, { additionalProperties: false })
export type PortalDossierState = Static<typeof PortalDossierState>
export const GetDossierOutput = Type.Union([PortalDossierState, Type.Null()])

export const GetProcedureInput = Type.Object({ code: Type.String({ minLength: 1, maxLength: 50, description: 'Procedure code (MaTTHC)' }) }, { additionalProperties: false })
export const GetProcedureOutput = Type.Union([Procedure, Type.Null()])

export const ListProceduresInput = Type.Object({ agencyCode: Type.Optional(AgencyCode) }, { additionalProperties: false })
export const ListProceduresOutput = Type.Object({ procedures: Type.Array(ProcedureSummary) }, { additionalProperties: false })
export type ProcedureSummary = Static<typeof ProcedureSummary>

export const ListAgenciesInput = Type.Object({}, { additionalProperties: false })
export const ListAgenciesOutput = Type.Object({ agencies: Type.Array(Agency) }, { additionalProperties: false })
export type Agency = Static<typeof Agency>
