/**
 * Builds the Fastify instance (no listen): plugins in order — problem+json errors, request ids,
 * auth, rate limits, metrics, OpenAPI — then the routes. `server.ts` starts it; tests inject.
 */
import { randomUUID } from 'node:crypto'
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import type { Logger } from 'pino'
import type { RedisClient } from './redis.js'
import type { HubConfig } from '../schemas/config.js'
import { Problem, formatsPlugin } from '../schemas/api/common.js'
import type { Db } from './db/types.js'
import type { AuditLog } from './audit/types.js'
import type { ConnectorRegistry } from './upstream/registry.js'
import type { Metrics } from './metrics.js'
import problemPlugin from './plugins/problem.js'
import inputGuardPlugin from './plugins/input-guard.js'
import authPlugin from './plugins/auth.js'
import { createAuthFailureLimiter } from './plugins/auth-failures.js'
import rateLimitPlugin from './plugins/rate-limit.js'
import metricsPlugin from './plugins/metrics.js'
import openapiPlugin from './plugins/openapi.js'
import healthRoutes from './routes/health.js'
import citizensRoutes from './routes/citizens.js'
import dossiersRoutes from './routes/dossiers.js'
import adminRoutes from './routes/admin.js'
import adminAgenciesRoutes from './routes/admin-agencies.js'
import portalInboundRoutes from './routes/portal-inbound.js'
import type { PortalInbound } from './portal-inbound/index.js'
import type { PortalFiles } from './portal-inbound/files.js'
import paymentsRoutes from './routes/payments.js'
import type { PaymentService } from './payments/index.js'
import { NO_AGENCY_MAPPING, type AgencyMapping } from './agency-mapping.js'
import proceduresRoutes from './routes/procedures.js'
import type { SyncService } from './sync/index.js'
import type { Catalogue } from './procedures/catalogue.js'
import type { DocumentStore } from './documents/store.js'
import documentsRoutes from './routes/documents.js'
import prefillRoutes from './routes/prefill.js'
import enterprisesRoutes from './routes/enterprises.js'
import webhooksRoutes from './routes/webhooks.js'
import { parseSecret } from './webhooks/signature.js'
import eventsRoutes from './routes/events.js'
import type { InboxService } from './inbox/index.js'
import type { EdocService } from './edocs/index.js'
import edocsRoutes from './routes/edocs.js'
import indicatorsRoutes from './routes/indicators.js'
import type { IndicatorService } from './indicators/index.js'
import adminEdocsRoutes from './routes/admin-edocs.js'
import declaredRoutes from './routes/declared.js'
import { ForwardedPushRead, PaymentStart } from './contracts/portal.js'
import adminSandboxRoutes from './routes/admin-sandbox.js'
import type { SampleSubscriber } from './sim/sample-subscriber.js'
import consoleSessionPlugin from './plugins/console-session.js'
import consoleRoutes from './routes/console.js'
import accessReportRoutes from './routes/admin-access-report.js'
import consoleViewRoutes from './routes/admin-console-views.js'
import { createSessionStore } from './console/sessions.js'
import { createRecentErrors, type RecentErrors } from './upstream/recent-errors.js'

export interface AppDeps {
  config: HubConfig
  log: Logger
  db: Db
  redis: RedisClient
  audit: AuditLog
  registry: ConnectorRegistry
  metrics: Metrics
  sync: SyncService
  catalogue: Catalogue
  documents: DocumentStore
  inbox: InboxService
  /** National portal pushes and pulled items (present when the national-portal connector is on). */
  portalInbound?: PortalInbound
  /** Files the portal handed over inline (present with portalInbound). */
  portalFiles?: PortalFiles
  /** Payments through the portal's payment platform (present when the connector has it configured). */
  payments?: PaymentService
  /** One poll pass of the portal's pulled flows now (present when they are configured). */
  pollNow?: () => Promise<number>
  /** Old → new agency codes (default: none). */
  agencies?: AgencyMapping
  /** Present when the document axis connector is enabled. */
  edocs?: EdocService
  /** The sandbox's sample subscriber (only in a sandbox that started it). */
  sampleSubscriber?: SampleSubscriber
  /** Recent upstream failures (server.ts feeds it from the registry); default: a view over the same Redis list. */
  upstreamErrors?: RecentErrors
  /** Live service indicators (/v1/indicators and their gauges). */
  indicators?: IndicatorService
  version?: string
}

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/
/**
 * A run of 9 or more digits may be a personal ID. The log masker masks such runs, except inside
 * a UUID (our own ids must stay readable), so a caller's UUID-shaped id ending in a 12-digit
 * citizen ID would have been logged as is: such an id is replaced, never echoed or logged.
 */
const DIGIT_RUN = /\d{9}/
const keepsRequestId = (given: unknown): given is string => typeof given === 'string' && SAFE_REQUEST_ID.test(given) && !DIGIT_RUN.test(given)

/** Liveness, readiness and scrapes are the orchestrator's and Prometheus's, not the operator's. */
const QUIET_ROUTES = new Set(['/healthz', '/readyz', '/metrics'])

async function logRequest(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (QUIET_ROUTES.has(request.routeOptions.url ?? '')) return
  request.log.info(
    { req: { method: request.method, url: request.url }, res: { statusCode: reply.statusCode }, responseTime: Math.round(reply.elapsedTime * 10) / 10 },
    'request completed',
  )
}

export type HubApp = FastifyInstance & { markShuttingDown(): void }

