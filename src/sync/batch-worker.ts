/**
 * Batch delivery for targets whose connector takes several snapshots in one call (national
 * portal: `syncDossiers`). A wake-up job drains the target: each round leases up to `batchSize`
 * dossiers with open work, sends their newest snapshots in one call (fewer dossiers per call for
 * those that failed before), then each dossier's progress steps in order (one call each, as on the
 * per-dossier path), and settles the round in one statement. A refusal of one dossier
 * dead-letters only its change; a failure of a whole call puts its dossiers back with the round's
 * backoff and a timed wake-up for it.
 */
import type { Logger } from 'pino'
import type { SyncTarget } from '../../schemas/config.js'
import type { ConnectorRegistry } from '../upstream/registry.js'
import { DossiersSync, ProgressBatch } from '../contracts/portal.js'
import type { ProgressSyncInput, SyncDossierInput } from '../../schemas/portal.js'
import { isUpstreamError, UpstreamError, type UpstreamErrorKind } from '../upstream/errors.js'
import type { OpenItem } from './delivery-store.js'
import { CLAIM_WINDOW, type BatchClaim, type BatchStore, type DossierSettle } from './batch-store.js'
import { observeRound, type SyncMetrics } from './metrics.js'
import { judgeFailure, retryDelay, type Judgement } from './retry.js'
import { planRound, type RoundPlan } from './round.js'
import { leaseOwner, withLease, type Lease } from '../jobs/lease.js'
import type { JobWorker } from '../jobs/worker.js'

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
  /** The connector has `config.progressBatchOperation`: steps of several dossiers go in one call. */
  progressBatch?: boolean
  /** Delivers one progress step (or message) of a dossier, as the per-dossier path does. */
  sendItem(item: OpenItem, deliveredVersion: number | null, requestId: string, signal: AbortSignal): Promise<void>
  /** A wake-up for the target at `at` (retries), and one now (a drain that stopped with work left). */
  wakeAt(at: Date): Promise<unknown>
  wakeNow(): Promise<unknown>
}

interface BatchResult {
  results: Array<{ code: string; acceptedAt?: string; failure?: { kind: UpstreamErrorKind; message: string; upstreamCode?: string; upstreamReason?: string; retryAfterMs?: number } }>
}

/** One dossier of a round: what it sends and what became of it. */
interface Plan extends RoundPlan {
  code: string
  deliveredVersion: number | null
  delivered: OpenItem[]
  dead: Array<{ item: OpenItem; judged: Judgement }>
  retry?: { item: OpenItem; judged: Judgement }
  /** Items attempted this round (delivered, dead or to retry); the others stay open as they were. */
  tried: Set<number>
  /** The lease lapsed and was not renewed: nothing more is sent and nothing settled; its next holder delivers what is open. */
  lost?: boolean
}

const toError = (f: NonNullable<BatchResult['results'][number]['failure']>) =>
  new UpstreamError(f.kind, f.message, {
    ...(f.upstreamCode !== undefined && { upstreamCode: f.upstreamCode }),
    ...(f.upstreamReason !== undefined && { upstreamReason: f.upstreamReason }),
    ...(f.retryAfterMs !== undefined && { retryAfterMs: f.retryAfterMs }),
  })

/**
 * The snapshot calls of a round. Dossiers that never failed share one call; one whose snapshot
 * already failed n times goes in calls of at most batchSize / 2^n. A record that makes its whole
 * call fail (one the portal cannot digest) is thus alone after a few attempts, and the others of
 * its batch get through instead of retrying with it until they are all dead-lettered.
 */
function snapshotCalls(plans: Plan[], batchSize: number): Plan[][] {
  const bySize = new Map<number, Plan[]>()
  for (const p of plans) {
    if (p.snapshot === undefined) continue
    const size = Math.max(1, Math.floor(batchSize / 2 ** Math.min(p.snapshot.attempts, 30)))
    bySize.set(size, [...(bySize.get(size) ?? []), p])
  }
  return [...bySize.entries()].sort((a, b) => b[0] - a[0])
    .flatMap(([size, group]) => Array.from({ length: Math.ceil(group.length / size) }, (_, i) => group.slice(i * size, (i + 1) * size)))
}

