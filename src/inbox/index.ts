/**
 * Inbound events, wired together: the inbox ledger (group commit), one delivery queue and worker
 * per subscribing one-stop system, a reconciler for lost wake-ups and retention, and the admin views.
 */
import { Counter, Histogram, type Registry } from 'prom-client'
import type { Logger } from 'pino'
import type { Db } from '../db/types.js'
import { createInboxStore, type InboxCommitHook, type FeedEvent, type IncomingEvent, type IngestResult } from './store.js'
import { createDeliveryLedger } from './delivery-store.js'
import { createDispatcher } from './dispatch.js'
import { prunedThrough, pruneDeliveredEvents, pruneIdleLeases } from './retention.js'
import { startDeliverer, type DeliverKick, type SubscriberConfig } from './deliverer.js'
import { startSchedule, type Schedule } from '../jobs/schedule.js'
import { createJobQueues, jobIdFor } from '../jobs/queues.js'
import { isWebhookId } from '../webhooks/signature.js'
import type { RedisConnector } from '../redis.js'

export interface InboxConfig {
  subscribers: SubscriberConfig[]
  scheduleMs: number[]
  timeoutMs: number
  leaseMs: number
  concurrency: number
  reconcileEveryMs: number
  staleAfterMs: number
  /** Delivered events received longer ago than this are pruned (0 = kept forever); see retention.ts. */
  keepDeliveredMs: number
}

export interface DeadDelivery {
  subscriber: string
  seq: number
  eventId: string
  type: string
  attempts: number
  lastStatus: number | null
  lastError: string | null
  deadAt: string
}

export interface InboxService {
  ingest(event: IncomingEvent): Promise<IngestResult>
  feed: ReturnType<typeof createInboxStore>['feed']
  /** The highest seq retention has pruned (0 = none): the feed may have holes at or below it. */
  prunedThrough(): Promise<number>
  subscribers(): Promise<Array<{ name: string; url: string; agencies: string[] | null; disabledAt: string | null; disabledReason: string | null; open: number; dead: number }>>
  enable(name: string): Promise<boolean>
  deadDeliveries(q: { subscriber?: string; limit: number }): Promise<DeadDelivery[]>
  replay(subscriber: string, seq: number): Promise<boolean>
  metrics: { received: Counter<'source' | 'outcome'> }
  close(): Promise<void>
}

