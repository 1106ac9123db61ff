/**
 * The pre-fill fan-out: the applicant's identity (population DB or business registry), the
 * documents held for them and the procedure's required papers, in parallel under ONE deadline.
 * A slow or failing source is reported with its status; the others are still returned. Each
 * personal-data source is audited with the caller's officer and purpose (fail closed per source:
 * a source whose audit record cannot be written returns no data).
 */
import type { Logger } from 'pino'
import type { Static } from 'typebox'
import type { PrefillInput, PrefillOutput, SourceStatus } from '../../schemas/api/prefill.js'
import type { HeldDocument } from '../../schemas/document.js'
import type { Procedure } from '../../schemas/procedure.js'
import type { ConnectorRegistry } from '../upstream/registry.js'
import type { AuditLog } from '../audit/types.js'
import type { DocumentStore } from '../documents/store.js'
import type { Catalogue } from '../procedures/catalogue.js'
import { auditedCall, recordAccess } from '../audited-call.js'
import { auditOperation, disclose, disclosedGroups } from '../citizen-disclosure.js'
import { withoutMembers } from '../../schemas/enterprise.js'
import { CitizenLookup, EnterpriseGet } from '../contracts/identity.js'
import { upstreamToGateway } from '../upstream-errors.js'

type Input = Static<typeof PrefillInput>
type Output = Static<typeof PrefillOutput>
type Status = Static<typeof SourceStatus>

export interface PrefillDeps {
  registry: ConnectorRegistry
  audit: AuditLog
  documents: DocumentStore
  catalogue: Catalogue
  deadlineMs: number
}

export interface PrefillCaller {
  client: string
  scopes: readonly string[]
  officerId: string
  purpose: string
  requestId: string
  signal: AbortSignal
  log: Logger
}

const IDENTITY = {
  citizen: { contract: CitizenLookup, scope: 'citizens:read' },
  business: { contract: EnterpriseGet, scope: 'enterprises:read' },
} as const

class Skipped extends Error {}

/** Runs one source against the shared deadline; the work itself is not cut short (its audit still lands). */
async function source<T>(deadline: AbortSignal, work: () => Promise<T>): Promise<{ value: T | null; status: Status }> {
  const started = performance.now()
  const ms = () => Math.round(performance.now() - started)
  let onAbort: (() => void) | undefined
  const timedOut = new Promise<'timeout'>((resolve) => {
    if (deadline.aborted) return resolve('timeout')
    onAbort = () => resolve('timeout')
    deadline.addEventListener('abort', onAbort, { once: true })
  })
  const running = work()
  running.catch(() => undefined) // a late failure after the deadline is already reported as timeout
  try {
    const winner = await Promise.race([running.then((value) => ({ value })), timedOut])
    if (winner === 'timeout') return { value: null, status: { status: 'timeout', ms: ms() } }
    const value = winner.value
    return { value, status: { status: 'ok', ms: ms(), ...(value === null && { code: 'NOT_FOUND' }) } }
  } catch (err) {
    if (err instanceof Skipped) return { value: null, status: { status: 'skipped', ms: ms(), code: err.message } }
    const gw = upstreamToGateway(err)
    if (gw.code === 'UPSTREAM_TIMEOUT' || (deadline.aborted && gw.code === 'SERVICE_UNAVAILABLE')) return { value: null, status: { status: 'timeout', ms: ms(), code: gw.code } }
    return { value: null, status: { status: 'error', ms: ms(), code: gw.code } }
  } finally {
    if (onAbort) deadline.removeEventListener('abort', onAbort)
  }
}

export async function prefill(deps: PrefillDeps, input: Input, caller: PrefillCaller): Promise<Output> {
  const deadline = AbortSignal.any([caller.signal, AbortSignal.timeout(deps.deadlineMs)])
  const { applicant } = input
  const who = IDENTITY[applicant.type]
  // Checked before any source starts: asking for sensitive groups without the scope is a 403.
  const groups = applicant.type === 'citizen' ? disclosedGroups(applicant.include, caller.scopes) : []

  const identity = source(deadline, async () => {
    if (!caller.scopes.includes(who.scope)) throw new Skipped(`the client lacks ${who.scope}`)
    if (deps.registry.provider(who.contract) === undefined) throw new Skipped(`no enabled connector provides ${who.contract.capability}`)
    const call = { client: caller.client, officerId: caller.officerId, purpose: caller.purpose, requestId: caller.requestId, subject: applicant.id, signal: deadline, log: caller.log }
    // Identity fields only, plus the groups asked for (the connector returns the whole record).
    if (applicant.type === 'citizen') {
      const lookup = { personalId: applicant.id, fullName: applicant.fullName, dateOfBirth: applicant.dateOfBirth, procedureCode: input.procedureCode }
      return disclose(await auditedCall(deps, { ...call, contract: CitizenLookup, auditOperation: auditOperation(CitizenLookup.operation, groups), input: lookup }), groups)
    }
    const found = await auditedCall(deps, { ...call, contract: EnterpriseGet, input: { code: applicant.id } })
    return found === null ? null : withoutMembers(found)
  })

  const documents = source(deadline, async () => {
    const started = performance.now()
    const found = await deps.documents.search({ ownerId: applicant.id })
    await recordAccess(deps.audit, {
      at: new Date(), requestId: caller.requestId, client: caller.client, officerId: caller.officerId, purpose: caller.purpose,
      connector: 'ledger', operation: 'documents.search', subject: applicant.id, outcome: found.length > 0 ? 'ok' : 'not_found',
      latencyMs: Math.round(performance.now() - started),
    }, caller.log)
    return found
  })

  const procedure = source(deadline, async () => {
    const answer = await deps.catalogue.get(input.procedureCode, { requestId: caller.requestId, signal: deadline, log: caller.log })
    return answer.procedure
  })

  const [id, docs, proc] = await Promise.all([identity, documents, procedure])
  const held: HeldDocument[] = docs.value ?? []
  const p = proc.value as Procedure | null
  return {
    procedure: p ? { code: p.code, name: p.name } : null,
    applicant: { type: applicant.type, data: id.value },
    requiredPapers: (p?.requiredPapers ?? []).map((paper) => ({
      code: paper.code,
      name: paper.name,
      documentType: paper.documentType ?? null,
      // Held documents come newest first per type.
      satisfiedBy: (paper.documentType !== undefined && held.find((d) => d.typeCode === paper.documentType && !d.expired)) || null,
    })),
    documents: held,
    sources: { identity: id.status, documents: docs.status, procedure: proc.status },
    deadlineMs: deps.deadlineMs,
  }
}
