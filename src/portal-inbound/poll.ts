/**
 * The scheduled, leased poll of the national portal's pulled flows (the interlinked birth and
 * death registrations): list what waits, read each item, commit its event (or quarantine it)
 * through `PortalInbound.take`, and only then acknowledge it upstream. A crash between commit and
 * acknowledgement means the item is listed again; its key makes the second take a duplicate, and
 * it is acknowledged then. One replica polls at a time (a lease row); the schedule is a BullMQ
 * repeatable job (src/jobs/schedule.ts), so a Redis flush heals itself. The lease is renewed while
 * a pass runs (`withLease`), and a pass stops between items when the worker closes.
 */
import { randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import type { Db } from '../db/types.js'
import type { RedisConnector } from '../redis.js'
import type { ConnectorRegistry } from '../upstream/registry.js'
import { UpstreamError } from '../upstream/errors.js'
import { startSchedule, type Schedule } from '../jobs/schedule.js'
import { withLease } from '../jobs/lease.js'
import type { PortalInbound } from './index.js'
import { InterlinkedAck, InterlinkedList, InterlinkedRead } from '../contracts/portal.js'

export interface PollOptions {
  db: Db
  registry: ConnectorRegistry
  inbound: PortalInbound
  connector: string
  leaseMs: number
  maxItems: number
  log: Logger
}

/** One pass; returns how many items were taken (accepted, duplicate or quarantined) and acknowledged. */
export function pollInterlinked(o: PollOptions): (stopping?: () => boolean) => Promise<number> {
  const owner = randomUUID()
  const extend = async (sql: string) => (await o.db.query<{ owner: string }>(sql, [owner, o.leaseMs])).rows.length > 0
  return async function pollOnce(stopping = () => false) {
    const ctx = (requestId: string) => ({ connector: o.connector, signal: AbortSignal.timeout(30_000), requestId, log: o.log })
    let taken = 0
    await withLease({
      leaseMs: o.leaseMs, log: o.log, stopping,
      claim: () => extend(
        `INSERT INTO portal_poll_lease (name, owner, until) VALUES ('interlinked', $1, now() + make_interval(secs => $2::double precision / 1000))
         ON CONFLICT (name) DO UPDATE SET owner = EXCLUDED.owner, until = EXCLUDED.until
           WHERE portal_poll_lease.until < now() OR portal_poll_lease.owner = EXCLUDED.owner
         RETURNING owner`,
      ),
      renew: () => extend(`UPDATE portal_poll_lease SET until = now() + make_interval(secs => $2::double precision / 1000) WHERE name = 'interlinked' AND owner = $1 RETURNING owner`),
      release: () => o.db.query(`UPDATE portal_poll_lease SET until = now() WHERE name = 'interlinked' AND owner = $1`, [owner]),
    }, async (_claimed, lease) => {
      const { items } = await o.registry.call(InterlinkedList, {}, ctx('poll-list'))
      for (const item of items.slice(0, o.maxItems)) {
        if (!(await lease.next())) break // closing, or another replica took over: the rest is listed again next pass
        const receivedAt = new Date().toISOString()
        const read = await o.registry.call(InterlinkedRead, { item, receivedAt }, ctx(`poll-${item.id}`))
        const result = await o.inbound.take({ channel: 'interlinked', name: item.module || 'unknown', key: `interlinked:${item.id}`, raw: { item, detail: read.raw } }, async () => {
          if (read.event === undefined) throw new UpstreamError('rejected', read.refusal ?? 'The interlinked item cannot be read.')
          return read.event
        })
        if (result.outcome === 'quarantined') o.log.warn({ item: item.id, dossier: item.dossierCode, reason: result.reason }, 'interlinked item quarantined; acknowledged so it is not pulled again')
        await o.registry.call(InterlinkedAck, { dossierCode: item.dossierCode }, ctx(`poll-ack-${item.id}`))
        taken++
      }
    })
    if (taken > 0) o.log.info({ taken }, 'interlinked items taken from the national portal')
    return taken
  }
}

export function startInterlinkedPoll(o: PollOptions & { redis: RedisConnector; prefix: string; everyMs: number }): Schedule {
  const once = pollInterlinked(o)
  return startSchedule({
    name: 'portal-poll', redis: o.redis, prefix: o.prefix, everyMs: o.everyMs, log: o.log,
    run: (stopping) => once(stopping).catch((err: unknown) => {
      o.log.warn({ err }, 'polling the national portal\'s interlinked items failed; the next pass tries again')
      return 0
    }),
  })
}
