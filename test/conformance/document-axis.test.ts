/**
 * Conformance of the document-axis connector (VXP-style signed HTTP + edXML) against its
 * simulator. The sample call lists the agencies on the axis; the refused call sends a package
 * the axis cannot read (a FAIL with a non-transient ErrorCode → `rejected`).
 */
import t from 'tap'
import { pino } from 'pino'
import documentAxis from '../../connectors/document-axis/index.js'
import { SANDBOX_AXIS, startDocumentAxisSimulator } from '../../connectors/document-axis/simulator.js'
import { conformanceSimulator, runConformance } from './harness.js'

const silent = pino({ level: 'silent' })
const own = SANDBOX_AXIS.province

runConformance(t, {
  id: 'document-axis',
  module: documentAxis,
  startSimulator: async () => conformanceSimulator(await startDocumentAxisSimulator({ log: silent, autoReply: false })),
  configFor: (simUrl) => ({ baseUrl: simUrl, systemId: own.systemId, secret: own.secret, organId: own.organId, organName: own.name }),
  sampleCall: { operation: 'listAgencies', input: {} },
  rejectedCall: { operation: 'send', input: { messageType: 'edoc', package: Buffer.from('<not-edxml/>') } },
})
