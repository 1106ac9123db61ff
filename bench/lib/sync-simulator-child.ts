/**
 * Child entry: the national-portal simulator on a free loopback port, as the sandbox runs it
 * (login, sessions, dstcode and dossier validation on). It keeps every version it accepts with
 * its arrival time; the benchmark reads them through `GET /__sim/dossiers/:code` and switches the
 * outage on and off through `POST/DELETE /__sim/faults`.
 */
import { startNationalPortalSimulator } from '../../connectors/national-portal/simulator.js'
import { childMain } from './child.js'

childMain('national-portal simulator', async () => {
  const sim = await startNationalPortalSimulator({ port: 0, maxStoredDossiers: 1_000_000 })
  return { url: sim.url, close: () => sim.close() }
})
