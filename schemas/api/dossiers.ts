/** API shapes of the dossier routes (DESIGN §2–3). */
import { Type } from 'typebox'
import { DossierCode, DossierSnapshot } from '../dossier.js'

export const SYNC_STATES = ['pending', 'retrying', 'delivered', 'dead'] as const

export const TargetSync = Type.Object({
  state: Type.Enum([...SYNC_STATES], { description: '`pending` queued, `retrying` failed transiently and waits, `delivered`, `dead` refused or out of attempts (see /admin/dead-letters)' }),
  attempts: Type.Integer({ description: 'Failed attempts of the change now in flight' }),
  lastError: Type.Union([Type.String(), Type.Null()]),
  deliveredVersion: Type.Union([Type.Integer(), Type.Null()]),
  deliveredAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  nextAttemptAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  steps: Type.Object({ open: Type.Integer(), delivered: Type.Integer(), dead: Type.Integer() }, { description: 'Progress steps by delivery state' }),
})

export const DossierSummary = Type.Object({
  code: Type.String(),
  version: Type.Integer(),
  status: Type.String(),
  agencyCode: Type.String({ description: 'The current agency code, by which the dossier is routed' }),
  originalAgencyCode: Type.Union([Type.String(), Type.Null()], { description: 'The code the one-stop software sent, when the agency merger mapping replaced it (see GET /admin/agency-mapping); else null' }),
  acceptedAt: Type.String({ format: 'date-time' }),
  sync: Type.Record(Type.String(), TargetSync, { description: 'Sync state per target (e.g. `national-portal`)' }),
})

export const DossierView = Type.Intersect([DossierSummary, Type.Object({ snapshot: DossierSnapshot })])

export const Accepted = Type.Object({
  code: Type.String(),
  version: Type.Optional(Type.Integer()),
  stepId: Type.Optional(Type.String()),
  outcome: Type.Enum(['accepted', 'unchanged'], { description: '`accepted`: committed and queued (202); `unchanged`: the same body was already accepted (200)' }),
  targets: Type.Array(Type.String()),
})

export const DossierParams = Type.Object({ code: DossierCode })

export const DossierListQuery = Type.Object({
  syncState: Type.Optional(Type.Enum([...SYNC_STATES])),
  target: Type.Optional(Type.String({ description: 'With syncState: only this target' })),
  after: Type.Optional(Type.String({ description: 'Cursor: `next` of the previous page' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
}, { additionalProperties: false })
