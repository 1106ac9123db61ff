/**
 * Starts the hub: sandbox simulators where no upstream is configured, Redis, the ledger with its
 * migrations, the audit log, the connector registry and the HTTP server — and stops it in the
 * reverse order. Tests call `startHub` in-process; `main.ts` calls it from the command line.
 */
import type { DestinationStream, Logger } from 'pino'
import type { HubConfig } from '../schemas/config.js'
import { SCOPES } from '../schemas/config.js'
import { ConfigError } from './config/load.js'
import { assertPortFree } from './config/port.js'
import { decideSandbox, SANDBOX_AUDIT_KEY } from './config/sandbox.js'
import { createLogger } from './logger.js'
import { createMetrics } from './metrics.js'
import { findRedis, type RedisHandle } from './redis.js'
import { openDatabase } from './db/index.js'
import { createAuditLog } from './audit/audit-log.js'
import { chainKeyFrom } from './audit/chain.js'
import { createRegistry, loadConnectorModule } from './upstream/registry.js'
import { checkConfig } from './config/check.js'
import type { SimulatorHandle } from './upstream/types.js'
import { buildApp, type HubApp } from './app.js'
import { createSyncService } from './sync/index.js'
import { createFactsReader } from './sync/hub-facts.js'
import { createIndicatorService } from './indicators/index.js'
import { createPortalInbound } from './portal-inbound/index.js'
import { createPortalFiles } from './portal-inbound/files.js'
import { registerInterlinked, statusReportHandler, statusReportHooks, STATUS_TARGET, type InterlinkedLink } from './portal-inbound/status-report.js'
import { pollInterlinked, startInterlinkedPoll } from './portal-inbound/poll.js'
import { createPaymentService } from './payments/index.js'
import { ForwardedPushRead, InterlinkedList, PaymentStart } from './contracts/portal.js'
import { createCatalogue } from './procedures/catalogue.js'
import { createDocumentStore } from './documents/store.js'
import { createInboxService } from './inbox/index.js'
import { createEdocService, createEdocStore, edocMessageHandler } from './edocs/index.js'
import { keyExpiry, sha256Hex } from './plugins/auth.js'
import { startSampleSubscriber, type SampleSubscriber } from './sim/sample-subscriber.js'
import { createRecentErrors } from './upstream/recent-errors.js'


export interface HubHandle {
  app: HubApp
  url: string
  config: HubConfig
  log: Logger
  sandbox: boolean
  simulators: Record<string, SimulatorHandle>
  /** The sandbox's sample subscriber, when `sandbox.sampleSubscriber` started it. */
  sampleSubscriber?: SampleSubscriber
  close(): Promise<void>
}

export interface StartOptions {
  config: HubConfig
  logStream?: DestinationStream
  /** Default true; false builds everything but does not listen (tests that inject). */
  listen?: boolean
  /** PGlite only: start the ledger from this data-directory dump, e.g. a migrated template (tests). */
  pgliteDump?: Blob
}

/** Starts a simulator for each connector the sandbox decision names (see config/sandbox.ts); a connector without one is a config problem. */
async function startSimulators(config: HubConfig, simulate: string[], log: Logger, problems: string[]): Promise<Record<string, SimulatorHandle>> {
  const simulators: Record<string, SimulatorHandle> = {}
  for (const id of simulate) {
    const mod = await loadConnectorModule(id)
    if (!mod.startSimulator) {
      problems.push(`config /connectors/${id}/baseUrl: required, the ${id} connector has no simulator`)
      continue
    }
    const sim = await mod.startSimulator({ port: 0, log: log.child({ simulator: id }) })
    simulators[id] = sim
    Object.assign(config.connectors[id]!, sim.config)
  }
  return simulators
}

/** Signs the sandbox's sample pushes; fake by design. */
export const SANDBOX_WEBHOOK_SECRET = `whsec_${Buffer.from('sandbox-webhook-secret-not-real').toString('base64')}`

function applySandboxDefaults(config: HubConfig): void {
  config.audit.hashKey ??= SANDBOX_AUDIT_KEY
  config.edocs.fetch.allowLoopback ??= true // attachment URLs of the sandbox's own sidecars
  if (config.webhooks.nationalPortal.secrets.length === 0) config.webhooks.nationalPortal.secrets = [SANDBOX_WEBHOOK_SECRET]
  const demoHash = sha256Hex(config.sandbox.demoKey)
  if (!config.clients.some((c) => c.keySha256 === demoHash)) {
    config.clients.push({ name: 'sandbox-demo', keySha256: demoHash, scopes: [...SCOPES], rateLimitPerMinute: 100_000 })
  }
}