export async function buildApp(deps: AppDeps): Promise<HubApp> {
  let shuttingDown = false
  const app = Fastify({
    loggerInstance: deps.log,
    bodyLimit: deps.config.server.bodyLimitBytes,
    trustProxy: deps.config.server.trustProxy,
    // A caller's request id is kept when it is safe to log; otherwise we mint one.
    genReqId: (req) => {
      const given = req.headers['x-request-id']
      return keepsRequestId(given) ? given : randomUUID()
    },
    ajv: { customOptions: { removeAdditional: false, allErrors: true }, plugins: [formatsPlugin] },
    return503OnClosing: true,
    // One line per request (below, on response) instead of Fastify's two; none for probes.
    logController: new LogController({ disableRequestLogging: true }),
    // Received edoc files are addressed by the sender's content id, which may be long.
    routerOptions: { maxParamLength: 1024 },
  }) as unknown as FastifyInstance

  app.addHook('onRequest', async function echoRequestId(request, reply) {
    reply.header('x-request-id', request.id)
  })
  app.addHook('onResponse', logRequest)
  app.addSchema(Problem)
  await app.register(problemPlugin, { metrics: deps.metrics })
  await app.register(inputGuardPlugin)
  const failures = createAuthFailureLimiter(deps.redis, deps.config.redis.keyPrefix, deps.config.server.authFailuresPerMinute)
  const sessions = createSessionStore(deps.redis, deps.config.redis.keyPrefix, { idleMs: deps.config.console.sessionIdleMs, maxMs: deps.config.console.sessionMaxMs })
  // Before auth: a console session names the client, auth then checks the route's scope.
  await app.register(consoleSessionPlugin, { sessions, clients: deps.config.clients, audit: deps.audit })
  await app.register(authPlugin, { clients: deps.config.clients, failures })
  await app.register(rateLimitPlugin, { redis: deps.redis, keyPrefix: deps.config.redis.keyPrefix })
  await app.register(metricsPlugin, { metrics: deps.metrics, beforeScrape: () => Promise.all([deps.registry.circuitStates(), deps.sync.refreshGauges(), deps.indicators?.refreshGauges()]) })
  await app.register(openapiPlugin, { version: deps.version ?? '0.1.0' })

  await app.register(healthRoutes, { db: deps.db, redis: deps.redis, isShuttingDown: () => shuttingDown })
  // A worker replica serves health and metrics only; the API belongs to `api` and `all` replicas.
  if (deps.config.role !== 'worker') {
    await app.register(citizensRoutes, { registry: deps.registry, audit: deps.audit })
    await app.register(dossiersRoutes, { sync: deps.sync, audit: deps.audit })
    await app.register(proceduresRoutes, { catalogue: deps.catalogue })
    await app.register(enterprisesRoutes, { registry: deps.registry, audit: deps.audit, redis: deps.redis, keyPrefix: deps.config.redis.keyPrefix, cacheTtlMs: deps.config.enterprises.cacheTtlMs })
    await app.register(documentsRoutes, { documents: deps.documents, audit: deps.audit })
    await app.register(prefillRoutes, { registry: deps.registry, audit: deps.audit, documents: deps.documents, catalogue: deps.catalogue, deadlineMs: deps.config.prefill.deadlineMs })
    const np = deps.config.webhooks.nationalPortal
    await app.register(webhooksRoutes, { inbox: deps.inbox, secrets: np.secrets.map(parseSecret), toleranceS: np.toleranceS, bodyLimitBytes: np.bodyLimitBytes, ...(np.allowIps && { allowIps: np.allowIps }), ...(deps.agencies && { currentAgency: deps.agencies.current }) })
    await app.register(eventsRoutes, { inbox: deps.inbox, audit: deps.audit })
    if (deps.indicators) await app.register(indicatorsRoutes, { indicators: deps.indicators, targets: deps.sync.targets() })
    if (deps.edocs) {
      await app.register(edocsRoutes, { edocs: deps.edocs, bodyLimitBytes: deps.config.edocs.bodyLimitBytes })
      await app.register(adminEdocsRoutes, { edocs: deps.edocs })
    }
    await app.register(adminRoutes, { config: deps.config, registry: deps.registry, sync: deps.sync, db: deps.db, audit: deps.audit })
    await app.register(adminAgenciesRoutes, { agencies: deps.agencies ?? NO_AGENCY_MAPPING })
    if (deps.sampleSubscriber) await app.register(adminSandboxRoutes, { sampleSubscriber: deps.sampleSubscriber })
    await app.register(accessReportRoutes, { db: deps.db, audit: deps.audit, hashKey: deps.config.audit.hashKey! })
    await app.register(consoleViewRoutes, {
      db: deps.db, registry: deps.registry,
      upstreamErrors: deps.upstreamErrors ?? createRecentErrors(deps.redis, deps.config.redis.keyPrefix, () => deps.registry.ids()),
      ...(deps.edocs && { edocsConnector: deps.config.edocs.connector }),
    })
    await app.register(consoleRoutes, { sessions, clients: deps.config.clients, audit: deps.audit, failures, idleMs: deps.config.console.sessionIdleMs })
    const paymentConnector = deps.registry.provider(PaymentStart)
    const inboundConnector = deps.registry.provider(ForwardedPushRead)
    if (deps.payments && paymentConnector) await app.register(paymentsRoutes, { payments: deps.payments, sync: deps.sync, registry: deps.registry, audit: deps.audit, connector: paymentConnector })
    if (deps.portalInbound && inboundConnector) {
      await app.register(portalInboundRoutes, {
        inbound: deps.portalInbound, registry: deps.registry, audit: deps.audit, connector: inboundConnector,
        ...(deps.portalFiles && { files: deps.portalFiles }), ...(deps.pollNow && { pollNow: deps.pollNow }),
      })
    }
    // Routes the enabled connectors declare (e.g. civil-status), mounted the same way for each.
    await app.register(declaredRoutes, { registry: deps.registry, audit: deps.audit })
  }

  return Object.assign(app, { markShuttingDown: () => { shuttingDown = true } })
}