/** What the ledger records for a dossier; items left untried keep the dossier `pending`. */
function toSettle(p: Plan, nextAttemptAt: Date | undefined): DossierSettle {
  const untried = [...(p.snapshot ? [p.snapshot] : []), ...p.rest].filter((i) => !p.tried.has(i.id))
  const leftOpen = p.retry === undefined && untried.length > 0
  return {
    code: p.code,
    seenUpTo: leftOpen ? Math.min(...untried.map((i) => i.id)) - 1 : p.seenUpTo,
    delivered: p.delivered.map((i) => ({ id: i.id, version: i.version })),
    superseded: p.superseded,
    dead: p.dead.map(({ judged: j }) => ({ id: j.id, attempts: j.attempts, error: j.error, ...(j.upstreamCode !== undefined && { upstreamCode: j.upstreamCode }) })),
    ...(p.retry && nextAttemptAt && {
      retry: { id: p.retry.judged.id, attempts: p.retry.judged.attempts, error: p.retry.judged.error, nextAttemptAt, ...(p.retry.judged.upstreamCode !== undefined && { upstreamCode: p.retry.judged.upstreamCode }) },
    }),
  }
}

const toPlan = (c: BatchClaim): Plan => ({ code: c.code, deliveredVersion: c.deliveredVersion, ...planRound(c.items, c.deliveredVersion), delivered: [], dead: [], tried: new Set() })

/**
 * A drain; `worker` is the shell it runs in. While the worker is closing a drain makes no
 * further call, settles what it did and hands over.
 */
