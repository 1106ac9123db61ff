/**
 * Connector for the National Population Database: `lookup` (MaTichHop 037) and `verify` (003)
 * over SOAP 1.1, directly (X-Road style auth) or through a provincial LGSP (token scheme), chosen
 * by `auth.type`. Requests in wire.ts, replies in wire-reply.ts, config in config.ts, the
 * upstream's stand-in in simulator.ts.
 */
import type { Connector, ConnectorContext, OperationContext } from '../../src/upstream/types.js'
import { implement } from '../../src/upstream/contract.js'
import { defineConnector } from '../../src/upstream/connector-kit.js'
import { CitizenLookup, CitizenVerify } from '../../src/contracts/identity.js'
import type { UpstreamClient } from '../../src/upstream/client.js'
import { UpstreamError, isUpstreamError } from '../../src/upstream/errors.js'
import { createAuthStrategy, lgspAuthHash } from '../../src/upstream/auth/index.js'
import { VERIFIED_FIELDS, type LookupInput } from '../../schemas/citizen.js'
import { PopulationConfigSchema, resolveConfig, type PopulationConfig } from './config.js'
import { buildRequest, type OperationKey, type RequestHeader } from './wire.js'
import { parseLookupResponse, parseVerifyResponse } from './wire-reply.js'
import { sandboxConfig, startPopulationSimulator } from './simulator.js'
import { clientOverrides } from '../../src/upstream/client-config.js'

export { PopulationConfigSchema, type PopulationConfig }

/** Raw SOAP 1.1 as peers post it: `application/xml` (C6, PH, OC) and an empty SOAPAction. */
const SOAP_HEADERS = { 'content-type': 'application/xml; charset=utf-8', soapaction: '""' }
/** Faults arrive as HTTP 500; the body says whether they are ours (Client) or theirs (Server). */
const acceptSoapStatus = (status: number) => status === 200 || status === 500
const VERIFY_DETAIL = 'The population database answers yes or no for the three fields together; it does not say which one differs.'

function create(ctx: ConnectorContext<PopulationConfig>): Connector {
  const config = resolveConfig(ctx.config)
  const auth = createAuthStrategy(config.auth, { log: ctx.log })
  const client: UpstreamClient = ctx.createClient({
    baseUrl: config.baseUrl,
    auth,
    ...(config.maxResponseBytes !== undefined && { maxResponseBytes: config.maxResponseBytes }),
    ...clientOverrides(config),
  })
  const refuse = (message: string) => new UpstreamError('rejected', message)

  /** MaDVC for the procedure the call serves: the licensed code from serviceCodes, else per unmappedProcedure. */
  function serviceCodeFor(procedureCode: string | undefined): string {
    if (procedureCode === undefined) return config.serviceCode
    const mapped = config.serviceCodes[procedureCode]
    if (mapped !== undefined) return mapped
    if (config.unmappedProcedure === 'procedure-code') return procedureCode
    if (config.unmappedProcedure === 'refuse') {
      throw refuse('The procedure has no service code (MaDVC) licensed for the population database; add it to connectors.population.serviceCodes. Nothing was sent.')
    }
    return config.serviceCode
  }

  /** MaCanBo and, on the LGSP path, the officer's own AuthHash; the population DB logs every access against them. */
  function officer(officerId: string | undefined): { code: string; headers: Record<string, string> } {
    if (officerId === undefined || officerId.trim() === '') {
      throw refuse('The population database needs the accountable officer (X-Officer-Id) for every query.')
    }
    const account = config.officers.accounts[officerId]
    if (account === undefined && config.officers.unmapped === 'refuse') {
      throw refuse('The officer (X-Officer-Id) has no account registered with the population database in connectors.population.officers.accounts. Nothing was sent.')
    }
    const key = account?.keyName !== undefined && account.keyPassword !== undefined ? { keyName: account.keyName, keyPassword: account.keyPassword } : config.officers.unitAccount
    // On the LGSP path the call names a population-DB account in AuthHash (reference §1, OC). Sent
    // without one it comes back 401 (as from the simulator), which costs a new token and reads as bad LGSP keys.
    if (key === undefined && config.auth.type === 'lgsp-token') {
      throw refuse('On the LGSP path every call needs a population-DB account (AuthHash): give the officer keyName and keyPassword in connectors.population.officers.accounts, or set officers.unitAccount. Nothing was sent.')
    }
    const headers: Record<string, string> = key !== undefined ? { AuthHash: lgspAuthHash(key.keyName, key.keyPassword) } : {}
    return { code: account?.code ?? officerId, headers }
  }

  /**
   * Posts one SOAP request and parses the reply inside the client's `inspect` hook, so a SOAP
   * `Server` fault, a crashed server's HTML 500 or a malformed document counts as a failure of
   * its kind: retried when transient and counted by the circuit breaker.
   */
  async function call<T>(op: OperationKey, input: LookupInput, ctxOp: OperationContext, parse: (body: Buffer, status: number) => T): Promise<T> {
    // The purpose is the procedure unless the caller names one (pre-fill does).
    const procedureCode = input.procedureCode ?? (config.serviceCodes[ctxOp.purpose ?? ''] !== undefined ? ctxOp.purpose : undefined)
    const who = officer(ctxOp.officerId)
    const header: RequestHeader = {
      requestId: ctxOp.requestId,
      serviceCode: serviceCodeFor(procedureCode),
      officerCode: who.code,
      ...(config.agencyCode !== undefined && { agencyCode: config.agencyCode }),
    }
    const xml = buildRequest(op, input, header, config.wire)
    let parsed: { value: T } | undefined
    // Lookups and verifies read only, so they are safe to repeat on a transient failure.
    await client.request({
      method: 'POST', path: config.path, headers: { ...SOAP_HEADERS, ...who.headers }, body: xml, idempotent: true, signal: ctxOp.signal, acceptStatus: acceptSoapStatus,
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

  const lookup = implement(CitizenLookup, {
    timeoutMs: config.timeoutMs.lookup,
    idempotent: true,
    run: (input, op) => call('lookup', input, op, (body, status) => parseLookupResponse(body, { status, personalId: input.personalId })),
  })

  const verify = implement(CitizenVerify, {
    timeoutMs: config.timeoutMs.verify,
    idempotent: true,
    run: async (input, op) => ({
      match: await call('verify', input, op, (body, status) => parseVerifyResponse(body, { status })),
      checked: [...VERIFIED_FIELDS],
      detail: VERIFY_DETAIL,
    }),
  })

  /**
   * Touches no personal data: fresh credentials from the token endpoint (token schemes), then a
   * GET of the endpoint (`?wsdl`). Any answer below 500 other than 401/403 proves the service is
   * reachable and takes our credentials.
   */
  async function probe(signal: AbortSignal) {
    if (config.auth.type === 'lgsp-token' || config.auth.type === 'oauth2') {
      await createAuthStrategy(config.auth, { log: ctx.log }).headers(new URL(config.baseUrl), signal)
    }
    let status = 0
    await client.request({
      method: 'GET', path: config.healthPath, idempotent: true, signal, acceptStatus: (s) => s < 500,
      inspect: (res) => {
        status = res.status
        return undefined
      },
    })
    if (status === 401 || status === 403) return { ok: false as const, detail: `unauthorized: the endpoint refused our credentials (HTTP ${status})` }
  }

  return { operations: { lookup, verify }, probe }
}

export default defineConnector({
  id: 'population',
  configSchema: PopulationConfigSchema,
  create,
  simulator: { start: startPopulationSimulator, sandboxConfig: (sim) => sandboxConfig(sim.url) },
})
