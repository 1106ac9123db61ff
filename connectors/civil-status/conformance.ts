/**
 * Conformance of the civil-status connector against its simulator, through the registry, real
 * Redis and real HTTP (checks in test/conformance/harness.ts). The sample looks up the sandbox
 * birth entry; the refused call names a registering office the database does not know.
 */
import { pino } from 'pino'
import civilStatus from './index.js'
import { SANDBOX_RECORDS, UNKNOWN_OFFICE, sandboxConfig, startCivilStatusSimulator } from './simulator.js'
import { conformanceSimulator, type ConformanceTarget } from '../../test/conformance/harness.js'

const silent = pino({ level: 'silent' })

const target: ConformanceTarget = {
  id: 'civil-status',
  module: civilStatus,
  startSimulator: async () => conformanceSimulator(await startCivilStatusSimulator({ log: silent })),
  configFor: (simUrl) => sandboxConfig(simUrl),
  sampleCall: { operation: 'getRecord', input: { ...SANDBOX_RECORDS.birth }, officerId: 'CB-0042', purpose: 'HS-CONFORMANCE-0001' },
  rejectedCall: { operation: 'getRecord', input: { ...SANDBOX_RECORDS.birth, officeCode: UNKNOWN_OFFICE }, officerId: 'CB-0042', purpose: 'HS-CONFORMANCE-0001' },
}

export default target
