/**
 * Anchors of the audit chain outside the database: a file of signed checkpoints, one JSON line
 * each (`{"seq","hash","at","mac"}`), the MAC an HMAC-SHA256 under the chain key. The chain alone
 * cannot show that its newest records were removed (a shorter chain is still a valid chain), nor
 * that the whole table was rewritten by someone holding the key; a checkpoint kept where the
 * hub's database role cannot write (WORM storage, another host, a ticket) shows both:
 *  - `truncated`: the verified chain ends before a checkpoint's seq;
 *  - `rewritten`: the record at a checkpoint's seq no longer has the anchored hash;
 *  - `bad_signature`: the line was not written with this chain key.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import type { Queryable } from '../db/types.js'

export interface Checkpoint {
  seq: number
  hash: string
  /** When the head was anchored (ISO 8601). */
  at: string
  mac: string
}

export interface AnchorProblem {
  line: number
  seq: number
  reason: 'truncated' | 'rewritten' | 'bad_signature' | 'unreadable'
}

const mac = (key: string, c: Omit<Checkpoint, 'mac'>) =>
  createHmac('sha256', key).update(JSON.stringify(['lgsp-audit-checkpoint/1', c.seq, c.hash, c.at])).digest('hex')

export function signCheckpoint(head: { seq: number; hash: string }, chainKey: string, at = new Date()): Checkpoint {
  const fields = { seq: head.seq, hash: head.hash, at: at.toISOString() }
  return { ...fields, mac: mac(chainKey, fields) }
}

/** One line to append to the checkpoint file. */
export const checkpointLine = (c: Checkpoint) => `${JSON.stringify(c)}\n`

function parseLine(text: string): Checkpoint | undefined {
  try {
    const c = JSON.parse(text) as Checkpoint
    if (Number.isSafeInteger(c.seq) && typeof c.hash === 'string' && typeof c.at === 'string' && typeof c.mac === 'string') return c
  } catch {
    // a torn or foreign line is no checkpoint; the caller reports the missing one
  }
  return undefined
}

/**
 * Checks every checkpoint in `fileText` against the table, given the head the chain verified up
 * to (`verify.ts`; 0 when empty). Returns the problems found, none when every anchor holds.
 */
export async function checkCheckpoints(db: Queryable, fileText: string, chainKey: string, head: { seq: number }): Promise<AnchorProblem[]> {
  const problems: AnchorProblem[] = []
  const lines = fileText.split('\n')
  for (const [i, text] of lines.entries()) {
    if (text.trim() === '') continue
    const c = parseLine(text)
    if (!c) {
      problems.push({ line: i + 1, seq: 0, reason: 'unreadable' })
      continue
    }
    const expected = Buffer.from(mac(chainKey, c), 'hex')
    const given = Buffer.from(c.mac, 'hex')
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      problems.push({ line: i + 1, seq: c.seq, reason: 'bad_signature' })
      continue
    }
    if (c.seq > head.seq) {
      problems.push({ line: i + 1, seq: c.seq, reason: 'truncated' })
      continue
    }
    const { rows } = await db.query<{ hash: string }>('SELECT hash FROM audit_log WHERE seq = $1', [c.seq])
    if (rows[0]?.hash !== c.hash) problems.push({ line: i + 1, seq: c.seq, reason: 'rewritten' })
  }
  return problems
}
