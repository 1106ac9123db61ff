/**
 * Connector for the National Public Service Portal's JSON session API: dossier sync, progress,
 * dossier lookup and the procedure catalogue. Wire format in wire.ts, session handling in
 * session.ts, config in config.ts, the upstream's stand-in in simulator.ts.
 */
import type { Connector, ConnectorContext, OperationContext, OperationDef } from '../../src/upstream/types.js'
import { defineConnector } from '../../src/upstream/connector-kit.js'
import { DossierStateGet, DossierSync, DossiersSync, PortalAgenciesList, ProcedureGet, ProceduresList, ProgressBatch, ProgressUpdate } from '../../src/contracts/portal.js'
import type { UpstreamClient } from '../../src/upstream/client.js'
import { UpstreamError, isUpstreamError } from '../../src/upstream/errors.js'
import { DEFAULT_MAX_RESPONSE_BYTES, NationalPortalConfigSchema, resolveConfig, type NationalPortalConfig } from './config.js'
import {
  Accepted, GetDossierInput, GetDossierOutput, GetProcedureInput, GetProcedureOutput, ListAgenciesInput, ListAgenciesOutput,
  ListProceduresInput, ListProceduresOutput, ProgressBatchInput, ProgressBatchOutput, ProgressSyncInput, SyncDossierInput, SyncDossiersInput, SyncDossiersOutput,
} from '../../schemas/portal.js'
import { createSessionCache } from './session.js'
import {
  buildCallBody, buildDossierRecord, buildLoginBody, buildProgressRecord, DSTCODE_HEADER, getDossierParams, getProcedureParams, listProceduresParams, parseAgencyList,
  parseDossierState, parseProcedure, parseProcedureList, progressParams, readBatchReply, readLogin, readReply, SessionRejectedError, syncDossierParams,
  syncDossiersParams, type ErrorCodeSets, type ReadResult, type RecordOutcome, type ServiceKey, type WireTables,
} from './wire.js'
import { SANDBOX_AGENCY_CODE, SANDBOX_CREDENTIALS, SANDBOX_DSTCODE, SANDBOX_INTERLINKED, SANDBOX_PAYMENT, startNationalPortalSimulator } from './simulator.js'
import { clientOverrides } from '../../src/upstream/client-config.js'
import { inboundOperations } from './inbound-ops.js'
import { interlinkedOperations } from './interlinked.js'
import { paymentOperations } from './payment-ops.js'

export { NationalPortalConfigSchema, type NationalPortalConfig }

const CATALOGUE_SERVICES: ReadonlySet<ServiceKey> = new Set(['getProcedure', 'listProcedures', 'listAgencies'])
const nothing = () => undefined