export async function startHub(options: StartOptions): Promise<HubHandle> {
  const config = structuredClone(options.config)
  const log = createLogger({ level: config.log.level, ...(options.logStream ? { stream: options.logStream } : {}) })
  const cleanups: Array<() => Promise<unknown>> = []
  const cleanup = async () => {
    for (const fn of cleanups.reverse()) await fn().catch((err) => log.warn({ err }, 'cleanup step failed'))
  }
  try {
    if (options.listen !== false) await assertPortFree(config.server.host, config.server.port)
    // Every config check at one point, before anything connects: the sandbox decision (missing
    // baseUrls end it there: checking those sections would only repeat them), then, with the
    // simulators' URLs filled in, the rest (src/config/check.ts); one ConfigError for all.
    const decision = decideSandbox(config)
    if (decision.problems.length > 0) throw new ConfigError(decision.problems)
    const problems: string[] = []
    const simulators = await startSimulators(config, decision.simulate, log, problems)
    cleanups.push(() => Promise.allSettled(Object.values(simulators).map((s) => s.close())))
    const sandbox = Object.keys(simulators).length > 0
    if (sandbox) applySandboxDefaults(config)
    // A receiver to route events to, so webhooks can be tried by hand; never beside real subscribers.
    // Wired before the checks, so its secret is checked like any subscriber's.
    const sampleSubscriber = sandbox && config.sandbox.sampleSubscriber && config.subscribers.length === 0
      ? await startSampleSubscriber({ log: log.child({ simulator: 'sample-subscriber' }) }) : undefined
    if (sampleSubscriber) {
      cleanups.push(() => sampleSubscriber.close())
      config.subscribers = [{ name: sampleSubscriber.name, url: sampleSubscriber.url, secrets: [sampleSubscriber.secret] }]
    }
    const checked = await checkConfig(config)
    problems.push(...checked.problems)
    if (problems.length > 0) throw new ConfigError(problems)
    const { agencies } = checked
    // Patterns written for the old codes also match the codes those units have now.
    for (const c of [...config.clients, ...(config.subscribers ?? [])]) if (c.agencies) c.agencies = agencies.expandPatterns(c.agencies)

    const soon = Date.now() + 14 * 86_400_000
    for (const c of config.clients) if (keyExpiry(c) < soon) log.warn({ client: c.name, expiresAt: c.expiresAt }, 'API key expires within 14 days (or has expired); issue a new one')
    const redisHandle: RedisHandle = await findRedis({ settings: config.redis, log })
    cleanups.push(() => redisHandle.stop())
    const redisConnector = redisHandle.connector
    // The shared connection: circuit breakers, rate limits, caches, readiness.
    const redis = redisConnector.connect({ maxRetriesPerRequest: 2, enableAutoPipelining: true })
    redis.on('error', (err) => log.warn({ err }, 'redis connection error'))
    cleanups.push(() => redis.quit().catch(() => redis.disconnect()))

    const db = await openDatabase({
      ...(config.database.url ? { url: config.database.url } : { pgliteDir: config.database.pgliteDir, ...(options.pgliteDump && { pgliteDump: options.pgliteDump }) }),
      schema: config.database.schema,
      poolSize: config.database.poolSize,
      preparedStatements: config.database.preparedStatements,
      log,
    })
    cleanups.push(() => db.close())

    const metrics = createMetrics()
    const audit = createAuditLog({
      db,
      hashKey: config.audit.hashKey!,
      chainKey: chainKeyFrom(config.audit),
      maxBatch: config.audit.maxBatch,
      maxWaitMs: config.audit.maxWaitMs,
      log,
      onFlush: ({ size, ms, ok }) => {
        metrics.auditWrite.observe({ outcome: ok ? 'ok' : 'error' }, ms / 1000)
        metrics.auditBatchSize.observe(size)
      },
    })
    cleanups.push(() => audit.close())

    // Failures of every connector call, for the console's connector page (across replicas, in Redis).
    let connectorIds: () => string[] = () => []
    const upstreamErrors = createRecentErrors(redis, config.redis.keyPrefix, () => connectorIds())
    const registry = await createRegistry({ connectors: config.connectors, redis, redisPrefix: config.redis.keyPrefix, log, metrics, onFailure: upstreamErrors.record })
    connectorIds = () => registry.ids()
    cleanups.push(() => registry.close())

    const documents = createDocumentStore(db, config.audit.hashKey!)
    // The document axis sends through the outbox as a message target of its own.
    const axis = registry.has(config.edocs.connector) ? config.edocs.connector : undefined
    // The indicator model is kept in the transactions of the paths that commit (src/indicators).
    const indicators = createIndicatorService({ db, config, agencies, targets: Object.keys(config.sync.targets), registry: metrics.registry })
    const recording = config.indicators.enabled
    const edocStore = createEdocStore(db, config.edocs.connector, recording ? indicators.edocHooks : undefined)
    // The interlinked flow's status reports go through the outbox as a message target of their own.
    const pullConnector = registry.provider(InterlinkedList)
    const pulls = pullConnector !== undefined
    const sync = createSyncService({
      config, db, redis: redisConnector, registry, metrics, log, runWorkers: config.role !== 'api', documents, agencies, facts: createFactsReader(config.audit.hashKey!),
      ...(recording && { indicators: indicators.recordAccepted }),
      messageTargets: {
        ...(axis && { [axis]: { config: config.edocs.delivery, handler: edocMessageHandler(edocStore) } }),
        ...(pulls && { [STATUS_TARGET]: { config: config.portalInbound.statusDelivery, handler: statusReportHandler(pullConnector!), prunable: true } }),
      },
      ...(pulls && { hooks: statusReportHooks() }),
    })
    cleanups.push(() => sync.close())
    const catalogue = createCatalogue({ redis, keyPrefix: config.redis.keyPrefix, registry, ...config.procedures })

    const inbox = createInboxService({
      db, redis: redisConnector, keyPrefix: config.redis.keyPrefix, registry: metrics.registry, log, runWorkers: config.role !== 'api',
      ...(recording && { onCommit: indicators.recordInbox }),
      config: { ...config.webhooks, subscribers: config.subscribers, reconcileEveryMs: config.sync.reconcileEveryMs, staleAfterMs: config.sync.staleAfterMs },
    })
    cleanups.push(() => inbox.close())

    // The portal's inbound flows and payments run where a connector provides them.
    const portalFiles = createPortalFiles(db, config.portalInbound.maxFileBytes)
    const onInterlinked = async (code: string, link: InterlinkedLink) => {
      const rows = await db.transaction((tx) => registerInterlinked(tx, code, link))
      await sync.wakeMessages(rows.map((r) => ({ ...r, key: code })))
    }
    const portalInbound = registry.provider(ForwardedPushRead) !== undefined ? createPortalInbound({ db, inbox, agencies, files: portalFiles, ...(pulls && { onInterlinked }) }) : undefined
    const paymentConnector = registry.provider(PaymentStart)
    const payments = portalInbound && paymentConnector !== undefined ? createPaymentService({ db, registry, inbox, connector: paymentConnector }) : undefined
    const pollOptions = { db, registry, inbound: portalInbound!, connector: pullConnector ?? '', leaseMs: config.portalInbound.leaseMs, maxItems: config.portalInbound.maxItems, log: log.child({ component: 'portal-poll' }) }
    const pollNow = pulls ? pollInterlinked(pollOptions) : undefined
    if (pulls && config.role !== 'api' && config.portalInbound.pollEveryMs > 0) {
      const poll = startInterlinkedPoll({ ...pollOptions, redis: redisConnector, prefix: redisConnector.bullPrefix(config.redis.keyPrefix), everyMs: config.portalInbound.pollEveryMs })
      cleanups.push(() => poll.close())
    }

    const edocs = axis
      ? createEdocService({ config, db, store: edocStore, registry, sync, inbox, redis: redisConnector, runWorkers: config.role !== 'api', log, metricsRegistry: metrics.registry })
      : undefined
    if (edocs) cleanups.push(() => edocs.close())

    const app = await buildApp({ config, log, db, redis, audit, registry, metrics, sync, catalogue, documents, inbox, agencies, upstreamErrors, indicators, ...(portalInbound && { portalInbound, portalFiles }), ...(pollNow && { pollNow }), ...(payments && { payments }), ...(edocs && { edocs }), ...(sampleSubscriber && { sampleSubscriber }) })
    let url = ''
    if (options.listen !== false) url = await app.listen({ host: config.server.host, port: config.server.port })
    else await app.ready()

    let closing: Promise<void> | undefined
    const close = () => {
      closing ??= (async () => {
        app.markShuttingDown()
        // Stop intake and let in-flight requests finish, but never wait forever.
        await Promise.race([app.close(), new Promise((r) => setTimeout(r, config.server.shutdownGraceMs).unref())])
        await cleanup()
      })()
      return closing
    }
    return { app, url, config, log, sandbox, simulators, ...(sampleSubscriber && { sampleSubscriber }), close }
  } catch (err) {
    await cleanup()
    throw err
  }
}
