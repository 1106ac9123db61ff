/**
 * The scheduled, leased poll of the national portal's pulled flows (the interlinked birth and
 * death registrations): list what waits, read each item, commit its event (or quarantine it)
 * through `PortalInbound.take`, and only then acknowledge it upstream. A crash between commit and
 * acknowledgement means the item is listed again; its key makes the second take a duplicate, and
 * it is acknowledged then. One replica polls at a time (a lease row); the schedule is a BullMQ
 * repeatable job (src/sync/reconciler.ts), so a Redis flush heals itself.
 */
import { randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import type { Db } from '../db/types.js'
import type { ConnectorRegistry } from '../upstream/registry.js'
import { UpstreamError } from '../upstream/errors.js'
import { startReconciler, type Reconciler } from '../sync/reconciler.js'
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
export function pollInterlinked(o: PollOptions): () => Promise<number> {
  const owner = randomUUID()
  return async function pollOnce() {
    const { rows } = await o.db.query<{ owner: string }>(
      `INSERT INTO portal_poll_lease (name, owner, until) VALUES ('interlinked', $1, now() + make_interval(secs => $2::double precision / 1000))
       ON CONFLICT (name) DO UPDATE SET owner = EXCLUDED.owner, until = EXCLUDED.until
         WHERE portal_poll_lease.until < now() OR portal_poll_lease.owner = EXCLUDED.owner
       RETURNING owner`,
      [owner, o.leaseMs],
    )
    if (rows.length === 0) return 0
    const ctx = (requestId: string) => ({ connector: o.connector, signal: AbortSignal.timeout(30_000), requestId, log: o.log })
    let taken = 0
    try {
      const { items } = await o.registry.call(InterlinkedList, {}, ctx('poll-list'))
      for (const item of items.slice(0, o.maxItems)) {
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
    } finally {
      await o.db.query(`UPDATE portal_poll_lease SET until = now() WHERE name = 'interlinked' AND owner = $1`, [owner]).catch(() => undefined)
    }
    if (taken > 0) o.log.info({ taken }, 'interlinked items taken from the national portal')
    return taken
  }
}

export function startInterlinkedPoll(o: PollOptions & { redisUrl: string; prefix: string; everyMs: number }): Reconciler {
  const once = pollInterlinked(o)
  return startReconciler({
    name: 'portal-poll', redisUrl: o.redisUrl, prefix: o.prefix, everyMs: o.everyMs, log: o.log,
    sweep: () => once().catch((err: Error) => {
      o.log.warn({ err: { message: err.message } }, 'polling the national portal\'s interlinked items failed; the next pass tries again')
      return 0
    }),
  })
}
