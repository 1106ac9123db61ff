/**
 * Conformance of the population connector (SOAP lookup/verify) against its simulator, through
 * the registry, real Redis and real HTTP. The checks themselves live in harness.ts.
 */
import t from 'tap'
import { pino } from 'pino'
import population from '../../connectors/population/index.js'
import { BLOCKED_OFFICER_PREFIX, sandboxConfig, startPopulationSimulator } from '../../connectors/population/simulator.js'
import { conformanceSimulator, runConformance } from './harness.js'

const silent = pino({ level: 'silent' })
/** A demo citizen the simulator holds (connectors/population/README.md). */
const AN = { personalId: '062090001234', fullName: 'Nguyễn Văn An', dateOfBirth: '1990-05-15' }

runConformance(t, {
  id: 'population',
  module: population,
  startSimulator: async () => conformanceSimulator(await startPopulationSimulator({ log: silent })),
  configFor: (simUrl) => sandboxConfig(simUrl),
  sampleCall: { operation: 'lookup', input: AN, officerId: 'CB-0042', purpose: 'HS-CONFORMANCE-0001' },
  rejectedCall: { operation: 'verify', input: AN, officerId: `${BLOCKED_OFFICER_PREFIX}0001`, purpose: 'HS-CONFORMANCE-0001' },
})
