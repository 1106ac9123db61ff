/**
 * Batch delivery for targets whose connector takes several snapshots in one call (national
 * portal: `syncDossiers`). A wake-up job drains the target: each round leases up to `batchSize`
 * dossiers with open work, sends their newest snapshots in one call, then each dossier's progress
 * steps in order (one call each, as on the per-dossier path), and settles the round in one
 * statement. A refusal of one dossier dead-letters only its change; a failure of the whole call
 * puts every dossier of the round back with the same backoff and a timed wake-up for it.
 */
import { randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import type { SyncTarget } from '../../schemas/config.js'
import type { ConnectorRegistry } from '../upstream/registry.js'
import { isUpstreamError, UpstreamError, type UpstreamErrorKind } from '../upstream/errors.js'
import type { OpenItem } from './delivery-store.js'
import type { BatchClaim, BatchStore, DossierSettle } from './batch-store.js'
import type { SyncMetrics } from './metrics.js'
import { describeFailure, REFUSALS, retryDelay } from './retry.js'

/** Rounds one job drains before it hands over to a fresh wake-up (keeps jobs short, lets others in). */
const MAX_ROUNDS = 50

export interface BatchDrainOptions {
  target: string
  config: SyncTarget
  store: BatchStore
  registry: ConnectorRegistry
  metrics: SyncMetrics
  log: Logger
  leaseMs: number
  signal: AbortSignal
  /** True once the worker is closing: a drain finishes its round and claims no more. */
  stopping(): boolean
  /** Delivers one progress step (or message) of a dossier, as the per-dossier path does. */
  sendItem(item: OpenItem, deliveredVersion: number | null, requestId: string): Promise<void>
  /** A wake-up for the target at `at` (retries), and one now (a drain that stopped with work left). */
  wakeAt(at: Date): Promise<unknown>
  wakeNow(): Promise<unknown>
}

interface BatchResult {
  results: Array<{ code: string; acceptedAt?: string; failure?: { kind: UpstreamErrorKind; message: string; upstreamCode?: string; upstreamReason?: string; retryAfterMs?: number } }>
}

/** One dossier of a round: what it sends and what became of it. */
interface Plan extends DossierSettle {
  deliveredVersion: number | null
  snapshot?: OpenItem
  rest: OpenItem[]
  /** Items delivered this round, for metrics. */
  done: OpenItem[]
  failed?: { item: OpenItem; err: UpstreamError | Error }
}

function plan(claim: BatchClaim): Plan {
  const snapshots = claim.items.filter((i) => i.kind === 'snapshot')
  const newest = snapshots.reduce<OpenItem | undefined>((best, i) => (best === undefined || i.version! > best.version! ? i : best), undefined)
  const fresh = newest !== undefined && (claim.deliveredVersion === null || newest.version! > claim.deliveredVersion)
  return {
    code: claim.code,
    deliveredVersion: claim.deliveredVersion,
    seenUpTo: claim.items.reduce((max, i) => Math.max(max, i.id), 0),
    ...(fresh && { snapshot: newest }),
    superseded: snapshots.filter((s) => !fresh || s !== newest).map((s) => s.id),
    rest: claim.items.filter((i) => i.kind !== 'snapshot'),
    delivered: [],
    dead: [],
    done: [],
  }
}

const toError = (f: NonNullable<BatchResult['results'][number]['failure']>) =>
  new UpstreamError(f.kind, f.message, {
    ...(f.upstreamCode !== undefined && { upstreamCode: f.upstreamCode }),
    ...(f.upstreamReason !== undefined && { upstreamReason: f.upstreamReason }),
    ...(f.retryAfterMs !== undefined && { retryAfterMs: f.retryAfterMs }),
  })

export function createBatchDrain(options: BatchDrainOptions): (jobId: string) => Promise<string> {
  const { target, config, store, registry, metrics, log } = options
  const instance = randomUUID().slice(0, 8)
  /**
   * While the target's circuit is open no call can be made: drains do not claim (which would
   * only fail every dossier again and cost the ledger a scan per wake-up) until it lets a probe
   * through, when a timed wake-up comes. Per process; an optimisation only.
   */
  let pausedUntil = 0

  const delivered = (p: Plan, item: OpenItem) => {
    p.delivered.push({ id: item.id, version: item.version })
    p.done.push(item)
    if (item.version !== null) p.deliveredVersion = item.version
  }

  /** Refusals and exhausted items die now; anything else is this dossier's retry (decided per round below). */
  function failed(p: Plan, item: OpenItem, caught: unknown, jobId: string) {
    const err = caught as UpstreamError
    const attempts = item.attempts + 1
    const error = isUpstreamError(err) ? describeFailure(err) : String(caught).slice(0, 1000)
    const refused = isUpstreamError(err) && REFUSALS.has(err.kind)
    if (refused || attempts >= config.retry.maxAttempts) {
      p.dead.push({ id: item.id, attempts, error: refused ? error : `gave up after ${attempts} attempts: ${error}`, ...(err.upstreamCode !== undefined && { upstreamCode: err.upstreamCode }) })
      metrics.deliveries.inc({ target, kind: item.kind, outcome: 'dead' })
      log.warn({ jobId, dossier: p.code, outbox: item.id, kind: err.kind, upstreamCode: err.upstreamCode, attempts }, 'change dead-lettered')
      return
    }
    p.failed = { item, err }
    p.retry = { id: item.id, attempts, error, nextAttemptAt: new Date(0), ...(err.upstreamCode !== undefined && { upstreamCode: err.upstreamCode }) }
  }

  /** One round; returns whether every dossier of it now waits for a retry (nothing was delivered). */
  async function round(claims: BatchClaim[], owner: string, jobId: string): Promise<boolean> {
    const plans = claims.map(plan)
    const requestId = `job-${jobId}`
    let circuitUntil = 0
    const sending = plans.filter((p) => p.snapshot !== undefined)
    if (sending.length > 0) {
      const input = { dossiers: sending.map((p) => ({ dossier: p.snapshot!.payload, isUpdate: p.deliveredVersion !== null })) }
      try {
        const out = await registry.invoke<BatchResult>(target, options.config.batchOperation, input, { signal: options.signal, requestId, log: log.child({ jobId }) })
        sending.forEach((p, i) => {
          const r = out.results[i]
          if (r !== undefined && r.code === p.code && r.failure === undefined) delivered(p, p.snapshot!)
          else failed(p, p.snapshot!, r?.failure ? toError(r.failure) : new UpstreamError('bad_response', 'The batch reply did not cover this dossier.'), jobId)
        })
      } catch (caught) {
        if (options.signal.aborted) throw caught
        for (const p of sending) failed(p, p.snapshot!, caught, jobId) // the whole call: every dossier of it
        if (isUpstreamError(caught) && caught.kind === 'circuit_open') circuitUntil = Date.now() + (caught.retryAfterMs ?? 0)
      }
    }
    // Progress steps after their dossier's snapshot, in order; a transient failure stops the dossier there.
    for (const p of plans) {
      for (const item of p.rest) {
        if (p.retry) break
        try {
          await options.sendItem(item, p.deliveredVersion, requestId)
          delivered(p, item)
        } catch (caught) {
          if (options.signal.aborted) throw caught
          failed(p, item, caught, jobId)
        }
      }
    }
    // One backoff for the round's retries (they failed together, they retry together): one wake-up.
    const retrying = plans.filter((p) => p.retry)
    let nextAttemptAt: Date | undefined
    if (retrying.length > 0) {
      const attempts = Math.max(...retrying.map((p) => p.retry!.attempts))
      const retryAfter = Math.max(0, ...retrying.map((p) => (isUpstreamError(p.failed!.err) ? p.failed!.err.retryAfterMs ?? 0 : 0)))
      const delay = retryDelay(attempts, config.retry, retryAfter > 0 ? retryAfter : undefined)
      nextAttemptAt = new Date(Date.now() + delay)
      for (const p of retrying) p.retry!.nextAttemptAt = nextAttemptAt
      const first = retrying[0]!
      log.info({ jobId, dossiers: retrying.length, kind: (first.failed!.err as UpstreamError).kind, attempts, delayMs: delay }, 'delivery failed; retry scheduled')
    }
    await store.settleBatch(target, owner, plans)
    observe(plans)
    // A lost timed wake-up is the reconciler's (it looks for retries past their time).
    const schedule = (at: Date) => options.wakeAt(at).catch((err: Error) => log.warn({ err: { message: err.message } }, 'could not schedule a retry wake-up; the reconciler will'))
    if (nextAttemptAt) await schedule(nextAttemptAt)
    if (circuitUntil > pausedUntil) {
      // Changes accepted meanwhile are first tried when the circuit lets a probe through.
      pausedUntil = circuitUntil
      if (nextAttemptAt === undefined || nextAttemptAt.getTime() > circuitUntil) await schedule(new Date(circuitUntil))
    }
    return plans.every((p) => p.retry !== undefined)
  }

  function observe(plans: Plan[]) {
    const now = Date.now()
    let superseded = 0
    for (const p of plans) {
      superseded += p.superseded.length
      for (const item of p.done) {
        metrics.deliveries.inc({ target, kind: item.kind, outcome: 'delivered' })
        metrics.lag.observe({ target, kind: item.kind }, (now - item.createdAt.getTime()) / 1000)
      }
      if (p.retry) metrics.deliveries.inc({ target, kind: p.failed!.item.kind, outcome: 'retry' })
    }
    if (superseded > 0) metrics.deliveries.inc({ target, kind: 'snapshot', outcome: 'superseded' }, superseded)
  }

  /**
   * Rounds until a claim finds nothing. One more claim after a settle: a newer change accepted
   * while this drain held its dossier may be invisible to the settle's snapshot and its own
   * wake-up may have found the dossier still leased; the next claim sees it. Not after a round
   * where every dossier failed: each now waits for a timed wake-up, newer changes included
   * (and while the upstream fails, claims are not wanted).
   */
  return async function drain(jobId: string): Promise<string> {
    for (let n = 0; n < MAX_ROUNDS; n++) {
      if (options.stopping()) return 'stopping' // what is left is the next process's (or the reconciler's)
      if (Date.now() < pausedUntil) return 'circuit-open' // the round that saw it open scheduled the wake-up
      const owner = `${instance}/${jobId}/${randomUUID().slice(0, 8)}`
      const claims = await store.claimBatch(target, owner, options.leaseMs, config.batchSize)
      if (claims.length === 0) return n === 0 ? 'idle' : 'drained'
      try {
        if (await round(claims, owner, jobId)) return 'retrying'
      } catch (err) {
        await store.release(target, claims.map((c) => c.code), owner).catch((e: Error) => log.warn({ err: { message: e.message } }, 'could not release dossier leases; they expire by themselves'))
        throw err
      }
    }
    await options.wakeNow()
    return 'more-next-time'
  }
}
