/**
 * Conformance of the national-portal connector (JSON session API) against its simulator. The
 * sample call syncs a sandbox dossier; the refused call names a procedure the catalogue lacks.
 */
import { pino } from 'pino'
import nationalPortal from './index.js'
import {
  SANDBOX_AGENCY_CODE, SANDBOX_CREDENTIALS, SANDBOX_DSTCODE, SANDBOX_PROCEDURES, startNationalPortalSimulator,
} from './simulator.js'
import { snapshot } from '../../test/helpers/dossier.js'
import { conformanceSimulator, type ConformanceTarget } from '../../test/conformance/harness.js'

const silent = pino({ level: 'silent' })
const dossier = { code: 'HS-CONFORMANCE-0001', ...snapshot(1, { procedureCode: SANDBOX_PROCEDURES.birthRegistration, agencyCode: SANDBOX_AGENCY_CODE }) }

const target: ConformanceTarget = {
  id: 'national-portal',
  module: nationalPortal,
  // Logins are requests too; the harness counts calls of the operation under test.
  startSimulator: async () => conformanceSimulator(await startNationalPortalSimulator({ log: silent }), (s) => s.requests - s.logins),
  configFor: (simUrl) => ({
    baseUrl: simUrl,
    username: SANDBOX_CREDENTIALS.username,
    password: SANDBOX_CREDENTIALS.password,
    dstcode: SANDBOX_DSTCODE,
    agencyCode: SANDBOX_AGENCY_CODE,
  }),
  sampleCall: { operation: 'syncDossier', input: { dossier, isUpdate: false } },
  rejectedCall: { operation: 'syncDossier', input: { dossier: { ...dossier, procedureCode: '9.999999' }, isUpdate: false } },
}

export default target
