/**
 * Child entry: the population or the national-portal simulator on a free loopback port, as the
 * sandbox runs it (population: xroad-basic auth on every request; portal: login, session and
 * dstcode checked). The benchmark sets each one's answer latency through `POST /__sim/faults`
 * (`{latencyMs}`, applied to every request until changed) and reads `/__sim/stats`.
 */
import { startPopulationSimulator } from '../../connectors/population/simulator.js'
import { startNationalPortalSimulator } from '../../connectors/national-portal/simulator.js'
import { childMain } from './child.js'

export interface PrefillSimulatorParams {
  kind: 'population' | 'national-portal'
  latencyMs: number
}

childMain<PrefillSimulatorParams>('simulator', async ({ kind, latencyMs }) => {
  const faults = { latencyMs }
  const sim = kind === 'population' ? await startPopulationSimulator({ port: 0, faults }) : await startNationalPortalSimulator({ port: 0, faults })
  return { url: sim.url, close: () => sim.close() }
})
