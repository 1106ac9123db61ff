/**
 * Conformance of the population connector (SOAP lookup/verify) against its simulator, through
 * the registry, real Redis and real HTTP. The checks themselves live in harness.ts.
 */
import t from 'tap'
import { pino } from 'pino'
import population from '../../connectors/population/index.js'
import {
  BLOCKED_OFFICER_PREFIX, SANDBOX_CREDENTIALS, SANDBOX_SERVICE_CODE, startPopulationSimulator,
} from '../../connectors/population/simulator.js'
import { conformanceSimulator, runConformance } from './harness.js'

const silent = pino({ level: 'silent' })
/** A demo citizen the simulator holds (connectors/population/README.md). */
const AN = { personalId: '062090001234', fullName: 'Nguyễn Văn An', dateOfBirth: '1990-05-15' }

runConformance(t, {
  id: 'population',
  module: population,
  startSimulator: async () => conformanceSimulator(await startPopulationSimulator({ log: silent })),
  configFor: (simUrl) => ({
    baseUrl: simUrl,
    path: '/',
    serviceCode: SANDBOX_SERVICE_CODE,
    auth: { type: 'xroad-basic', username: SANDBOX_CREDENTIALS.username, secretKey: SANDBOX_CREDENTIALS.secretKey, timestampUnit: 's' },
  }),
  sampleCall: { operation: 'lookup', input: AN, officerId: 'CB-0042', purpose: 'HS-CONFORMANCE-0001' },
  rejectedCall: { operation: 'verify', input: { ...AN, gender: 'male' }, officerId: `${BLOCKED_OFFICER_PREFIX}0001`, purpose: 'HS-CONFORMANCE-0001' },
})