function create(ctx: ConnectorContext<NationalPortalConfig>): Connector {
  const config = resolveConfig(ctx.config)
  const tables: WireTables = { statusCodes: config.statusCodes, channelCodes: config.channelCodes, databaseCodes: config.databaseCodes }
  const codes: ErrorCodeSets = { session: new Set(config.errorCodes.session), transient: new Set(config.errorCodes.transient) }
  // No auth strategy: the session travels in the body.
  const client: UpstreamClient = ctx.createClient({
    baseUrl: config.baseUrl,
    maxResponseBytes: config.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    ...clientOverrides(config),
  })
  const headers = { 'content-type': 'application/json; charset=utf-8', accept: 'application/json', [DSTCODE_HEADER]: config.dstcode }
  /** Clients of the interlinked service and the payment platform (they share the connector's circuit breaker). */
  const extraClient = (baseUrl: string) => ctx.createClient({ baseUrl, ...clientOverrides(config) })

  /**
   * One POST. The reply is read inside the client's `inspect` hook, so an error code or an
   * unusable body is a failure the client retries (transient kinds, idempotent calls only) and
   * the circuit breaker counts, exactly like an HTTP 503 would be.
   */
  async function post<T>(path: string, body: string, idempotent: boolean, signal: AbortSignal, read: (body: Buffer) => ReadResult<T>): Promise<T> {
    let outcome: { value: T } | undefined
    await client.request({
      method: 'POST', path, headers, body, idempotent, signal,
      inspect(res) {
        const r = read(res.body)
        if (!r.ok) return r.error
        outcome = { value: r.value }
        return undefined
      },
    })
    if (outcome === undefined) throw new UpstreamError('bad_response', 'The national portal reply was not read.')
    return outcome.value
  }

  /** Reads a reply's error code, then its data with `parse`; a parse failure is the portal's `bad_response`. */
  const reader = <T>(service: ServiceKey, parse: (data: unknown) => T) => (body: Buffer): ReadResult<T> => {
    const r = readReply(body, codes, service)
    if (!r.ok) return r
    try {
      return { ok: true, value: parse(r.value) }
    } catch (err) {
      return { ok: false, error: isUpstreamError(err) ? err : new UpstreamError('bad_response', 'The national portal sent a reply the connector could not read.', { cause: err }) }
    }
  }

  // Logging in twice does no harm, so a transient failure of the login is retried.
  const login = (signal: AbortSignal) => post(config.loginPath, buildLoginBody(config.username, config.password), true, signal, (b) => readLogin(b, codes))
  const sessions = createSessionCache({ ttlMs: config.sessionTtlMs, loginTimeoutMs: config.timeoutMs.login, login })

  /**
   * A call under the cached session. When the portal refuses the session it did nothing, so one
   * fresh login and one retry are safe even for a non-idempotent call.
   */
  const call = <T>(service: ServiceKey, params: Record<string, unknown>, op: OperationContext, idempotent: boolean, parse: (data: unknown) => T): Promise<T> =>
    callReading(service, params, op, idempotent, reader(service, parse))

  async function callReading<T>(service: ServiceKey, params: Record<string, unknown>, op: OperationContext, idempotent: boolean, read: (body: Buffer) => ReadResult<T>): Promise<T> {
    const path = CATALOGUE_SERVICES.has(service) ? config.catalogPath : config.syncPath
    const send = (session: string) => post(path, buildCallBody(session, config.agencyCode, service, params), idempotent, op.signal, read)
    const session = await sessions.get(op.signal)
    try {
      return await send(session)
    } catch (err) {
      if (!(err instanceof SessionRejectedError)) throw err
      sessions.invalidate(session)
      op.log.info({ operation: service, upstreamCode: err.upstreamCode }, 'national portal refused the session; logging in again')
    }
    const fresh = await sessions.get(op.signal)
    try {
      return await send(fresh)
    } catch (err) {
      if (!(err instanceof SessionRejectedError)) throw err
      sessions.invalidate(fresh)
      throw new UpstreamError('unauthorized', 'The national portal refused a session it had just issued; check connectors.national-portal errorCodes.session and the account\'s rights.', {
        ...(err.upstreamCode !== undefined && { upstreamCode: err.upstreamCode }),
        cause: err,
      })
    }
  }

  const syncDossier: OperationDef<typeof SyncDossierInput, typeof Accepted> = {
    contract: DossierSync,
    description: 'Creates or replaces the dossier on the national portal (an upsert: safe to repeat).',
    input: SyncDossierInput,
    output: Accepted,
    timeoutMs: config.timeoutMs.syncDossier,
    idempotent: true,
    async run(input, op) {
      await call('syncDossier', syncDossierParams(input, tables), op, true, nothing)
      return { acceptedAt: new Date().toISOString() }
    },
  }

  /**
   * One `DongBoHoSoMC` call for records that share `isUpdating`, read per record. A refusal of
   * the whole call that names no record (a portal that does not answer per record), or a per-record
   * answer that cannot be matched to the records sent, is followed by one call per record (an
   * upsert: safe to repeat), so only the wrong ones end refused.
   */
  async function sendRecords(records: Array<Record<string, unknown>>, isUpdate: boolean, op: OperationContext): Promise<RecordOutcome[]> {
    const codesSent = records.map((r) => String(r['MaHoSo']))
    try {
      const outcomes = await callReading('syncDossier', syncDossiersParams(records, isUpdate), op, true, (body) => readBatchReply(body, codes, codesSent))
      if (outcomes !== null) return outcomes
      if (records.length === 1) throw new UpstreamError('bad_response', 'The national portal answered the dossier sync with an outcome for another dossier.')
      op.log.warn({ dossiers: records.length }, 'national portal answered a batch per record in a way that matches no record sent; sending its dossiers one by one')
    } catch (err) {
      if (records.length === 1 || !isUpstreamError(err) || err.kind !== 'rejected') throw err
      op.log.info({ dossiers: records.length, upstreamCode: err.upstreamCode }, 'national portal refused a batch as a whole; sending its dossiers one by one')
    }
    const outcomes: RecordOutcome[] = []
    for (const record of records) {
      outcomes.push(await sendRecords([record], isUpdate, op).then((o) => o[0]!, (err: unknown) => {
        if (!isUpstreamError(err) || op.signal.aborted) throw err
        return { ok: false as const, error: err }
      }))
    }
    return outcomes
  }

  const failureOf = (err: UpstreamError) => ({
    kind: err.kind, message: err.message,
    ...(err.upstreamCode !== undefined && { upstreamCode: err.upstreamCode }),
    ...(err.upstreamReason !== undefined && { upstreamReason: err.upstreamReason }),
    ...(err.retryAfterMs !== undefined && { retryAfterMs: err.retryAfterMs }),
  })

  const syncDossiers: OperationDef<typeof SyncDossiersInput, typeof SyncDossiersOutput> = {
    contract: DossiersSync,
    description: 'Creates or replaces several dossiers in one call (two when new and known dossiers are mixed), with an outcome per dossier: a refused dossier does not fail the others. A failure of the whole call is thrown, as for syncDossier.',
    input: SyncDossiersInput,
    output: SyncDossiersOutput,
    timeoutMs: config.timeoutMs.syncDossiers,
    idempotent: true,
    async run(input, op) {
      const results: SyncDossiersOutput['results'] = input.dossiers.map((d) => ({ code: d.dossier.code }))
      const groups = new Map<boolean, Array<{ index: number; record: Record<string, unknown> }>>()
      input.dossiers.forEach((d, index) => {
        try {
          const record = buildDossierRecord(d.dossier, tables)
          const group = groups.get(d.isUpdate)
          if (group) group.push({ index, record })
          else groups.set(d.isUpdate, [{ index, record }])
        } catch (err) {
          if (!isUpstreamError(err)) throw err
          results[index]!.failure = failureOf(err) // nothing sent for it (e.g. a time that is no date-time)
        }
      })
      let answered = false
      for (const [isUpdate, items] of groups) {
        let outcomes: RecordOutcome[]
        try {
          outcomes = await sendRecords(items.map((i) => i.record), isUpdate, op)
        } catch (err) {
          // Nothing taken yet: the whole call failed (the registry classifies it). Otherwise the
          // other group's dossiers were taken and only this group's carry the failure.
          if (!answered || !isUpstreamError(err) || op.signal.aborted) throw err
          outcomes = items.map(() => ({ ok: false as const, error: err }))
        }
        answered = true
        const acceptedAt = new Date().toISOString()
        items.forEach((item, k) => {
          const o = outcomes[k]!
          if (o.ok) results[item.index]!.acceptedAt = acceptedAt
          else results[item.index]!.failure = failureOf(o.error)
        })
      }
      return { results }
    },
  }

  const updateProgress: OperationDef<typeof ProgressSyncInput, typeof Accepted> = {
    contract: ProgressUpdate,
    description: 'Adds one processing step to the dossier\'s progress on the national portal. Not repeated on failure: the wire carries no step id, so a repeat would be a second step.',
    input: ProgressSyncInput,
    output: Accepted,
    timeoutMs: config.timeoutMs.updateProgress,
    idempotent: false,
    async run(input, op) {
      await call('updateProgress', progressParams(input, tables), op, false, nothing)
      return { acceptedAt: new Date().toISOString() }
    },
  }

  /**
   * Up to 10 steps (of any dossiers) in one `CapNhatTienDoHoSoMC` call, as HV sends them. Not
   * repeated by the HTTP client (a repeat would add the steps twice). A refusal of the whole call
   * names no step, and the portal did nothing: the steps are then sent one per call, so only the
   * wrong ones end refused. A step that cannot be built (a time that is no date-time) is not sent.
   */
  const updateProgressBatch: OperationDef<typeof ProgressBatchInput, typeof ProgressBatchOutput> = {
    contract: ProgressBatch,
    description: 'Adds up to 10 processing steps, of any dossiers, in one call, with an outcome per step (in input order). A failure of the whole call other than a refusal is thrown.',
    input: ProgressBatchInput,
    output: ProgressBatchOutput,
    timeoutMs: config.timeoutMs.updateProgress * 2,
    idempotent: false,
    async run(input, op) {
      const results: ProgressBatchOutput['results'] = input.steps.map(() => ({}))
      const built: Array<{ index: number; record: Record<string, unknown> }> = []
      input.steps.forEach((step, index) => {
        try {
          built.push({ index, record: buildProgressRecord(step, tables) })
        } catch (err) {
          if (!isUpstreamError(err)) throw err
          results[index]!.failure = failureOf(err)
        }
      })
      if (built.length === 0) return { results }
      try {
        await call('updateProgress', { data: built.map((b) => b.record) }, op, false, nothing)
        return { results }
      } catch (err) {
        if (built.length === 1 || !isUpstreamError(err) || err.kind !== 'rejected') {
          if (built.length === 1 && isUpstreamError(err) && err.kind === 'rejected') results[built[0]!.index]!.failure = failureOf(err)
          else throw err
          return { results }
        }
        op.log.info({ steps: built.length, upstreamCode: err.upstreamCode }, 'national portal refused a progress batch as a whole; sending its steps one by one')
      }
      for (const b of built) {
        if (op.signal.aborted) throw new UpstreamError('aborted', 'The progress batch was aborted.')
        await call('updateProgress', { data: [b.record] }, op, false, nothing).catch((err: unknown) => {
          if (!isUpstreamError(err)) throw err
          results[b.index]!.failure = failureOf(err)
        })
      }
      return { results }
    },
  }

  const getDossier: OperationDef<typeof GetDossierInput, typeof GetDossierOutput> = {
    contract: DossierStateGet,
    description: 'The national portal\'s current status and dates of a dossier; null when it holds no dossier with this code.',
    input: GetDossierInput,
    output: GetDossierOutput,
    timeoutMs: config.timeoutMs.getDossier,
    idempotent: true,
    run: (input, op) => call('getDossier', getDossierParams(input.code), op, true, (data) => parseDossierState(data, input.code, tables)),
  }

  const getProcedure: OperationDef<typeof GetProcedureInput, typeof GetProcedureOutput> = {
    contract: ProcedureGet,
    description: 'One administrative procedure from the national catalogue; null when the catalogue has no procedure with this code.',
    input: GetProcedureInput,
    output: GetProcedureOutput,
    timeoutMs: config.timeoutMs.getProcedure,
    idempotent: true,
    run: (input, op) => call('getProcedure', getProcedureParams(input.code), op, true, (data) => parseProcedure(data, input.code, tables)),
  }

  const listProcedures: OperationDef<typeof ListProceduresInput, typeof ListProceduresOutput> = {
    contract: ProceduresList,
    description: 'Codes and names of the catalogue\'s procedures, optionally only those an agency performs.',
    input: ListProceduresInput,
    output: ListProceduresOutput,
    timeoutMs: config.timeoutMs.listProcedures,
    idempotent: true,
    run: (input, op) => call('listProcedures', listProceduresParams(input.agencyCode), op, true, (data) => ({ procedures: parseProcedureList(data) })),
  }

  const listAgencies: OperationDef<typeof ListAgenciesInput, typeof ListAgenciesOutput> = {
    contract: PortalAgenciesList,
    description: 'The agencies the national portal knows, with their parent agency.',
    input: ListAgenciesInput,
    output: ListAgenciesOutput,
    timeoutMs: config.timeoutMs.listAgencies,
    idempotent: true,
    run: (_input, op) => call('listAgencies', {}, op, true, (data) => ({ agencies: parseAgencyList(data) })),
  }

  /**
   * A fresh login (not the cached session: it proves the credentials and dstcode now) and the
   * agency list under it (proves the unit code and the catalogue endpoint).
   */
  async function probe(signal: AbortSignal) {
    const session = await login(signal)
    await post(config.catalogPath, buildCallBody(session, config.agencyCode, 'listAgencies', {}), true, signal, reader('listAgencies', parseAgencyList))
  }

  return {
    operations: { syncDossier, syncDossiers, updateProgress, updateProgressBatch, getDossier, getProcedure, listProcedures, listAgencies, ...inboundOperations(config),
      ...interlinkedOperations(config, extraClient), ...paymentOperations(config, extraClient) },
    probe,
  }
}

export default defineConnector({
  id: 'national-portal',
  configSchema: NationalPortalConfigSchema,
  create,
  simulator: {
    start: startNationalPortalSimulator,
    sandboxConfig: (sim) => ({
      baseUrl: sim.url,
      username: SANDBOX_CREDENTIALS.username,
      password: SANDBOX_CREDENTIALS.password,
      dstcode: SANDBOX_DSTCODE,
      agencyCode: SANDBOX_AGENCY_CODE,
      interlinked: { baseUrl: sim.url, ...SANDBOX_INTERLINKED },
      payment: { baseUrl: sim.url, ...SANDBOX_PAYMENT },
    }),
  },
})
