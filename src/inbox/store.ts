/**
 * The inbox ledger. Events are committed in groups (src/db/group-commit.ts) under an advisory
 * lock held to commit: inside it each batch drops ids already stored (redeliveries), numbers the
 * new events last + 1, … and creates one delivery row per subscriber whose agencies match. Sequence
 * order is therefore commit order without holes, which makes `seq` a safe feed cursor. Retention
 * (retention.ts) later deletes old delivered events; numbering continues above the highest seq
 * it ever pruned, so no seq is handed out twice.
 */
import type { Db, Queryable } from '../db/types.js'
import { LockPurpose } from '../db/locks.js'
import { createGroupCommitter } from '../db/group-commit.js'
import { agencyMatcher } from '../agencies.js'

export interface IncomingEvent {
  eventId: string
  source: string
  type: string
  agencyCode: string | null
  dossierCode: string | null
  /** Events sharing this key are delivered in order; default: per dossier (see `orderingKey`). */
  orderingKey?: string
  /** The event as received (parsed JSON). */
  body: unknown
}

export interface IngestResult {
  seq: number
  duplicate: boolean
  /** Subscribers the event was routed to (empty for a duplicate or an unrouted event). */
  routedTo: Array<{ subscriber: string; orderingKey: string }>
}

export interface SubscriberRoute {
  name: string
  agencies?: string[]
}

export interface FeedEvent {
  seq: number
  id: string
  source: string
  type: string
  agencyCode: string | null
  dossierCode: string | null
  receivedAt: string
  body: unknown
}

export interface InboxStore {
  ingest(event: IncomingEvent): Promise<IngestResult>
  feed(q: { after: number; limit: number; agencies?: string[]; unroutedOnly?: boolean }): Promise<FeedEvent[]>
  close(): Promise<void>
}

/** Events of one dossier are delivered in order; an event without a dossier stands alone. */
export const orderingKey = (e: Pick<IncomingEvent, 'dossierCode' | 'eventId' | 'orderingKey'>) =>
  e.orderingKey ?? (e.dossierCode ? `dossier:${e.dossierCode}` : `event:${e.eventId}`)

/** The inbox's numbering lock (src/db/locks.ts's key space), waiting at most the lock_timeout set first (the volatile subquery runs before the lock). */
const LOCK_SQL = `SELECT pg_advisory_xact_lock($2::int4, hashtext(coalesce(current_schema(), '')))
  FROM (SELECT set_config('lock_timeout', $1, true)) timeout`

/** Runs inside the batch's transaction with the events it stored (duplicates left out), e.g. the indicators. */
export type InboxCommitHook = (tx: Queryable, events: IncomingEvent[]) => Promise<void>

export function createInboxStore(options: { db: Db; subscribers: SubscriberRoute[]; maxBatch?: number; maxWaitMs?: number; lockTimeoutMs?: number; onCommit?: InboxCommitHook }): InboxStore {
  const { db } = options
  const routes = options.subscribers.map((s) => ({ name: s.name, matches: agencyMatcher(s.agencies ? { agencies: s.agencies } : null) }))
  const lockTimeout = `${options.lockTimeoutMs ?? 5000}ms`

  async function commit(batch: IncomingEvent[]): Promise<IngestResult[]> {
    return db.transaction(async (tx) => {
      // Round trips are what bounds ingest (one commit in flight at a time): the lock with its
      // timeout in one statement, the known ids and the head in one, the rows in one.
      await tx.query(LOCK_SQL, [lockTimeout, LockPurpose.inboxSeq])
      // Above the highest pruned seq too (retention.ts): when the newest events were pruned, their
      // seqs may still be clients' feed cursors and must never number another event.
      const known = await tx.query<{ event_id: string | null; seq: number }>(
        `SELECT event_id, seq FROM inbox WHERE event_id = ANY($1::text[])
         UNION ALL
         SELECT NULL, greatest(coalesce((SELECT max(seq) FROM inbox), 0), (SELECT coalesce(max(pruned_through), 0) FROM inbox_retention))::bigint`,
        [batch.map((e) => e.eventId)],
      )
      const seen = new Map<string, number>()
      let head = 0
      for (const r of known.rows) {
        if (r.event_id === null) head = Number(r.seq)
        else seen.set(r.event_id, r.seq)
      }
      // One parameter list for the events and their delivery rows: they go in one statement.
      const params: unknown[] = []
      const inboxRows: string[] = []
      const deliveryRows: string[] = []
      const results = batch.map((e): IngestResult => {
        const prior = seen.get(e.eventId)
        if (prior !== undefined) return { seq: prior, duplicate: true, routedTo: [] }
        const seq = ++head
        seen.set(e.eventId, seq)
        const routedTo = e.agencyCode === null ? [] : routes.filter((r) => r.matches(e.agencyCode!)).map((r) => ({ subscriber: r.name, orderingKey: orderingKey(e) }))
        const n = params.length
        inboxRows.push(`($${n + 1}, $${n + 2}, $${n + 3}, $${n + 4}, $${n + 5}, $${n + 6}, $${n + 7}, $${n + 8})`)
        params.push(seq, e.eventId, e.source, e.type, e.agencyCode, e.dossierCode, JSON.stringify(e.body), routedTo.length > 0)
        for (const r of routedTo) {
          const m = params.length
          deliveryRows.push(`($${m + 1}, $${m + 2}, $${m + 3})`)
          params.push(r.subscriber, seq, r.orderingKey)
        }
        return { seq, duplicate: false, routedTo }
      })
      if (inboxRows.length > 0) {
        const inbox = `INSERT INTO inbox (seq, event_id, source, type, agency_code, dossier_code, body, routed) VALUES ${inboxRows.join(', ')}`
        // The foreign key of the delivery rows is checked at the end of the statement, when the events are in.
        await tx.query(deliveryRows.length === 0 ? inbox : `WITH events AS (${inbox}) INSERT INTO deliveries (subscriber, seq, ordering_key) VALUES ${deliveryRows.join(', ')}`, params)
        await options.onCommit?.(tx, batch.filter((_, i) => !results[i]!.duplicate))
      }
      return results
    })
  }

  // 8 parameters per event and 3 per subscriber it goes to, in one statement: 256 events stay under
  // PostgreSQL's 65,535 with up to 80 subscribers each.
  const writer = createGroupCommitter<IncomingEvent, IngestResult>({ maxBatch: options.maxBatch ?? 256, maxWaitMs: options.maxWaitMs ?? 2, commit })

  return {
    ingest: (event) => writer.submit(event),
    async feed(q) {
      const { rows } = await db.query<{ seq: number; event_id: string; source: string; type: string; agency_code: string | null; dossier_code: string | null; received_at: Date; body: unknown }>(
        `SELECT seq, event_id, source, type, agency_code, dossier_code, received_at, body FROM inbox
         WHERE seq > $1 AND ($2::text[] IS NULL OR agency_code LIKE ANY($2::text[])) AND ($3::boolean = false OR NOT routed)
         ORDER BY seq LIMIT $4`,
        [q.after, q.agencies ?? null, q.unroutedOnly ?? false, q.limit],
      )
      return rows.map((r) => ({ seq: r.seq, id: r.event_id, source: r.source, type: r.type, agencyCode: r.agency_code, dossierCode: r.dossier_code, receivedAt: r.received_at.toISOString(), body: r.body }))
    },
    close: () => writer.close(),
  }
}
