/**
 * Child entry: the baseline for POST /v1/citizens/lookup. A bare Fastify route that builds the
 * SOAP request with the connector's wire.ts, signs it with the same xroad-basic strategy, posts it
 * through an undici Pool (10 sockets, the hub connector's default) and parses the reply with
 * wire.ts. No auth, rate limit, schema validation, audit, metrics, retries or circuit breaker:
 * the floor any gateway doing this SOAP round trip in Node pays.
 */
import { randomUUID } from 'node:crypto'
import Fastify from 'fastify'
import { Pool } from 'undici'
import type { LookupInput } from '../../schemas/citizen.js'
import { buildLookupRequest, DEFAULT_INTEGRATION_CODE, parseLookupResponse } from '../../connectors/population/wire.js'
import { SANDBOX_CREDENTIALS, SANDBOX_SERVICE_CODE } from '../../connectors/population/simulator.js'
import { createXRoadBasic } from '../../src/upstream/auth/index.js'
import { childMain } from './child.js'

const SOAP_HEADERS = { 'content-type': 'text/xml; charset=utf-8', soapaction: '""' }

childMain<{ simulatorUrl: string }>('baseline', async ({ simulatorUrl }) => {
  const target = new URL('/', simulatorUrl)
  const pool = new Pool(target.origin, { connections: 10 })
  const auth = createXRoadBasic({ username: SANDBOX_CREDENTIALS.username, secretKey: SANDBOX_CREDENTIALS.secretKey, timestampUnit: 's' })
  const never = new AbortController().signal
  const app = Fastify({ logger: false })

  app.post('/v1/citizens/lookup', async function lookupCitizen(request, reply) {
    const input = request.body as LookupInput
    const officerId = request.headers['x-officer-id']
    const xml = buildLookupRequest(input, {
      requestId: randomUUID(),
      serviceCode: SANDBOX_SERVICE_CODE,
      integrationCode: DEFAULT_INTEGRATION_CODE,
      officerId: typeof officerId === 'string' ? officerId : 'CB-0001',
    })
    const res = await pool.request({
      method: 'POST',
      path: target.pathname,
      headers: { ...SOAP_HEADERS, ...(await auth.headers(target, never)) },
      body: xml,
    })
    const body = Buffer.from(await res.body.arrayBuffer())
    const citizen = parseLookupResponse(body, { status: res.statusCode, serviceCode: SANDBOX_SERVICE_CODE, personalId: input.personalId })
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
