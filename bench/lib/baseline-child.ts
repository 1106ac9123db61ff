/**
 * Child entry: the baseline for POST /v1/citizens/lookup. A bare Fastify route that builds the
 * SOAP request with the connector's wire.ts, authenticates with the same LGSP token scheme, posts
 * it through an undici Pool (10 sockets, the hub connector's default) and parses the reply with
 * wire-reply.ts (population-baseline.ts). No auth, rate limit, schema validation, audit, metrics, retries or circuit breaker:
 * the floor any gateway doing this SOAP round trip in Node pays.
 */
import Fastify from 'fastify'
import { Pool } from 'undici'
import type { LookupInput } from '../../schemas/citizen.js'
import { populationBaseline } from './population-baseline.js'
import { projectCitizen } from '../../schemas/citizen.js'
import { childMain } from './child.js'

childMain<{ simulatorUrl: string }>('baseline', async ({ simulatorUrl }) => {
  const population = populationBaseline(simulatorUrl)
  const pool = new Pool(population.target.origin, { connections: 10 })
  const app = Fastify({ logger: false })

  app.post('/v1/citizens/lookup', async function lookupCitizen(request, reply) {
    const input = request.body as LookupInput
    const res = await pool.request(await population.request(input))
    const body = Buffer.from(await res.body.arrayBuffer())
    const found = population.parse(body, res.statusCode, input.personalId)
    // Identity fields only, as the hub answers a lookup without `include`.
    const citizen = found && projectCitizen(found, [])
    if (!citizen) return reply.code(404).send({ error: 'not found' })
    return { citizen }
  })

  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  return {
    url,
    close: async () => {
      await app.close()
      await pool.close()
    },
  }
})
