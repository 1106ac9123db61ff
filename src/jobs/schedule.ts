/**
 * A repeating job: a BullMQ job scheduler that runs `run` every `everyMs` on one replica at a
 * time (the outbox and inbox reconcilers, the axis poller, the portal pull). Every replica
 * re-registers the schedule periodically, so even a Redis flush that took the schedule with it
 * heals itself.
 */
import { Queue } from 'bullmq'
import type { Logger } from 'pino'
import { startedUp, startJobWorker } from './worker.js'
import type { RedisConnector } from '../redis.js'

export interface ScheduleOptions {
  /** Names the queue (`<name>-maintenance`) and its scheduler (`reconcile-<name>`); one per schedule. */
  name: string
  redis: RedisConnector
  prefix: string
  everyMs: number
  log: Logger
  /** One run; answers how much it did (e.g. wake-ups enqueued), for `runOnce` callers. A long run stops between steps once `stopping()`. */
  run: (stopping: () => boolean) => Promise<number>
}

export interface Schedule {
  /** One run now, in this process. */
  runOnce(): Promise<number>
  close(): Promise<void>
}

export function startSchedule(options: ScheduleOptions): Schedule {
  const { log } = options
  // The names predate this module (the reconciler's); kept so a rolling upgrade shares one schedule.
  const QUEUE = `${options.name}-maintenance`
  const SCHEDULER = `reconcile-${options.name}`
  const connection = options.redis.connect({ maxRetriesPerRequest: null })
  connection.on('error', (err) => log.debug({ err }, 'schedule connection error')) // ensureSchedule reports what matters
  const queue = new Queue(QUEUE, { connection, prefix: options.prefix })
  // Without a listener BullMQ prints every connection error to stderr (a Redis failover: dozens).
  queue.on('error', (err) => log.debug({ err }, 'schedule queue error'))

  const ensureSchedule = () =>
    queue.upsertJobScheduler(SCHEDULER, { every: options.everyMs }, { name: 'reconcile', opts: { removeOnComplete: true, removeOnFail: 100 } })
      .catch((err: unknown) => log.warn({ err, schedule: options.name }, 'could not register a schedule; retrying later'))
  void ensureSchedule()
  const watchdog = setInterval(() => void ensureSchedule(), Math.max(options.everyMs, 1000) * 2)
  watchdog.unref()

  const worker = startJobWorker({
    queueName: QUEUE, redis: options.redis, prefix: options.prefix, concurrency: 1, log, what: `${options.name} schedule`,
    maxStalledCount: 1,
    crashed: { level: 'warn', message: `${options.name} run failed; the next run retries` },
    process: (_job, _token, shell) => options.run(shell.stopping),
  })

  return {
    runOnce: () => options.run(() => false),
    async close() {
      clearInterval(watchdog)
      await worker.close()
      await startedUp(queue, connection) // as the worker's close does
      await queue.close()
      await connection.quit().catch(() => connection.disconnect()) // already gone: drop it
    },
  }
}