export function createInboxService(deps: { db: Db; redis: RedisConnector; keyPrefix: string; config: InboxConfig; registry: Registry; log: Logger; runWorkers: boolean; onCommit?: InboxCommitHook }): InboxService {
  const { db, config } = deps
  const log = deps.log.child({ component: 'inbox' })
  const prefix = deps.redis.bullPrefix(deps.keyPrefix)
  const store = createInboxStore({ db, subscribers: config.subscribers, ...(deps.onCommit && { onCommit: deps.onCommit }) })
  const ledger = createDeliveryLedger(db)
  const dispatcher = createDispatcher()
  const byName = new Map(config.subscribers.map((s) => [s.name, s]))
  const queueName = (name: string) => `deliver-${name}`
  const queues = createJobQueues<DeliverKick>({
    redis: deps.redis, prefix, names: config.subscribers.map((s) => queueName(s.name)), enqueueTimeoutMs: 1000, log,
    lostTo: 'the reconciler will pick the event up',
  })
  const received = new Counter({ name: 'lgsp_webhooks_received_total', help: 'Inbound webhooks by source and outcome (accepted, duplicate, or the refusal reason)', labelNames: ['source', 'outcome'], registers: [deps.registry] })
  const outcomes = new Counter({ name: 'lgsp_webhook_deliveries_total', help: 'Outgoing webhook attempts by subscriber and outcome', labelNames: ['subscriber', 'outcome'], registers: [deps.registry] })
  const lag = new Histogram({ name: 'lgsp_webhook_delivery_lag_seconds', help: 'From inbox commit to a 2xx from the subscriber', labelNames: ['subscriber'], buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 30, 300, 1800, 7200, 36000], registers: [deps.registry] })

  async function kick(subscriber: string, key: string, jobId: string): Promise<void> {
    if (!byName.has(subscriber)) return // a subscriber removed from the config: its rows wait for an operator
    await queues.add(queueName(subscriber), 'deliver', { subscriber, key }, { jobId }, { subscriber })
  }

  const workers = deps.runWorkers
    ? config.subscribers.map((s) => startDeliverer({
        subscriber: s, redis: deps.redis, prefix, queueName: queueName(s.name), scheduleMs: config.scheduleMs, timeoutMs: config.timeoutMs,
        leaseMs: config.leaseMs, concurrency: config.concurrency, ledger, dispatcher, log,
        onOutcome: (sub, outcome, lagMs) => {
          outcomes.inc({ subscriber: sub, outcome })
          if (lagMs !== undefined) lag.observe({ subscriber: sub }, lagMs / 1000)
        },
      }))
    : []

  async function kickStale(): Promise<number> {
    const { rows } = await db.query<{ subscriber: string; ordering_key: string }>(
      `SELECT DISTINCT d.subscriber, d.ordering_key FROM deliveries d
       LEFT JOIN subscriber_state s ON s.subscriber = d.subscriber
       WHERE d.state IN ('pending', 'retrying') AND s.disabled_at IS NULL
         AND d.created_at < now() - make_interval(secs => $1::double precision / 1000)
         AND (d.next_attempt_at IS NULL OR d.next_attempt_at < now() - make_interval(secs => $1::double precision / 1000))
       LIMIT 5000`,
      [config.staleAfterMs],
    )
    // A time bucket in the id: a wake-up that failed for good must not block later reconciles.
    for (const r of rows) await kick(r.subscriber, r.ordering_key, jobIdFor('r', r.ordering_key, Math.floor(Date.now() / config.staleAfterMs)))
    if (rows.length > 0) log.info({ kicked: rows.length }, 'reconciler re-enqueued event deliveries that waited too long')
    return rows.length
  }

  // Where the next retention pass resumes its walk of the inbox (retention.ts); per process, as
  // any replica may run a pass and each walk covers the whole ledger in its rounds.
  let pruneFrom = 0
  async function prune(): Promise<void> {
    const events = await pruneDeliveredEvents(db, config.keepDeliveredMs, { after: pruneFrom }).catch((err: unknown) => {
      log.warn({ err }, 'could not prune delivered inbound events; the next pass tries again')
      return { pruned: 0, next: pruneFrom }
    })
    pruneFrom = events.next
    const leases = await pruneIdleLeases(db).catch((err: unknown) => {
      log.warn({ err }, 'could not prune idle delivery leases; the next pass tries again')
      return 0
    })
    if (events.pruned > 0 || leases > 0) log.info({ pruned: events.pruned, leases }, 'pruned delivered inbound events past their retention and idle delivery leases')
  }

  // Retention runs even with no subscriber configured: events routed while there were some still
  // carry personal data.
  let reconciler: Schedule | undefined
  if (deps.runWorkers && (config.subscribers.length > 0 || config.keepDeliveredMs > 0)) {
    reconciler = startSchedule({
      name: 'inbox', redis: deps.redis, prefix, everyMs: config.reconcileEveryMs, log,
      run: async () => {
        try {
          return await kickStale()
        } finally {
          await prune()
        }
      },
    })
  }

  async function wakeAll(subscriber: string) {
    const { rows } = await db.query<{ ordering_key: string }>(`SELECT DISTINCT ordering_key FROM deliveries WHERE subscriber = $1 AND state IN ('pending', 'retrying')`, [subscriber])
    for (const r of rows) await kick(subscriber, r.ordering_key, jobIdFor('e', r.ordering_key, Date.now()))
  }

  return {
    async ingest(event) {
      if (!isWebhookId(event.eventId)) throw new Error(`event id ${JSON.stringify(event.eventId.slice(0, 80))} cannot be a webhook-id (printable ASCII, no spaces or ".")`)
      const result = await store.ingest(event)
      for (const r of result.routedTo) await kick(r.subscriber, r.orderingKey, jobIdFor('i', result.seq))
      return result
    },
    feed: (q) => store.feed(q),
    prunedThrough: () => prunedThrough(db),
    async subscribers() {
      const { rows } = await db.query<{ subscriber: string; disabled_at: Date | null; disabled_reason: string | null; open: number; dead: number }>(
        `SELECT s.name AS subscriber, st.disabled_at, st.disabled_reason,
           (SELECT count(*)::int FROM deliveries d WHERE d.subscriber = s.name AND d.state IN ('pending', 'retrying')) AS open,
           (SELECT count(*)::int FROM deliveries d WHERE d.subscriber = s.name AND d.state = 'dead') AS dead
         FROM unnest($1::text[]) AS s(name) LEFT JOIN subscriber_state st ON st.subscriber = s.name`,
        [config.subscribers.map((s) => s.name)],
      )
      return rows.map((r) => {
        const s = byName.get(r.subscriber)!
        return { name: s.name, url: s.url, agencies: s.agencies ?? null, disabledAt: r.disabled_at?.toISOString() ?? null, disabledReason: r.disabled_reason, open: r.open, dead: r.dead }
      })
    },
    async enable(name) {
      if (!byName.has(name)) return false
      await db.query('UPDATE subscriber_state SET disabled_at = NULL, disabled_reason = NULL WHERE subscriber = $1', [name])
      await wakeAll(name)
      return true
    },
    async deadDeliveries(q) {
      const { rows } = await db.query<{ subscriber: string; seq: number; event_id: string; type: string; attempts: number; last_status: number | null; last_error: string | null; done_at: Date }>(
        `SELECT d.subscriber, d.seq, i.event_id, i.type, d.attempts, d.last_status, d.last_error, d.done_at
         FROM deliveries d JOIN inbox i ON i.seq = d.seq WHERE d.state = 'dead' AND ($1::text IS NULL OR d.subscriber = $1) ORDER BY d.seq LIMIT $2`,
        [q.subscriber ?? null, q.limit],
      )
      return rows.map((r) => ({ subscriber: r.subscriber, seq: r.seq, eventId: r.event_id, type: r.type, attempts: r.attempts, lastStatus: r.last_status, lastError: r.last_error, deadAt: r.done_at.toISOString() }))
    },
    async replay(subscriber, seq) {
      const { rows } = await db.query<{ ordering_key: string }>(
        `UPDATE deliveries SET state = 'pending', attempts = 0, next_attempt_at = NULL, done_at = NULL WHERE subscriber = $1 AND seq = $2 AND state = 'dead' RETURNING ordering_key`,
        [subscriber, seq],
      )
      if (rows.length === 0) return false
      await kick(subscriber, rows[0]!.ordering_key, jobIdFor('p', seq, Date.now()))
      return true
    },
    metrics: { received },
    async close() {
      await reconciler?.close()
      await Promise.allSettled(workers.map((w) => w.close()))
      await store.close()
      await queues.close()
      await dispatcher.close()
    },
  }
}