export function createBatchDrain(options: BatchDrainOptions): (jobId: string, worker: JobWorker) => Promise<string> {
  const { target, config, store, registry, metrics, log } = options
  /**
   * While the target's circuit is open no call can be made: drains do not claim (which would
   * only fail every dossier again and cost the ledger a scan per wake-up) until it lets a probe
   * through, when a timed wake-up comes. Per process; an optimisation only.
   */
  let pausedUntil = 0

  /**
   * One round. `retrying`: every dossier of it now waits for a retry (nothing was delivered);
   * `stopped`: the worker is closing and what was not sent is left open.
   */
  async function round(plans: Plan[], owner: string, jobId: string, lease: Lease, worker: JobWorker): Promise<'retrying' | 'stopped' | 'more'> {
    const requestId = `job-${jobId}`
    const ctx = { signal: worker.signal, requestId, log: log.child({ jobId }) }
    let circuitUntil = 0
    let stopped = false
    /** Before each call (the leases renewed when due): false once the worker is closing (`stopped`) or every lease was lost. */
    const go = async () => !stopped && ((await lease.next()) || ((stopped = !lease.lost), false))
    const delivered = (p: Plan, item: OpenItem) => {
      p.tried.add(item.id)
      p.delivered.push(item)
      if (item.version !== null) p.deliveredVersion = item.version
    }
    const failed = (p: Plan, item: OpenItem, caught: unknown) => {
      p.tried.add(item.id)
      const judged = judgeFailure(item, caught, config.retry.maxAttempts)
      if (!judged.dead) return void (p.retry = { item, judged })
      p.dead.push({ item, judged })
      log.warn({ jobId, dossier: p.code, outbox: item.id, kind: judged.kind, upstreamCode: judged.upstreamCode, attempts: judged.attempts }, 'change dead-lettered')
    }
    /** Shutdown: the call in flight was aborted; it stays open (the portal may have it: at least once). */
    const aborted = () => worker.signal.aborted && (stopped = true)

    for (const call of snapshotCalls(plans, config.batchSize)) {
      if (!(await go())) break
      const live = call.filter((p) => !p.lost)
      if (live.length === 0) continue
      // Ledger payloads were validated against these schemas when they were accepted.
      const input = { dossiers: live.map((p) => ({ dossier: p.snapshot!.payload as SyncDossierInput['dossier'], isUpdate: p.deliveredVersion !== null })) }
      try {
        const out = await registry.call(DossiersSync, input, { ...ctx, connector: target, operation: config.batchOperation })
        live.forEach((p, i) => {
          const r = out.results[i]
          if (r !== undefined && r.code === p.code && r.failure === undefined) delivered(p, p.snapshot!)
          else failed(p, p.snapshot!, r?.failure ? toError(r.failure) : new UpstreamError('bad_response', 'The batch reply did not cover this dossier.'))
        })
      } catch (caught) {
        if (aborted()) break
        for (const p of live) failed(p, p.snapshot!, caught) // the whole call: every dossier of it
        if (isUpstreamError(caught) && caught.kind === 'circuit_open') circuitUntil = Math.max(circuitUntil, Date.now() + (caught.retryAfterMs ?? 0))
      }
    }
    // Progress steps after their dossier's snapshot, in order; a failure stops the dossier there.
    // With a progress batch operation: waves of each dossier's next step, in calls of several.
    const stepsOp = options.progressBatch ? config.progressBatchOperation : undefined
    for (;;) {
      const wave = plans.flatMap((p) => {
        const next = p.retry || p.lost ? undefined : p.rest.find((i) => !p.tried.has(i.id))
        return next ? [{ p, item: next }] : []
      })
      if (wave.length === 0 || stopped || (stopped = worker.stopping())) break
      const size = stepsOp !== undefined && wave.every((w) => w.item.kind === 'progress') ? config.progressBatchSize : 1
      for (let i = 0; i < wave.length && !stopped; i += size) {
        if (!(await go())) break
        const call = wave.slice(i, i + size).filter((w) => !w.p.lost)
        if (call.length === 0) continue
        try {
          if (size === 1) {
            await options.sendItem(call[0]!.item, call[0]!.p.deliveredVersion, requestId, worker.signal)
            delivered(call[0]!.p, call[0]!.item)
            continue
          }
          const out = await registry.call(ProgressBatch, { steps: call.map((w) => w.item.payload as ProgressSyncInput) }, { ...ctx, connector: target, operation: stepsOp! })
          call.forEach((w, k) => {
            const r = out.results[k]
            if (r !== undefined && r.failure === undefined) delivered(w.p, w.item)
            else failed(w.p, w.item, r?.failure ? toError(r.failure) : new UpstreamError('bad_response', 'The progress batch reply did not cover this step.'))
          })
        } catch (caught) {
          if (aborted()) break
          for (const w of call) failed(w.p, w.item, caught) // the whole call: every step of it
        }
      }
    }
    await lease.keep() // a lease lost by now must not be settled

    // One backoff for the round's retries (they failed together, they retry together): one wake-up.
    const settled = plans.filter((p) => !p.lost)
    const retrying = settled.filter((p) => p.retry)
    let nextAttemptAt: Date | undefined
    if (retrying.length > 0) {
      const attempts = Math.max(...retrying.map((p) => p.retry!.judged.attempts))
      const retryAfter = Math.max(0, ...retrying.map((p) => p.retry!.judged.retryAfterMs ?? 0))
      const delay = retryDelay(attempts, config.retry, retryAfter > 0 ? retryAfter : undefined)
      nextAttemptAt = new Date(Date.now() + delay)
      log.info({ jobId, dossiers: retrying.length, kind: retrying[0]!.retry!.judged.kind, attempts, delayMs: delay }, 'delivery failed; retry scheduled')
    }
    if (settled.length > 0) await store.settleBatch(target, owner, settled.map((p) => toSettle(p, nextAttemptAt)))
    lease.handedOver() // the settle released every lease still ours
    observeRound(metrics, target, {
      delivered: settled.flatMap((p) => p.delivered),
      superseded: settled.reduce((n, p) => n + p.superseded.length, 0),
      dead: settled.flatMap((p) => p.dead.map((d) => d.item)),
      retried: retrying.map((p) => p.retry!.item),
    })
    // A lost timed wake-up is the reconciler's (it looks for retries past their time).
    const schedule = (at: Date) => options.wakeAt(at).catch((err: unknown) => log.warn({ err }, 'could not schedule a retry wake-up; the reconciler will'))
    if (nextAttemptAt) await schedule(nextAttemptAt)
    if (circuitUntil > pausedUntil) {
      // Changes accepted meanwhile are first tried when the circuit lets a probe through.
      pausedUntil = circuitUntil
      if (nextAttemptAt === undefined || nextAttemptAt.getTime() > circuitUntil) await schedule(new Date(circuitUntil))
    }
    if (stopped) return 'stopped'
    return settled.length > 0 && retrying.length === settled.length ? 'retrying' : 'more'
  }

  /** A closing worker leaves what is open to another replica (or the next start) at once, not to the reconciler. */
  async function handOver(): Promise<string> {
    await options.wakeNow().catch((err: unknown) => log.warn({ err }, 'could not hand the target over; the reconciler will'))
    return 'stopping'
  }

  /**
   * Rounds until the work is done. After a full round (it took `batchSize` dossiers or its whole
   * window of rows: a backlog) the drain claims again. After a round that took less, every free
   * dossier with open work was in it, so one cheap check of the round's own dossiers suffices: a
   * newer change accepted while this drain held one of them may be invisible to the settle's
   * snapshot and its own wake-up may have found the dossier still leased, so only this drain
   * knows to deliver it — the check (after the settle committed) sees it, and the drain claims
   * again. Work accepted for other dossiers during the round has its own wake-up (each accept
   * enqueues one after its commit, coalesced per slot, one kept waiting while one runs). That
   * check replaces the claim after every round, which found nothing most of the time and cost
   * PostgreSQL a full claim each time (planning and the window scan: 2–4 ms). Not after a round
   * where every dossier failed: each now waits for a timed wake-up, newer changes included (and
   * while the upstream fails, claims are not wanted).
   */
  return async function drain(jobId: string, worker: JobWorker): Promise<string> {
    for (let n = 0; n < MAX_ROUNDS; n++) {
      if (worker.stopping()) return handOver()
      // The round that saw the circuit open scheduled a wake-up for its reopening. That job fires by
      // the queue's clock, not this process's: a drain woken within a second of the time goes ahead.
      if (Date.now() < pausedUntil - 1000) return 'circuit-open'
      const owner = leaseOwner(worker.instance, jobId)
      let claims: BatchClaim[] = []
      const plans: Plan[] = []
      const outcome = await withLease({
        leaseMs: options.leaseMs, log, stopping: worker.stopping,
        claim: async () => (claims = await store.claimBatch(target, owner, options.leaseMs, config.batchSize)).length > 0 && claims,
        async renew() {
          const held = await store.renew(target, plans.filter((p) => !p.lost).map((p) => p.code), owner, options.leaseMs)
          for (const p of plans) {
            if (p.lost || held.has(p.code)) continue
            p.lost = true
            log.warn({ jobId, dossier: p.code }, 'dossier lease lapsed mid-round; its new holder delivers what is still open')
          }
          return plans.some((p) => !p.lost)
        },
        release: () => store.release(target, claims.map((c) => c.code), owner),
      }, (claimed, lease) => {
        plans.push(...claimed.map(toPlan))
        return round(plans, owner, jobId, lease, worker)
      })
      if (outcome === 'busy') return n === 0 ? 'idle' : 'drained'
      if (outcome === 'retrying') return 'retrying'
      if (outcome === 'stopped') return handOver()
      // A full claim (every dossier it could take, or its whole window of rows) may have left work behind: claim again.
      const full = claims.length >= config.batchSize || claims.reduce((n, c) => n + c.items.length, 0) >= config.batchSize * CLAIM_WINDOW
      if (!full && !(await store.hasDueWork(target, claims.map((c) => c.code)))) return 'drained'
    }
    await options.wakeNow()
    return 'more-next-time'
  }
}
