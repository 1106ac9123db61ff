/**
 * Conformance of the business-registry connector (REST/JSON + OAuth2) against its simulator.
 * The sample call looks up a sandbox enterprise; the refused call carries a code whose check
 * digit is wrong (refused by the connector before any upstream call).
 */
import { pino } from 'pino'
import businessRegistry from './index.js'
import { DEFAULT_TOKEN_PATH, SANDBOX_CREDENTIALS, SANDBOX_ENTERPRISES, startBusinessRegistrySimulator } from './simulator.js'
import { conformanceSimulator, type ConformanceTarget } from '../../test/conformance/harness.js'

const silent = pino({ level: 'silent' })

const target: ConformanceTarget = {
  id: 'business-registry',
  module: businessRegistry,
  // `requests` counts lookups only: token requests are extra requests the harness does not expect.
  startSimulator: async () => conformanceSimulator(await startBusinessRegistrySimulator({ log: silent })),
  configFor: (simUrl) => ({
    baseUrl: simUrl,
    auth: { type: 'oauth2', tokenUrl: `${simUrl}${DEFAULT_TOKEN_PATH}`, clientId: SANDBOX_CREDENTIALS.consumerKey, clientSecret: SANDBOX_CREDENTIALS.consumerSecret },
  }),
  sampleCall: { operation: 'getEnterprise', input: { code: SANDBOX_ENTERPRISES.jointStock } },
  rejectedCall: { operation: 'getEnterprise', input: { code: SANDBOX_ENTERPRISES.badCheckDigit } },
}

export default target
