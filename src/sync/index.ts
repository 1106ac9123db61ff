/**
 * Outbound dossier sync, wired together: the ledger (accept), the queues (wake-ups), the workers
 * (delivery), the reconciler (what the queues lost) and the admin views (counts, dead letters).
 * The routes only see this interface.
 */
import type { Logger } from 'pino'
import type { Db, Queryable } from '../db/types.js'
import type { HubConfig, SyncTarget } from '../../schemas/config.js'
import type { DossierSnapshot, ProgressStep } from '../../schemas/dossier.js'
import type { ConnectorRegistry } from '../upstream/registry.js'
import type { Metrics } from '../metrics.js'
import type { RedisConnector } from '../redis.js'
import { acceptMessage, acceptProgress, type AcceptedRow, type AcceptHooks, type AcceptOptions, type AcceptResult, type MessageInput, type ProgressResult } from './ledger.js'
import { createDeliveryStore } from './delivery-store.js'
import { createBatchStore } from './batch-store.js'
import { acceptSnapshots, type AcceptBatchOptions, type SnapshotOutcome, type SnapshotRequest } from './accept-batch.js'
import { createGroupCommitter } from '../db/group-commit.js'
import { retryDuringFailover } from '../db/errors.js'
import { createSyncQueues, jobIdFor, type QueueCounts } from './queues.js'
import { startSyncWorker, type MessageHandler, type SyncWorker } from './worker.js'
import { sweepOutbox } from './reconciler.js'
import { startSchedule, type Schedule } from '../jobs/schedule.js'
import { pruneFinished, pruneFinishedMessages } from './retention.js'
import { createSyncMetrics } from './metrics.js'
import { ledgerCounts, listDeadLetters, replayOne, replaySince, type DeadLetter } from './dead-letters.js'
import { getDossier, listDossiers, type DossierView, type ListQuery } from './read-model.js'
import type { DocumentStore } from '../documents/store.js'
import type { AgencyMapping } from '../agency-mapping.js'
import type { FactsReader } from './hub-facts.js'

export interface SyncService {
  /** Dossier targets: every accepted snapshot and progress step goes to each. */
  targets(): string[]
  /** Queues a message for a message target inside the caller's transaction; wake it after commit. */
  acceptMessage(tx: Queryable, input: MessageInput): Promise<AcceptedRow | null>
  /** Wakes the workers for rows committed by `acceptMessage` (a lost wake-up is the reconciler's). */
  wakeMessages(rows: Array<AcceptedRow & { key: string }>): Promise<void>
  acceptSnapshot(code: string, snapshot: DossierSnapshot, options: Omit<AcceptOptions, 'targets'>): Promise<AcceptResult>
  acceptProgress(code: string, step: ProgressStep, options: Omit<AcceptOptions, 'targets'>): Promise<ProgressResult>
  getDossier(code: string): Promise<DossierView | null>
  listDossiers(q: ListQuery): ReturnType<typeof listDossiers>
  queueCounts(): Promise<Record<string, QueueCounts & { pending: number; retrying: number; dead: number }>>
  deadLetters(q: { target?: string; since?: Date; afterId?: number; limit: number }): Promise<{ items: DeadLetter[]; next: number | null }>
  replay(id: number): Promise<number>
  replaySince(target: string, since: Date): Promise<number>
  /** Refreshes the queue and ledger gauges (called before a metrics scrape). */
  refreshGauges(): Promise<void>
  reconcileNow(): Promise<number>
  close(): Promise<void>
}

export interface SyncDeps {
  config: HubConfig
  db: Db
  /** Makes the queues' and workers' Redis connections (src/redis.ts). */
  redis: RedisConnector
  registry: ConnectorRegistry
  metrics: Metrics
  log: Logger
  /** Run workers and the reconciler in this process (role worker or all). */
  runWorkers: boolean
  /** Indexes `results[]` of each accepted snapshot as reusable documents (DESIGN §3.5). */
  documents?: DocumentStore
  /** Old → new agency codes: snapshots are routed by the current code. */
  agencies?: AgencyMapping
  /** The hub's own facts about dossiers (reuse, lookups), read at accept time (hub-facts.ts). */
  facts?: FactsReader
  /** Records accepted versions in the indicator model, in the accept transaction (src/indicators). */
  indicators?: AcceptBatchOptions['indicators']
  /**
   * Message targets (the document axis): their own delivery config and handler; they receive
   * only what is queued with `acceptMessage`, never dossier snapshots.
   */
  messageTargets?: Record<string, { config: SyncTarget; handler: MessageHandler; prunable?: boolean }>
  /** Messages other modules queue with an accepted snapshot or step, in its transaction (e.g. status reports). */
  hooks?: AcceptHooks
}

