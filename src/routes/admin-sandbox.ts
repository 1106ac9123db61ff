/**
 * GET /admin/sandbox/subscriber/deliveries (scope `admin`, sandbox only): what the sample
 * subscriber received — ids, types, routing keys and its answers, no payloads — for operators and
 * the console to watch webhook routing, retries and the 410 → enable flow (src/sim/sample-subscriber.ts).
 */
import type { FastifyPluginAsync } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { SampleSubscriber } from '../sim/sample-subscriber.js'

const problem = (description: string) => ({ ...Type.Ref('Problem'), description })
const Nullable = (description?: string) => Type.Union([Type.String(), Type.Null()], description ? { description } : {})

const SampleDelivery = Type.Object({
  webhookId: Nullable('`webhook-id` of the delivery (the event id)'), type: Nullable(), agencyCode: Nullable(), dossierCode: Nullable(),
  edocId: Nullable('For edoc.* events: the hub\'s id of the document'),
  receivedAt: Type.String({ format: 'date-time' }),
  answered: Type.Integer({ description: 'What the sample subscriber answered: 204, the status it was told to answer, or 401 for a bad signature' }),
  signature: Type.Enum(['valid', 'invalid']),
})

const adminSandboxRoutes: FastifyPluginAsync<{ sampleSubscriber: SampleSubscriber }> = async (fastify, { sampleSubscriber }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  app.get('/admin/sandbox/subscriber/deliveries', {
    config: { scope: 'admin' },
    schema: {
      tags: ['sandbox'],
      operationId: 'listSampleSubscriberDeliveries',
      summary: 'Webhooks the sandbox\'s sample subscriber received, newest first',
      description: 'Only in the sandbox. Make it answer something else with `POST <its url>/__sim/mode {"answer": 410, "times": 1}` (the URL is in `subscriber.controlUrl`).',
      querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })) }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          subscriber: Type.Object({
            name: Type.String(), url: Type.String({ description: 'Where the hub delivers' }), controlUrl: Type.String({ description: 'POST `{"answer": <status>, "times"?: n}` here' }),
            answer: Type.Integer({ description: 'What the next deliveries are answered' }), remaining: Type.Union([Type.Integer(), Type.Null()], { description: 'For how many more; null = until told otherwise' }),
          }),
          deliveries: Type.Array(SampleDelivery),
        }),
        401: problem('No or unknown API key'), 403: problem('The client lacks the admin scope'),
      },
    },
  }, async function listSampleSubscriberDeliveries(request) {
    const { status, remaining } = sampleSubscriber.answer()
    return {
      subscriber: { name: sampleSubscriber.name, url: sampleSubscriber.url, controlUrl: `${sampleSubscriber.baseUrl}/__sim/mode`, answer: status, remaining },
      deliveries: sampleSubscriber.deliveries(request.query.limit ?? 50),
    }
  })
}

export default adminSandboxRoutes
