/** GET /admin/agency-mapping: the old → new agency codes the hub applies (src/agency-mapping.ts). */
import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { AgencyMappingFile, type AgencyMapping } from '../agency-mapping.js'

const adminAgenciesRoutes: FastifyPluginAsync<{ agencies: AgencyMapping }> = async (fastify, deps) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  app.get('/admin/agency-mapping', {
    config: { scope: 'admin' },
    schema: {
      tags: ['admin'],
      operationId: 'getAgencyMapping',
      summary: 'The agency code mapping in force (after the 2025 merger), with its version',
      description: 'Dossiers and events sent with an old code are routed by the new one; listings show both. Client and subscriber agency patterns naming old codes also match the new ones.',
      response: { 200: AgencyMappingFile, 401: { ...Type.Ref('Problem'), description: 'No or unknown API key' }, 403: { ...Type.Ref('Problem'), description: 'Missing admin scope' } },
    },
  }, async () => deps.agencies.view())
}

export default adminAgenciesRoutes
