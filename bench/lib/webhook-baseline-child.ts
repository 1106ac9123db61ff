/**
 * Child entry: the baseline for POST /v1/webhooks/national-portal. A bare Fastify app with the
 * same raw-body JSON parser as the hub's route (the body kept as bytes, limit 256 KiB) whose
 * route only runs `verifyWebhook` (same secret, 300 s tolerance) and answers 202 `{id}`, or 401.
 * No envelope or schema check, no dedupe, no inbox commit, no metrics: the floor of receiving a
 * signed webhook in Node.
 */
import Fastify from 'fastify'
import { verifyWebhook } from '../../src/webhooks/signature.js'
import { childMain } from './child.js'

export interface WebhookBaselineParams {
  secrets: string[]
}

childMain<WebhookBaselineParams>('webhook baseline', async ({ secrets }) => {
  const app = Fastify({ logger: false })
  const bodyLimit = 262_144
  app.addContentTypeParser(['application/json', 'application/*+json'], { parseAs: 'buffer', bodyLimit }, (_req, body, done) => done(null, body))
  app.post('/v1/webhooks/national-portal', { bodyLimit }, async function verifyOnly(request, reply) {
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.from('')
    const verified = verifyWebhook({ headers: request.headers, rawBody: raw, secrets, toleranceS: 300 })
    if (!verified.ok) return reply.code(401).send({ error: verified.reason })
    reply.code(202)
    return { id: verified.id }
  })
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  return { url, close: () => app.close() }
})
