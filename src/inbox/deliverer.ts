/**
 * Outgoing webhook workers: one BullMQ queue per subscriber (`deliver-<name>`), jobs naming an
 * ordering key (a dossier). The worker holding the key's lease delivers its open events in
 * order; a failing head is retried on the configured schedule (default 0 s, 5 s, 5 min, 30 min,
 * 2 h, 5 h, 10 h, 10 h) and holds the events behind it, while other dossiers go on. Exhausted or
 * refused (4xx other than 408/409/429) → dead, replayable; 410 → the subscriber is disabled.
 */
import type { Job } from 'bullmq'
import type { Logger } from 'pino'
import type { DeliveryLedger } from './delivery-store.js'
import type { Dispatcher } from './dispatch.js'
import { retryAt, startJobWorker, type JobWorker } from '../jobs/worker.js'
import { leaseOwner, withLease } from '../jobs/lease.js'
import { scheduledDelay } from '../jobs/backoff.js'
import type { RedisConnector } from '../redis.js'

export interface SubscriberConfig {
  name: string
  url: string
  /** Signing secrets, current first. */
  secrets: string[]
  agencies?: string[]
}

export interface DeliverKick {
  subscriber: string
  key: string
}

export interface DelivererOptions {
  subscriber: SubscriberConfig
  redis: RedisConnector
  prefix: string
  queueName: string
  scheduleMs: number[]
  timeoutMs: number
  leaseMs: number
  concurrency: number
  ledger: DeliveryLedger
  dispatcher: Dispatcher
  log: Logger
  onOutcome?: (subscriber: string, outcome: string, lagMs?: number) => void
}

/** The JSON a one-stop system receives. */
export const outgoingBody = (e: { eventId: string; type: string; body: unknown; receivedAt: Date }) =>
  JSON.stringify({ id: e.eventId, type: e.type, receivedAt: e.receivedAt.toISOString(), data: (e.body as { data?: unknown })?.data ?? e.body })

/** Rounds of one job at most: a dossier with a long backlog hands over to a fresh wake-up. */
const MAX_EVENTS = 1000

export function startDeliverer(options: DelivererOptions): { close(): Promise<void> } {
  const { subscriber, ledger, dispatcher, log } = options

  async function process(job: Job<DeliverKick>, token: string | undefined, worker: JobWorker): Promise<string> {
    const { key } = job.data
    const owner = leaseOwner(worker.instance, job.id)
    if (await ledger.disabled(subscriber.name)) return 'subscriber-disabled'
    // The lease is renewed while the round runs (a slow subscriber made a round outlast it, and a
    // second worker sent the same events again); a renewal that finds it taken ends the round, and
    // so does shutdown, between events, not after a thousand of them.
    return withLease({
      leaseMs: options.leaseMs, log, stopping: worker.stopping,
      claim: () => ledger.claim(subscriber.name, key, owner, options.leaseMs),
      renew: () => ledger.renew(subscriber.name, key, owner, options.leaseMs),
      release: () => ledger.release(subscriber.name, key, owner, true),
    }, async (_claimed, lease) => {
      for (let i = 0; i < MAX_EVENTS; i++) {
        if (!(await lease.next())) {
          if (!lease.lost) return 'shutting-down'
          log.warn({ subscriber: subscriber.name }, 'delivery lease lapsed mid-round; its next holder goes on')
          return 'lease-lost'
        }
        const head = await ledger.head(subscriber.name, key)
        if (!head) {
          if (await ledger.release(subscriber.name, key, owner)) {
            lease.handedOver()
            return 'done'
          }
          continue
        }
        // Someone else's retry is scheduled: it keeps the order; this wake-up has nothing to do.
        if (head.state === 'retrying' && head.nextAttemptAt !== null && head.nextAttemptAt.getTime() > Date.now() + 50) return 'waiting-for-retry'
        const attempts = head.attempts + 1
        const outcome = await dispatcher.send({ url: subscriber.url, secrets: subscriber.secrets, eventId: head.eventId, body: outgoingBody(head), timeoutMs: options.timeoutMs })
        if (outcome.kind === 'delivered') {
          await ledger.settle(subscriber.name, head.seq, 'delivered', { attempts, status: outcome.status })
          options.onOutcome?.(subscriber.name, 'delivered', Date.now() - head.createdAt.getTime())
          continue
        }
        if (outcome.kind === 'gone') {
          await ledger.disable(subscriber.name, `answered 410 Gone to event ${head.eventId}`)
          await ledger.settle(subscriber.name, head.seq, head.state, { attempts: head.attempts, status: 410, error: 'subscriber answered 410 Gone; disabled until an admin re-enables it' })
          options.onOutcome?.(subscriber.name, 'gone')
          log.warn({ subscriber: subscriber.name }, 'subscriber answered 410 Gone: disabled until an admin re-enables it')
          return 'gone'
        }
        const delay = outcome.kind === 'retry' ? scheduledDelay(attempts, options.scheduleMs, outcome.retryAfterMs) : undefined
        if (delay === undefined) {
          const error = outcome.kind === 'refused' ? outcome.error : `gave up after ${attempts} attempts: ${outcome.error}`
          await ledger.settle(subscriber.name, head.seq, 'dead', { attempts, error, ...(outcome.status !== undefined && { status: outcome.status }) })
          options.onOutcome?.(subscriber.name, 'dead')
          log.warn({ subscriber: subscriber.name, eventId: head.eventId, attempts, status: outcome.status }, 'event dead-lettered')
          continue
        }
        const nextAttemptAt = new Date(Date.now() + delay)
        await ledger.settle(subscriber.name, head.seq, 'retrying', { attempts, error: outcome.error, nextAttemptAt, ...(outcome.status !== undefined && { status: outcome.status }) })
        await ledger.release(subscriber.name, key, owner, true)
        lease.handedOver()
        options.onOutcome?.(subscriber.name, 'retry')
        log.info({ subscriber: subscriber.name, eventId: head.eventId, attempts, delayMs: delay }, 'webhook delivery failed; retry scheduled')
        return retryAt(job, token, nextAttemptAt.getTime())
      }
      return 'more-next-time'
    })
  }

  return startJobWorker<DeliverKick>({
    queueName: options.queueName, redis: options.redis, prefix: options.prefix, concurrency: options.concurrency, log, what: 'delivery', process,
  })
}
