/**
 * Conformance of the document-axis connector (VXP-style signed HTTP + edXML) against its
 * simulator. The sample call lists the agencies on the axis; the refused call sends a package
 * the axis cannot read (a FAIL with a non-transient ErrorCode → `rejected`).
 */
import { pino } from 'pino'
import documentAxis from './index.js'
import { SANDBOX_AXIS, startDocumentAxisSimulator } from './simulator.js'
import { conformanceSimulator, type ConformanceTarget } from '../../test/conformance/harness.js'

const silent = pino({ level: 'silent' })
const own = SANDBOX_AXIS.province

const target: ConformanceTarget = {
  id: 'document-axis',
  module: documentAxis,
  startSimulator: async () => conformanceSimulator(await startDocumentAxisSimulator({ log: silent, autoReply: false })),
  configFor: (simUrl) => ({ baseUrl: simUrl, systemId: own.systemId, secret: own.secret, organId: own.organId, organName: own.name }),
  sampleCall: { operation: 'listAgencies', input: {} },
  rejectedCall: { operation: 'send', input: { messageType: 'edoc', package: Buffer.from('<not-edxml/>') } },
}

export default target
