/**
 * Conformance of the population connector (SOAP lookup/verify) against its simulator, through
 * the registry, real Redis and real HTTP. The checks live in test/conformance/harness.ts;
 * test/conformance/connectors.test.ts finds this file.
 */
import { pino } from 'pino'
import population from './index.js'
import { BLOCKED_OFFICER_PREFIX, sandboxConfig, startPopulationSimulator } from './simulator.js'
import { conformanceSimulator, type ConformanceTarget } from '../../test/conformance/harness.js'

const silent = pino({ level: 'silent' })
/** A demo citizen the simulator holds (connectors/population/README.md). */
const AN = { personalId: '062090001234', fullName: 'Nguyễn Văn An', dateOfBirth: '1990-05-15' }

const target: ConformanceTarget = {
  id: 'population',
  module: population,
  startSimulator: async () => conformanceSimulator(await startPopulationSimulator({ log: silent })),
  configFor: (simUrl) => sandboxConfig(simUrl),
  sampleCall: { operation: 'lookup', input: AN, officerId: 'CB-0042', purpose: 'HS-CONFORMANCE-0001' },
  rejectedCall: { operation: 'verify', input: AN, officerId: `${BLOCKED_OFFICER_PREFIX}0001`, purpose: 'HS-CONFORMANCE-0001' },
}

export default target
