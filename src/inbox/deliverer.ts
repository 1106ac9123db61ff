/**
 * Outgoing webhook workers: one BullMQ queue per subscriber (`deliver-<name>`), jobs naming an
 * ordering key (a dossier). The worker holding the key's lease delivers its open events in
 * order; a failing head is retried on the configured schedule (default 0 s, 5 s, 5 min, 30 min,
 * 2 h, 5 h, 10 h, 10 h) and holds the events behind it, while other dossiers go on. Exhausted or
 * refused (4xx other than 408/409/429) → dead, replayable; 410 → the subscriber is disabled.
 */
import { randomUUID } from 'node:crypto'
import { DelayedError, Worker, type Job } from 'bullmq'
import type { RedisConnector } from '../redis.js'
import type { Logger } from 'pino'
import type { DeliveryLedger } from './delivery-store.js'
import type { Dispatcher } from './dispatch.js'

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

export function startDeliverer(options: DelivererOptions): { close(): Promise<void> } {
  const { subscriber, ledger, dispatcher, log } = options
  const instance = randomUUID().slice(0, 8)
  const connection = options.redis.connect({ maxRetriesPerRequest: null })
  connection.on('error', (err) => log.debug({ err: { message: err.message } }, 'deliverer connection error'))

  let closing = false

  async function process(job: Job<DeliverKick>, token?: string): Promise<string> {
    const { key } = job.data
    const owner = `${instance}/${job.id}/${randomUUID().slice(0, 8)}`
    if (await ledger.disabled(subscriber.name)) return 'subscriber-disabled'
    if (!(await ledger.claim(subscriber.name, key, owner, options.leaseMs))) return 'busy'
    let held = true
    // The lease is renewed while the round runs (a slow subscriber made a round outlast it, and a
    // second worker sent the same events again); a renewal that finds it taken ends the round.
    let lost = false
    const keepAlive = setInterval(() => {
      ledger.renew(subscriber.name, key, owner, options.leaseMs).then((ok) => { if (!ok) lost = true }, () => undefined)
    }, Math.max(100, Math.floor(options.leaseMs / 3)))
    try {
      for (let i = 0; i < 1000; i++) {
        if (lost) {
          held = false
          log.warn({ subscriber: subscriber.name }, 'delivery lease lapsed mid-round; its next holder goes on')
          return 'lease-lost'
        }
        // Shutting down: stop between events, not after a thousand of them; the lease is released.
        if (closing) return 'shutting-down'
        const head = await ledger.head(subscriber.name, key)
        if (!head) {
          if (await ledger.release(subscriber.name, key, owner)) {
            held = false
            return 'done'
          }
          continue
        }
        // Someone else's retry is scheduled: it keeps the order; this wake-up has nothing to do.
        if (head.state === 'retrying' && head.nextAttemptAt !== null && head.nextAttemptAt.getTime() > Date.now() + 50) {
          await ledger.release(subscriber.name, key, owner, true)
          held = false
          return 'waiting-for-retry'
        }
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
        if (outcome.kind === 'refused' || attempts >= options.scheduleMs.length) {
          const error = outcome.kind === 'refused' ? outcome.error : `gave up after ${attempts} attempts: ${outcome.error}`
          await ledger.settle(subscriber.name, head.seq, 'dead', { attempts, error, ...(outcome.status !== undefined && { status: outcome.status }) })
          options.onOutcome?.(subscriber.name, 'dead')
          log.warn({ subscriber: subscriber.name, eventId: head.eventId, attempts, status: outcome.status }, 'event dead-lettered')
          continue
        }
        const delay = Math.max(options.scheduleMs[attempts]!, outcome.retryAfterMs ?? 0)
        const nextAttemptAt = new Date(Date.now() + delay)
        await ledger.settle(subscriber.name, head.seq, 'retrying', { attempts, error: outcome.error, nextAttemptAt, ...(outcome.status !== undefined && { status: outcome.status }) })
        await ledger.release(subscriber.name, key, owner, true)
        held = false
        options.onOutcome?.(subscriber.name, 'retry')
        log.info({ subscriber: subscriber.name, eventId: head.eventId, attempts, delayMs: delay }, 'webhook delivery failed; retry scheduled')
        await job.moveToDelayed(nextAttemptAt.getTime(), token)
        throw new DelayedError()
      }
      return 'more-next-time'
    } finally {
      clearInterval(keepAlive)
      if (held) await ledger.release(subscriber.name, key, owner, true).catch(() => undefined)
    }
  }

  const worker = new Worker<DeliverKick, string>(options.queueName, process, { connection, prefix: options.prefix, concurrency: options.concurrency, maxStalledCount: 10 })
  worker.on('failed', (job, err) => {
    if (err instanceof DelayedError) return
    log.error({ jobId: job?.id, err: { message: err.message } }, 'delivery job crashed; BullMQ retries it and the reconciler covers the rest')
  })
  worker.on('error', (err) => log.warn({ err: { message: err.message } }, 'deliverer worker error'))
  return {
    async close() {
      closing = true
      await worker.close()
      await connection.quit().catch(() => connection.disconnect())
    },
  }
}
