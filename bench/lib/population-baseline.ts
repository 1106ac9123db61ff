/**
 * What the baselines do for one population lookup, with the connector's own wire modules and the
 * sandbox's LGSP token scheme (the hub's sandbox path): the same request, headers and reply
 * parsing as the hub, without its gateway machinery. Officer CB-0001 with its own account.
 */
import { randomUUID } from 'node:crypto'
import type { LookupInput } from '../../schemas/citizen.js'
import { buildLookupRequest } from '../../connectors/population/wire.js'
import { parseLookupResponse } from '../../connectors/population/wire-reply.js'
import { SANDBOX_OFFICERS, SANDBOX_SERVICE_CODE, sandboxConfig } from '../../connectors/population/simulator.js'
import { createAuthStrategy, lgspAuthHash, type AuthConfig } from '../../src/upstream/auth/index.js'

const SOAP_HEADERS = { 'content-type': 'application/xml; charset=utf-8', soapaction: '""' }
const OFFICER = SANDBOX_OFFICERS['CB-0001']!

export function populationBaseline(simulatorUrl: string) {
  const target = new URL('/', simulatorUrl)
  const auth = createAuthStrategy(sandboxConfig(simulatorUrl)['auth'] as AuthConfig)
  const never = new AbortController().signal
  const authHash = lgspAuthHash(OFFICER.keyName, OFFICER.keyPassword)
  return {
    target,
    request: async (input: LookupInput) => ({
      method: 'POST' as const,
      path: target.pathname,
      headers: { ...SOAP_HEADERS, ...(await auth.headers(target, never)), AuthHash: authHash },
      body: buildLookupRequest(input, { requestId: randomUUID(), serviceCode: SANDBOX_SERVICE_CODE, officerCode: OFFICER.code }),
    }),
    parse: (body: Buffer, status: number, personalId: string) => parseLookupResponse(body, { status, personalId }),
  }
}
