/**
 * OpenAPI 3.1 generated from the route schemas, served at /openapi.json, and the console at /docs
 * where a bearer key can be entered (and kept across reloads) and calls tried.
 */
import fp from 'fastify-plugin'
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { documentRoute } from './openapi-document.js'

export default fp(async function openapiPlugin(app, opts: { version: string }) {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'LGSP connector hub',
        version: opts.version,
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
        description:
          'One API between the provincial one-stop software and the national systems. Errors are application/problem+json with a stable `code`; every response carries `x-request-id`. Routes that touch personal data require `X-Officer-Id` and `X-Purpose` and are audited.',
      },
      // Relative: the console and generated clients call the hub that served the document.
      servers: [{ url: '/', description: 'This hub (the address the document was fetched from)' }],
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'API key issued by the hub operator' } } },
      tags: [
        { name: 'citizens', description: 'National population database' },
        { name: 'dossiers', description: 'Dossier status and results, synced to the national portal through durable queues' },
        { name: 'procedures', description: 'National procedure catalogue (cached)' },
        { name: 'enterprises', description: 'National business registration database' },
        { name: 'documents', description: 'Digitized papers and results the state already holds' },
        { name: 'webhooks', description: 'Signed pushes from the national portal' },
        { name: 'events', description: 'Inbound events for one-stop systems that pull' },
        { name: 'edocs', description: 'Official documents over the national document exchange axis (edXML), with processing statuses' },
        { name: 'admin', description: 'Operators: connectors, queues, dead letters, audit search' },
        { name: 'payments', description: 'Fees paid through the national portal\'s payment platform' },
        { name: 'inbound', description: 'Pushes the national portal forwards in its own field names' },
        { name: 'sandbox', description: 'Only in the sandbox: the sample subscriber\'s received webhooks' },
        { name: 'console', description: 'The operators\' web console at /console/: its session' },
        { name: 'operations', description: 'Health and readiness' },
      ],
    },
    transform: function documentRouteSchema({ schema, url, route }) {
      if (!schema) return { schema, url }
      return { schema: documentRoute(schema as Record<string, unknown>, url, route.config?.scope) as typeof schema, url }
    },
  })
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: { persistAuthorization: true, deepLinking: true, tryItOutEnabled: true },
  })
  app.get('/openapi.json', { schema: { hide: true } }, async function openapiDocument() {
    return app.swagger()
  })
}, { name: 'openapi' })
