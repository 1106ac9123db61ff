/**
 * A job worker, schedule or queue set closed while its Redis connections are still starting up
 * (a hub stopped right after it started, or whose event loop was blocked meanwhile) leaves no
 * rejection behind. BullMQ's start-up `INFO` check was left unhandled when the worker was closed
 * and its connection quit before that check answered ("Connection is closed.", the openapi-lint
 * teardown flake; taskforcesh/bullmq#3546): src/jobs waits for the start-up (`startedUp`) first.
 */
import t from 'tap'
import { randomBytes } from 'node:crypto'
import { pino } from 'pino'
import { createRedisConnector } from '../../../src/redis.js'
import { startJobWorker } from '../../../src/jobs/worker.js'
import { startSchedule } from '../../../src/jobs/schedule.js'
import { createJobQueues } from '../../../src/jobs/queues.js'
import { deleteRedisPrefix, TEST_REDIS_URL } from '../../helpers/hub.js'

const log = pino({ level: 'silent' })
const redis = createRedisConnector({ url: TEST_REDIS_URL })
const prefix = `test:${randomBytes(4).toString('hex')}:`
t.teardown(() => deleteRedisPrefix(prefix))

/** Collects the process's unhandled rejections while `fn` runs and a little after. */
async function unhandledDuring(fn: () => Promise<void>): Promise<string[]> {
  const seen: string[] = []
  const listener = (err: unknown) => void seen.push(String((err as Error)?.message ?? err))
  process.on('unhandledRejection', listener)
  try {
    await fn()
    await new Promise((r) => setTimeout(r, 200)) // the sockets' close events come after close() returns
  } finally {
    process.off('unhandledRejection', listener)
  }
  return seen
}

/** The event loop blocked for `ms` (a loaded machine, a synchronous child process): connections stay half open. */
const block = (ms: number) => {
  const until = Date.now() + ms
  while (Date.now() < until);
}
const pauses = [0, 1, 2, 5, 10, 20]

const subjects: Array<[string, () => { close(): Promise<void> }]> = [
  ['a job worker', () => startJobWorker({ queueName: 'close-at-start', redis, prefix: `${prefix}bull`, concurrency: 1, log, what: 'test', process: async () => undefined })],
  ['a schedule', () => startSchedule({ name: 'close-at-start', redis, prefix: `${prefix}bull`, everyMs: 60_000, log, run: async () => 0 })],
  ['a queue set', () => createJobQueues({ redis, prefix: `${prefix}bull`, names: ['a', 'b'], enqueueTimeoutMs: 1000, log, lostTo: 'test' })],
]

for (const [what, start] of subjects) {
  t.test(`${what} closed while starting up`, async (t) => {
    const seen = await unhandledDuring(async () => {
      for (const pause of pauses) for (const busy of [0, 30]) {
        const subject = start()
        await new Promise((r) => setTimeout(r, pause))
        block(busy)
        await subject.close()
      }
    })
    t.strictSame(seen, [], 'no unhandled rejection')
  })
}
