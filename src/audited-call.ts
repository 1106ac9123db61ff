/**
 * A personal-data call: run the connector operation, then commit the audit record (whatever the
 * outcome) before anything is answered. If the audit record cannot be written the call fails
 * with 503 and no data leaves (fail closed, DESIGN §6).
 */
import type { Logger } from 'pino'
import type { Static } from 'typebox'
import type { ConnectorRegistry } from './upstream/registry.js'
import type { Contract } from './upstream/types.js'
import type { AuditEntry, AuditLog } from './audit/types.js'
import { GatewayError } from './errors.js'
import { upstreamToGateway } from './upstream-errors.js'

export interface PersonalDataCall<C extends Contract> {
  client: string
  officerId: string
  purpose: string
  requestId: string
  /** What is called; the registry finds the connector that provides it. */
  contract: C
  /** A connector chosen by config instead of the contract's provider. */
  connector?: string
  /** What the audit record calls the operation, when it says more (e.g. `lookup+relatives,religion`: the groups disclosed). Default the contract's operation. */
  auditOperation?: string
  /** The personal ID or enterprise code the call is about (hashed + masked by the audit log). */
  subject: string | null
  input: Static<C['input']>
  signal: AbortSignal
  log: Logger
}

export async function auditedCall<C extends Contract>(
  deps: { registry: ConnectorRegistry; audit: AuditLog },
  call: PersonalDataCall<C>,
  outcomeOf: (result: Static<C['output']>) => string = (r) => (r === null ? 'not_found' : 'ok'),
): Promise<Static<C['output']>> {
  type T = Static<C['output']>
  const started = performance.now()
  let result: T | undefined
  let failure: GatewayError | undefined
  const { contract, input, connector, ...ctx } = call
  try {
    result = await deps.registry.call(contract, input, { ...ctx, ...(connector !== undefined && { connector }) })
  } catch (err) {
    failure = upstreamToGateway(err)
  }
  await recordAccess(deps.audit, {
    at: new Date(),
    requestId: call.requestId,
    client: call.client,
    officerId: call.officerId,
    purpose: call.purpose,
    connector: connector ?? deps.registry.provider(contract) ?? contract.capability,
    operation: call.auditOperation ?? contract.operation,
    subject: call.subject,
    outcome: failure ? failure.code : outcomeOf(result as T),
    latencyMs: Math.round(performance.now() - started),
  }, call.log)
  if (failure) throw failure
  return result as T
}

/**
 * Commits one audit record for a personal-data access that did not go through a connector (a
 * ledger read, a cache hit, an audit search). Fails closed: 503 when it cannot be written.
 */
export async function recordAccess(audit: AuditLog, entry: AuditEntry, log: Logger): Promise<void> {
  try {
    await audit.append(entry)
  } catch (err) {
    log.error({ err }, 'audit record could not be written; refusing to serve personal data')
    throw new GatewayError('AUDIT_UNAVAILABLE', 'The audit log cannot be written, so personal data is not served. Retry later.', { headers: { 'retry-after': '5' } })
  }
}

/** An AbortSignal that fires when the HTTP client disconnects before the reply is sent. */
export function clientGoneSignal(raw: { once(event: 'close', fn: () => void): unknown; writableFinished: boolean }): AbortSignal {
  const controller = new AbortController()
  raw.once('close', () => {
    if (!raw.writableFinished) controller.abort(new Error('client disconnected'))
  })
  return controller.signal
}
