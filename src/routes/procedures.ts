/** GET /v1/procedures/{code}: a procedure from the national portal's catalogue, cached, served stale when the upstream is down. */
import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { Logger } from 'pino'
import { Procedure } from '../../schemas/procedure.js'
import { notFound } from '../errors.js'
import { upstreamToGateway } from '../upstream-errors.js'
import { clientGoneSignal } from '../audited-call.js'
import type { Catalogue } from '../procedures/catalogue.js'

const problem = (description: string) => ({ ...Type.Ref('Problem'), description })

const proceduresRoutes: FastifyPluginAsync<{ catalogue: Catalogue }> = async (fastify, { catalogue }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  app.get('/v1/procedures/:code', {
    config: { scope: 'authenticated' },
    schema: {
      tags: ['procedures'],
      operationId: 'getProcedure',
      summary: 'An administrative procedure from the national catalogue',
      description: 'Any authenticated client may read the catalogue. Cached; `cache.status` is `fresh` (from cache), `miss` (just fetched) or `stale` (the upstream failed and an older copy is served, with its age; also a `Warning: 110` header).',
      params: Type.Object({ code: Type.String({ minLength: 1, maxLength: 50, pattern: '^[A-Za-z0-9._-]+$' }) }),
      response: {
        200: Type.Object({
          procedure: Procedure,
          cache: Type.Object({ status: Type.Enum(['fresh', 'miss', 'stale']), ageSeconds: Type.Integer(), fetchedAt: Type.String({ format: 'date-time' }) }),
        }),
        401: problem('No or unknown API key'), 404: problem('No such procedure in the catalogue'),
        502: problem('The catalogue failed and nothing is cached'), 503: problem('Circuit open and nothing cached'), 504: problem('The catalogue did not answer in time and nothing is cached'),
      },
    },
  }, async function getProcedure(request, reply) {
    let result
    try {
      result = await catalogue.get(request.params.code, { requestId: request.id, signal: clientGoneSignal(reply.raw), log: request.log as Logger })
    } catch (err) {
      throw upstreamToGateway(err)
    }
    if (result.procedure === null) throw notFound(`The national catalogue has no procedure ${request.params.code}.`)
    reply.header('age', String(result.cache.ageSeconds))
    if (result.cache.status === 'stale') {
      reply.header('warning', '110 - "Response is Stale"')
      ;(request.log as Logger).warn({ code: request.params.code, ageSeconds: result.cache.ageSeconds }, 'catalogue upstream failed; served a stale entry')
    }
    return { procedure: result.procedure, cache: result.cache }
  })
}

export default proceduresRoutes