/**
 * A call that outlives its dossier's lease can land after the next holder sent a newer version
 * (the lease is renewed between calls, never during one): each delivery operation's deadline
 * must stay below `sync.leaseMs`. Warned, not refused: short leases are a test setting.
 */
function warnShortLease(deps: SyncDeps, batchTargets: string[], log: Logger): void {
  const { config, registry } = deps
  for (const [target, c] of Object.entries(config.sync.targets)) {
    if (!registry.has(target)) continue
    const operations = [c.snapshotOperation, c.progressOperation, ...(batchTargets.includes(target) ? [c.batchOperation, c.progressBatchOperation].filter((o) => registry.get(target).operations[o] !== undefined) : [])]
    for (const operation of operations) {
      const deadlineMs = registry.deadline(target, operation)
      if (deadlineMs !== undefined && deadlineMs >= config.sync.leaseMs) {
        log.warn({ target, operation, deadlineMs, leaseMs: config.sync.leaseMs }, 'sync.leaseMs is not above this operation\'s deadline: a slow call can outlive its lease and be overtaken by a newer version; raise sync.leaseMs')
      }
    }
  }
}

export function createSyncService(deps: SyncDeps): SyncService {
  const { config, db } = deps
  const log = deps.log.child({ component: 'sync' })
  const targets = Object.keys(config.sync.targets)
  const messageTargets = deps.messageTargets ?? {}
  // A target that is both a dossier and a message target is refused at boot (src/config/check.ts).
  const allTargets = [...targets, ...Object.keys(messageTargets)]
  const prefix = deps.redis.bullPrefix(config.redis.keyPrefix)
  const metrics = createSyncMetrics(deps.metrics.registry)
  // Batch delivery where the target's connector has the batch operation (see batch-worker.ts).
  const batchTargets = targets.filter((t) => {
    const c = config.sync.targets[t]!
    return c.batchSize > 1 && deps.registry.has(t) && deps.registry.get(t).operations[c.batchOperation] !== undefined
  })
  const drainSlots = Object.fromEntries(batchTargets.map((t) => [t, config.sync.targets[t]!.batchConcurrency]))
  warnShortLease(deps, batchTargets, log)
  const queues = createSyncQueues({ redis: deps.redis, prefix, targets: allTargets, drainSlots, enqueueTimeoutMs: config.sync.enqueueTimeoutMs, log })
  const store = createDeliveryStore(db)
  const batchStore = createBatchStore(db)
  const workers: SyncWorker[] = []
  let reconciler: Schedule | undefined
  if (deps.runWorkers) {
    for (const target of targets) {
      const batch = batchTargets.includes(target)
        ? { store: batchStore, wakeAt: (at: Date) => queues.kickAt(target, at), wakeNow: () => queues.kick(target, '', jobIdFor('c', target, Date.now()), true) }
        : undefined
      workers.push(startSyncWorker({
        target, config: config.sync.targets[target]!, redis: deps.redis, prefix, leaseMs: config.sync.leaseMs,
        store, registry: deps.registry, metrics, log, ...(batch && { batch }),
      }))
    }
    if (batchTargets.length > 0) log.info({ targets: batchTargets }, 'batch delivery on')
    for (const [target, m] of Object.entries(messageTargets)) {
      workers.push(startSyncWorker({
        target, config: m.config, messages: m.handler, redis: deps.redis, prefix, leaseMs: config.sync.leaseMs,
        store, registry: deps.registry, metrics, log,
      }))
    }
    const sweep = sweepOutbox({ db, queues, staleAfterMs: config.sync.staleAfterMs, log })
    reconciler = startSchedule({
      name: 'sync', redis: deps.redis, prefix, everyMs: config.sync.reconcileEveryMs, log,
      run: async () => {
        const kicked = await sweep()
        // Finished messages of prunable targets (nothing reads them once done) age out the same way.
        const prunable = Object.entries(messageTargets).filter(([, m]) => m.prunable === true).map(([t]) => t)
        const pruned = await Promise.all([
          pruneFinished(db, config.sync.keepFinishedMs),
          ...prunable.map((t) => pruneFinishedMessages(db, t, config.sync.keepFinishedMs)),
        ]).then((counts) => counts.reduce((a, b) => a + b, 0)).catch((err: unknown) => {
          log.warn({ err }, 'could not prune finished outbox rows; the next pass tries again')
          return 0
        })
        if (pruned > 0) log.info({ pruned }, 'pruned finished outbox rows past their retention')
        return kicked
      },
    })
  }

  /** Accept-time wake-ups are unique per outbox row; replays get a fresh id (an old job may linger as failed). */
  const wake = async (rows: Array<{ id: number; target: string; dossierCode: string }>, replay = false) => {
    // Replays bypass coalescing: they must run even if a stale dedup entry lingers. A batch
    // target needs one wake-up, not one per dossier (a replayed window of thousands included):
    // any of its jobs drains them all.
    const drainsWoken = new Set<string>()
    const kicks: Array<Promise<boolean>> = []
    for (const r of rows) {
      if (queues.drains(r.target)) {
        if (drainsWoken.has(r.target)) continue
        drainsWoken.add(r.target)
      }
      kicks.push(queues.kick(r.target, r.dossierCode, replay ? jobIdFor('p', r.id, Date.now()) : jobIdFor('o', r.id), !replay))
    }
    await Promise.all(kicks) // never rejects: a failed kick is logged and left to the reconciler
  }

  // PUTs arriving while a batch commits gather into the next one (accept-batch.ts).
  const onSnapshot = deps.documents
    ? (tx: Queryable, c: string, s: DossierSnapshot, client: string) => deps.documents!.indexResults(tx, c, s, client)
    : undefined
  // The wake-ups are not awaited inside the batch (the next one may commit meanwhile), but each
  // PUT waits for its batch's before answering, as it did alone.
  const snapshots = createGroupCommitter<SnapshotRequest, { outcome: SnapshotOutcome; woken: Promise<void> }>({
    maxBatch: config.sync.accept.maxBatch,
    maxWaitMs: config.sync.accept.maxWaitMs,
    async commit(batch) {
      const outcomes = await acceptSnapshots(db, batch, {
        targets, log, failoverRetryMs: config.database.failoverRetryMs, ...(onSnapshot && { onSnapshot }), ...(deps.facts && { facts: deps.facts }), ...(deps.indicators && { indicators: deps.indicators }),
        ...(deps.agencies && { currentAgency: deps.agencies.current }),
        ...(deps.hooks?.snapshots && { onAccepted: deps.hooks.snapshots }),
      })
      const woken = wake(outcomes.flatMap((o, i) => (o.ok ? o.result.outbox.map((r) => ({ ...r, dossierCode: batch[i]!.code })) : [])))
      return outcomes.map((outcome) => ({ outcome, woken }))
    },
  })

  async function queueCounts() {
    const ledger = await ledgerCounts(db)
    const out: Record<string, QueueCounts & { pending: number; retrying: number; dead: number }> = {}
    for (const target of allTargets) {
      const q = await queues.counts(target).catch(() => ({ waiting: -1, active: -1, delayed: -1, failed: -1 }))
      const n = (state: string) => ledger.find((r) => r.target === target && r.state === state)?.count ?? 0
      out[target] = { ...q, pending: n('pending'), retrying: n('retrying'), dead: n('dead') }
    }
    return out
  }

  return {
    targets: () => targets,
    acceptMessage,
    wakeMessages: (rows) => wake(rows.map((r) => ({ id: r.id, target: r.target, dossierCode: r.key }))),
    async acceptSnapshot(code, snapshot, options) {
      const { outcome, woken } = await snapshots.submit({ code, snapshot, client: options.client, mayActFor: options.mayActFor })
      await woken
      if (!outcome.ok) throw outcome.error
      return outcome.result
    },
    async acceptProgress(code, step, options) {
      // Pure within its transaction (the step hook writes in it too) and deduplicated by step id:
      // safe to run again during a failover.
      const result = await retryDuringFailover(
        () => acceptProgress(db, code, step, { ...options, targets, ...(deps.hooks?.step && { onStep: deps.hooks.step }) }),
        config.database.failoverRetryMs,
      )
      await wake(result.outbox.map((o) => ({ ...o, dossierCode: code })))
      return result
    },
    getDossier: (code) => getDossier(db, code),
    listDossiers: (q) => listDossiers(db, q),
    queueCounts,
    deadLetters: (q) => listDeadLetters(db, q),
    async replay(id) {
      const rows = await replayOne(db, id)
      await wake(rows, true)
      return rows.length
    },
    async replaySince(target, since) {
      const rows = await replaySince(db, target, since)
      const seen = new Set<string>()
      await wake(rows.filter((r) => !seen.has(r.dossierCode) && seen.add(r.dossierCode)), true)
      return rows.length
    },
    async refreshGauges() {
      const counts = await queueCounts()
      for (const [target, c] of Object.entries(counts)) {
        for (const state of ['waiting', 'active', 'delayed', 'failed'] as const) if (c[state] >= 0) metrics.queueDepth.set({ target, state }, c[state])
        for (const state of ['pending', 'retrying', 'dead'] as const) metrics.ledger.set({ target, state }, c[state])
      }
    },
    reconcileNow: () => reconciler?.runOnce() ?? Promise.resolve(0),
    async close() {
      await snapshots.close()
      await reconciler?.close()
      await Promise.allSettled(workers.map((w) => w.close()))
      await queues.close()
    },
  }
}
