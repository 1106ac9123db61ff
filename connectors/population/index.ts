/**
 * Connector for the National Population Database: `lookup` and `verify` over SOAP 1.1.
 * Wire format in wire.ts, config in config.ts, the upstream's stand-in in simulator.ts.
 */
import { randomUUID } from 'node:crypto'
import type { Connector, ConnectorContext, ConnectorModule, OperationDef } from '../../src/upstream/types.js'
import type { UpstreamClient } from '../../src/upstream/client.js'
import { UpstreamError, isUpstreamError } from '../../src/upstream/errors.js'
import { createAuthStrategy } from '../../src/upstream/auth/index.js'
import { LookupInput, LookupOutput, VerifyInput, VerifyOutput } from '../../schemas/citizen.js'
import { PopulationConfigSchema, resolveConfig, type PopulationConfig } from './config.js'
import { buildLookupRequest, buildVerifyRequest, parseLookupResponse, parseVerifyResponse, type RequestHeader } from './wire.js'
import { SANDBOX_CREDENTIALS, SANDBOX_SERVICE_CODE, startPopulationSimulator } from './simulator.js'
import { clientOverrides } from '../../src/upstream/client-config.js'

export { PopulationConfigSchema, type PopulationConfig }

/** SOAP 1.1 over HTTP: the action is empty for this service (reference §1). */
const SOAP_HEADERS = { 'content-type': 'text/xml; charset=utf-8', soapaction: '""' }
/** Faults arrive as HTTP 500; the body says whether they are ours (Client) or theirs (Server). */
const acceptSoapStatus = (status: number) => status === 200 || status === 500

function create(ctx: ConnectorContext<PopulationConfig>): Connector {
  const config = resolveConfig(ctx.config)
  const client: UpstreamClient = ctx.createClient({
    baseUrl: config.baseUrl,
    auth: createAuthStrategy(config.auth, { log: ctx.log }),
    ...(config.maxResponseBytes !== undefined && { maxResponseBytes: config.maxResponseBytes }),
    ...clientOverrides(config),
  })

  const header = (requestId: string, officerId: string | undefined): RequestHeader => {
    // The upstream logs every access against an accountable officer (Decree 13/2023); never send a blank one.
    if (officerId === undefined || officerId.trim() === '') {
      throw new UpstreamError('rejected', 'The population database needs the accountable officer (X-Officer-Id) for every query.')
    }
    return { requestId, serviceCode: config.serviceCode, integrationCode: config.integrationCode, officerId }
  }

  /**
   * Posts one SOAP request and parses the reply inside the client's `inspect` hook, so a SOAP
   * `Server` fault, a crashed server's HTML 500 or a malformed document counts as a failure of
   * its kind: retried when transient and counted by the circuit breaker.
   */
  async function post<T>(xml: string, signal: AbortSignal, parse: (body: Buffer, status: number) => T): Promise<T> {
    let parsed: { value: T } | undefined
    // Lookups and verifies read only, so they are safe to repeat on a transient failure.
    await client.request({
      method: 'POST', path: config.path, headers: SOAP_HEADERS, body: xml, idempotent: true, signal, acceptStatus: acceptSoapStatus,
      inspect: (res) => {
        try {
          parsed = { value: parse(res.body, res.status) }
          return undefined
        } catch (err) {
          if (isUpstreamError(err)) return err
          throw err
        }
      },
    })
    return parsed!.value
  }

  const lookup: OperationDef<typeof LookupInput, typeof LookupOutput> = {
    description: 'Looks up one citizen by personal ID, full name and date of birth; null when the population DB holds no such citizen.',
    input: LookupInput,
    output: LookupOutput,
    timeoutMs: config.timeoutMs.lookup,
    idempotent: true,
    async run(input, op) {
      return post(buildLookupRequest(input, header(op.requestId, op.officerId)), op.signal, (body, status) =>
        parseLookupResponse(body, { status, serviceCode: config.serviceCode, personalId: input.personalId }))
    },
  }

  const verify: OperationDef<typeof VerifyInput, typeof VerifyOutput> = {
    description: 'Checks supplied data against the population DB record; lists the supplied fields that disagree (an unknown ID gives personalId).',
    input: VerifyInput,
    output: VerifyOutput,
    timeoutMs: config.timeoutMs.verify,
    idempotent: true,
    async run(input, op) {
      return post(buildVerifyRequest(input, header(op.requestId, op.officerId)), op.signal, (body, status) =>
        parseVerifyResponse(body, { status, serviceCode: config.serviceCode }))
    },
  }

  /**
   * The probe is a real lookup of an ID nobody holds: it proves the endpoint answers SOAP, accepts
   * our credentials, MaDVC and officer code — which a bare TCP or GET check would not. Any parsed
   * answer (normally "not found") is healthy.
   */
  async function health(signal: AbortSignal) {
    const started = performance.now()
    const probe = config.health
    try {
      const deadline = AbortSignal.any([signal, AbortSignal.timeout(config.timeoutMs.health)])
      const xml = buildLookupRequest(probe, header(`health-${randomUUID()}`, probe.officerId))
      await post(xml, deadline, (body, status) => parseLookupResponse(body, { status, serviceCode: config.serviceCode, personalId: probe.personalId }))
      return { ok: true, latencyMs: Math.round(performance.now() - started) }
    } catch (err) {
      const detail = isUpstreamError(err) ? `${err.kind}: ${err.message}` : signal.aborted ? 'aborted' : 'health probe failed (timeout or unexpected error)'
      return { ok: false, latencyMs: Math.round(performance.now() - started), detail }
    }
  }

  return {
    id: 'population',
    operations: { lookup, verify },
    health,
    close: () => client.close(),
  }
}

const population: ConnectorModule<typeof PopulationConfigSchema> = {
  id: 'population',
  configSchema: PopulationConfigSchema,
  create,
  async startSimulator({ port, log }) {
    const sim = await startPopulationSimulator({ ...(port !== undefined && { port }), ...(log !== undefined && { log }) })
    return {
      url: sim.url,
      close: () => sim.close(),
      config: {
        baseUrl: sim.url,
        path: '/',
        serviceCode: SANDBOX_SERVICE_CODE,
        auth: { type: 'xroad-basic', username: SANDBOX_CREDENTIALS.username, secretKey: SANDBOX_CREDENTIALS.secretKey, timestampUnit: 's' },
      },
    }
  },
}

export default population
