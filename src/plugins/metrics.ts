/** HTTP duration by route and status, and the Prometheus endpoint. */
import fp from 'fastify-plugin'
import type { Metrics } from '../metrics.js'

export default fp(async function metricsPlugin(app, opts: { metrics: Metrics; beforeScrape?: () => Promise<unknown> }) {
  const { metrics } = opts
  app.addHook('onResponse', async function observeDuration(request, reply) {
    const route = request.routeOptions.url ?? 'unmatched'
    metrics.httpDuration.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000)
  })
  app.get('/metrics', { schema: { hide: true } }, async function scrape(request, reply) {
    // The gauges keep their last values; the scrape still answers with the rest.
    await opts.beforeScrape?.().catch((err: unknown) => request.log.warn({ err }, 'could not refresh the queue and ledger gauges before a scrape'))
    reply.type(metrics.registry.contentType)
    return metrics.registry.metrics()
  })
}, { name: 'metrics' })
