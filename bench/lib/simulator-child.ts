/** Child entry: the population simulator on a free loopback port, as the sandbox runs it (auth on). */
import { startPopulationSimulator } from '../../connectors/population/simulator.js'
import { childMain } from './child.js'

childMain('population simulator', async () => {
  const sim = await startPopulationSimulator({ port: 0 })
  return { url: sim.url, close: () => sim.close() }
})
