/**
 * After the webhook-ingest load (the hub stopped, so every batch it had accepted is committed):
 * the inbox rows against the ids the load generator saw answered 202. Lost = acknowledged but not
 * in the inbox (must be 0). Unacknowledged rows are requests still in flight when a run stopped
 * (autocannon does not wait for them, the hub commits them anyway): at most one per connection
 * per run. `seq` must run 1..N without holes.
 */
import pg from 'pg'
import { createDb } from '../../src/db/index.js'
import type { Ledger } from './hub-config.js'

export interface InboxCheck {
  rows: number
  maxSeq: number
  acknowledged: number
  lost: string[]
  unacknowledged: number
}

async function readInbox(ledger: Ledger): Promise<{ ids: string[]; maxSeq: number }> {
  if (ledger.kind === 'postgres') {
    const client = new pg.Client({ connectionString: ledger.url })
    await client.connect()
    try {
      const { rows } = await client.query<{ event_id: string }>(`SELECT event_id FROM ${ledger.schema}.inbox`)
      const max = await client.query<{ m: string | null }>(`SELECT max(seq)::text AS m FROM ${ledger.schema}.inbox`)
      return { ids: rows.map((r) => r.event_id), maxSeq: Number(max.rows[0]?.m ?? 0) }
    } finally {
      await client.end()
    }
  }
  const db = await createDb({ pgliteDir: ledger.dir })
  try {
    const { rows } = await db.query<{ event_id: string }>('SELECT event_id FROM inbox')
    const max = await db.query<{ m: string | null }>('SELECT max(seq)::text AS m FROM inbox')
    return { ids: rows.map((r) => r.event_id), maxSeq: Number(max.rows[0]?.m ?? 0) }
  } finally {
    await db.close()
  }
}

export async function checkInbox(ledger: Ledger, acknowledged: Set<string>): Promise<InboxCheck> {
  const { ids, maxSeq } = await readInbox(ledger)
  const stored = new Set(ids)
  const lost = [...acknowledged].filter((id) => !stored.has(id))
  return { rows: ids.length, maxSeq, acknowledged: acknowledged.size, lost, unacknowledged: ids.filter((id) => !acknowledged.has(id)).length }
}
