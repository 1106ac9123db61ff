/**
 * Group-committed accept of dossier snapshots: the PUTs that arrive while one batch commits are
 * decided and committed together in ONE transaction of a fixed number of statements, instead of
 * one transaction of ~7 statements each. Each PUT keeps its own answer (accepted, unchanged, or
 * 403 / 409 STALE_VERSION / 409 IDEMPOTENCY_CONFLICT), decided in arrival order against the rows
 * as locked in the transaction, so several PUTs of one dossier in a batch behave exactly as if
 * they had been sent one after the other. Nothing is answered before the commit.
 */
import type { Logger } from 'pino'
import type { Db, Queryable, QueryOptions } from '../db/types.js'
import { prepared } from '../db/prepared.js'
import type { DossierSnapshot, HubFacts } from '../../schemas/dossier.js'
import { forbidden, GatewayError } from '../errors.js'
import { retryDuringFailover } from '../db/errors.js'
import { bodyHash } from './canonical-json.js'
import { conflict, staleVersion, type AcceptHooks, type AcceptResult } from './ledger.js'
import type { FactsReader } from './hub-facts.js'

export interface SnapshotRequest {
  code: string
  snapshot: DossierSnapshot
  client: string
  mayActFor(agencyCode: string): boolean
}

export type SnapshotOutcome = { ok: true; result: AcceptResult } | { ok: false; error: Error }

export interface AcceptBatchOptions {
  targets: readonly string[]
  /** Runs inside the transaction for each accepted version (e.g. indexing its results). */
  onSnapshot?: (tx: Queryable, code: string, snapshot: DossierSnapshot, client: string) => Promise<unknown>
  /** Once per batch with the last accepted snapshot of each dossier; the message rows it queued are woken with the PUT's. */
  onAccepted?: AcceptHooks['snapshots']
  /** The current agency code for a code as sent (after a merger); default: unchanged. */
  currentAgency?: (code: string) => string
  /** What the hub knows of the dossiers (reuse, lookups), added to each outbox payload. */
  facts?: FactsReader
  /** How long the transaction is tried again while the PostgreSQL primary changes; default 0. */
  failoverRetryMs?: number
  /**
   * The indicator model (src/indicators/record.ts): CTEs put in front of the batch's write
   * statement, recording the latest accepted version of each dossier of the batch — no statement
   * or round trip of its own. `ctes(n)` reads parameter `$n`, which `param` gives.
   */
  indicators?: AcceptIndicators

  log?: Logger
}

export interface AcceptIndicators {
  ctes(param: number): string
  param(dossiers: AcceptedDossier[]): string
}

/** The latest version of a dossier accepted in a batch, as the indicator model sees it. */
export interface AcceptedDossier {
  code: string
  /** The current agency code (after the merger mapping). */
  agency: string
  snapshot: DossierSnapshot
  facts: HubFacts | undefined
}

interface Current {
  version: number
  hash: string
  agency: string
}

/**
 * New dossiers: the first eligible PUT of each code inserts the row. The snapshots travel as ONE
 * JSON array (`$5`), not as a text array of JSON texts: no array-literal escaping of every quote
 * in the hub, one JSON parse in PostgreSQL.
 */
const INSERT_NEW = `INSERT INTO dossiers (code, version, agency_code, status, snapshot, body_hash, client, original_agency_code)
     SELECT t.code, t.version, t.agency, t.status, s.snapshot, t.hash, t.client, t.original
     FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $6::text[], $7::text[], $8::text[]) WITH ORDINALITY AS t(code, version, agency, status, hash, client, original, n)
     JOIN jsonb_array_elements($5::jsonb) WITH ORDINALITY AS s(snapshot, n) ON s.n = t.n
     ORDER BY t.n
     ON CONFLICT (code) DO NOTHING RETURNING code`
const LOCK_KNOWN = 'SELECT code, version, body_hash, agency_code FROM dossiers WHERE code = ANY($1::text[]) ORDER BY code FOR UPDATE'
// Every batch runs these: parsed (and maybe planned) once per connection, not per batch.
const INSERT_PREPARED = prepared('accept-insert', INSERT_NEW)
const LOCK_PREPARED = prepared('accept-lock', LOCK_KNOWN)

/**
 * One statement for every write left: the dossier rows, one outbox row per accepted version and
 * target (in acceptance order; a dossier waiting for a retry gives it its retry time), and the
 * sync state per (target, dossier) in key order (a dossier already retrying stays so). The
 * indicator model's CTEs go in front (`$18`).
 *
 * Each accepted snapshot travels once, in one JSON array (`$15`: `[snapshot, facts]` per accepted
 * PUT, in acceptance order), and PostgreSQL builds the outbox payload from it: the same object
 * as `{ code, ...snapshot, agencyCode, originalAgencyCode?, facts? }` (a later key wins, as in a
 * spread), instead of the hub serialising the snapshot a second time inside each payload and
 * escaping both into text arrays.
 *
 * Built once per indicator model (the text is fixed for a process), so it can be prepared.
 */
function buildWrite(ind: AcceptIndicators | undefined): { sql: string; prepared: QueryOptions } {
  const sql = `WITH ${ind ? `${ind.ctes(18)},` : ''} x AS (
         SELECT e->0 AS snapshot, e->1 AS facts, n FROM jsonb_array_elements($15::jsonb) WITH ORDINALITY AS x(e, n)),
       u AS (
         UPDATE dossiers d SET version = u.version, agency_code = u.agency, status = u.status, snapshot = x.snapshot, body_hash = u.hash, client = u.client,
           original_agency_code = u.original, accepted_at = now()
         FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[], $14::text[]) AS u(code, version, agency, status, xn, hash, client, original)
         JOIN x ON x.n = u.xn
         WHERE d.code = u.code RETURNING d.code),
       s AS (
         INSERT INTO sync_state (target, dossier_code, state)
         SELECT target, code, 'pending' FROM unnest($12::text[], $13::text[]) WITH ORDINALITY AS t(target, code, n) ORDER BY n
         ON CONFLICT (target, dossier_code) DO UPDATE
           SET state = CASE WHEN sync_state.state = 'retrying' THEN 'retrying' ELSE 'pending' END, updated_at = now()
         RETURNING target)
       INSERT INTO outbox (target, dossier_code, kind, version, payload, next_attempt_at)
       SELECT t.target, t.code, 'snapshot', t.version,
         jsonb_build_object('code', t.code) || x.snapshot || jsonb_build_object('agencyCode', t.agency)
           || CASE WHEN t.original IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('originalAgencyCode', t.original) END
           || CASE WHEN jsonb_typeof(x.facts) = 'object' THEN jsonb_build_object('facts', x.facts) ELSE '{}'::jsonb END,
         w.next_attempt_at
       FROM unnest($8::text[], $9::text[], $10::bigint[], $11::bigint[], $16::text[], $17::text[]) WITH ORDINALITY AS t(target, code, version, xn, agency, original, n)
       JOIN x ON x.n = t.xn
       LEFT JOIN sync_state w ON w.target = t.target AND w.dossier_code = t.code AND w.next_attempt_at > now()
       ORDER BY t.n RETURNING id, target, dossier_code, version`
  return { sql, prepared: prepared(ind ? 'accept-write-ind' : 'accept-write', sql) }
}
const WRITE_PLAIN = buildWrite(undefined)
const writes = new WeakMap<AcceptIndicators, { sql: string; prepared: QueryOptions }>()
function writeStatement(ind: AcceptIndicators | undefined): { sql: string; prepared: QueryOptions } {
  if (!ind) return WRITE_PLAIN
  let w = writes.get(ind)
  if (!w) writes.set(ind, (w = buildWrite(ind)))
  return w
}

/** PostgreSQL's deadlock and serialization failures: the transaction did nothing and may run again. */
const RETRYABLE = new Set(['40P01', '40001'])
/** Codes that say "the database cannot serve now" (connection, shutdown, resources, contention, timeouts). */
const UNAVAILABLE_CODE = /^(08|53|57P0|25006$|40P01$|40001$|55P03$|57014$|E(CONNREFUSED|CONNRESET|PIPE|TIMEDOUT|HOSTUNREACH|NETUNREACH|AI_AGAIN|NOTFOUND)$)/
/** What pg and PGlite say, without a code, when the connection is gone or cannot be had. */
const UNAVAILABLE_TEXT = /connection terminated|timeout exceeded when trying to connect|not queryable|pglite is closed/i

const sqlState = (err: unknown) => String((err as { code?: unknown } | null)?.code ?? '')

/** The ledger could not be reached or gave up under contention: nothing of the batch was committed. */
export function isLedgerUnavailable(err: unknown): boolean {
  const code = sqlState(err)
  return code !== '' ? UNAVAILABLE_CODE.test(code) : err instanceof Error && UNAVAILABLE_TEXT.test(err.message)
}

const ledgerUnavailable = (cause: unknown) => {
  const err = new GatewayError('SERVICE_UNAVAILABLE', 'The ledger cannot record the change now, so it was not accepted; send it again shortly.', { headers: { 'retry-after': '1' } })
  err.cause = cause
  return err
}

/** A value PostgreSQL cannot hold (class 22, data exception: U+0000 in a text, a date out of range). */
const unstorable = (cause: unknown) => {
  const err = new GatewayError('VALIDATION_FAILED', 'The ledger cannot store this snapshot: a text holds U+0000 or a value is out of range; correct it and send it again.')
  err.cause = cause
  return err
}

/**
 * One transaction for the whole batch (deadlocks retried twice). When it fails for a reason that
 * is not the database being away, the culprit may be one PUT (a value the ledger cannot store, a
 * failing hook): each PUT is then committed alone, in arrival order, so it alone gets the error.
 * A database that cannot serve is a 503 for every PUT not yet committed; nothing is ever answered
 * as accepted unless its transaction committed.
 */
export async function acceptSnapshots(db: Db, requests: SnapshotRequest[], options: AcceptBatchOptions): Promise<SnapshotOutcome[]> {
  try {
    return await commitTogether(db, requests, options)
  } catch (err) {
    if (isLedgerUnavailable(err)) {
      options.log?.error({ err }, 'the ledger cannot be written; every PUT of the batch gets 503')
      throw ledgerUnavailable(err)
    }
    if (requests.length === 1) throw sqlState(err).startsWith('22') ? unstorable(err) : err
    options.log?.warn({ err, puts: requests.length }, 'an accept batch failed; committing its PUTs one by one')
  }
  const outcomes: SnapshotOutcome[] = []
  let away: GatewayError | undefined
  for (const request of requests) {
    if (away) {
      outcomes.push({ ok: false, error: away })
      continue
    }
    try {
      outcomes.push((await commitTogether(db, [request], options))[0]!)
    } catch (err) {
      if (isLedgerUnavailable(err)) away = ledgerUnavailable(err)
      outcomes.push({ ok: false, error: away ?? (sqlState(err).startsWith('22') ? unstorable(err) : (err as Error)) })
    }
  }
  return outcomes
}

/**
 * Deadlocks are retried twice; a connection lost before COMMIT (the primary changing) is retried
 * for up to `failoverRetryMs` on a new connection, which goes to the new primary. `decide` has no
 * effect outside its transaction, so running it again is safe; a COMMIT whose answer was lost is
 * not retried (it may have committed) and becomes a 503.
 */
async function commitTogether(db: Db, requests: SnapshotRequest[], options: AcceptBatchOptions): Promise<SnapshotOutcome[]> {
  return retryDuringFailover(async () => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await db.transaction((tx) => decide(tx, requests, options))
      } catch (err) {
        if (attempt >= 3 || !RETRYABLE.has(sqlState(err))) throw err
      }
    }
  }, options.failoverRetryMs ?? 0)
}

async function decide(tx: Queryable, requests: SnapshotRequest[], options: AcceptBatchOptions): Promise<SnapshotOutcome[]> {
  // Routed by the current code; the code as sent is kept beside it when the mapping changed it.
  const agencies = requests.map((r) => options.currentAgency?.(r.snapshot.agencyCode) ?? r.snapshot.agencyCode)
  const originals = requests.map((r, i) => (agencies[i] === r.snapshot.agencyCode ? null : r.snapshot.agencyCode))
  const outcomes: Array<SnapshotOutcome | undefined> = requests.map((r, i) =>
    r.mayActFor(agencies[i]!) ? undefined : { ok: false, error: forbidden(`The client "${r.client}" may not act for agency ${r.snapshot.agencyCode}.`) })
  const hashes = requests.map((r) => bodyHash(r.snapshot))

  // New dossiers: the first eligible PUT of each code inserts the row (locked by us from then on).
  const firstOf = new Map<string, number>()
  requests.forEach((r, i) => {
    if (outcomes[i] === undefined && !firstOf.has(r.code)) firstOf.set(r.code, i)
  })
  const firsts = [...firstOf.values()].sort((a, b) => (requests[a]!.code < requests[b]!.code ? -1 : 1))
  const inserted = new Set((await tx.query<{ code: string }>(
    INSERT_NEW,
    [
      firsts.map((i) => requests[i]!.code), firsts.map((i) => requests[i]!.snapshot.version), firsts.map((i) => agencies[i]),
      firsts.map((i) => requests[i]!.snapshot.status), JSON.stringify(firsts.map((i) => requests[i]!.snapshot)), firsts.map((i) => hashes[i]), firsts.map((i) => requests[i]!.client),
      firsts.map((i) => originals[i]),
    ],
    INSERT_PREPARED,
  )).rows.map((r) => r.code))

  // Known dossiers: lock their rows, in code order (no deadlock between batches of several replicas).
  const state = new Map<string, Current>()
  const known = [...firstOf.keys()].filter((c) => !inserted.has(c)).sort()
  if (known.length > 0) {
    const { rows } = await tx.query<{ code: string; version: number; body_hash: string; agency_code: string }>(LOCK_KNOWN, [known], LOCK_PREPARED)
    for (const r of rows) state.set(r.code, { version: Number(r.version), hash: r.body_hash, agency: r.agency_code })
  }

  // Each PUT in arrival order against the state the ones before it left: as if sent one by one.
  const accepted: number[] = []
  requests.forEach((r, i) => {
    if (outcomes[i] !== undefined) return
    const v = r.snapshot.version
    const current = state.get(r.code)
    if (current === undefined) {
      // Only the inserting PUT finds no row: it was accepted by the insert.
      accepted.push(i)
      state.set(r.code, { version: v, hash: hashes[i]!, agency: agencies[i]! })
      return
    }
    let error: GatewayError | undefined
    if (!r.mayActFor(current.agency)) error = forbidden(`The client "${r.client}" may not act for agency ${current.agency}.`)
    else if (v < current.version) error = staleVersion(current.version, v)
    else if (v === current.version) {
      if (current.hash === hashes[i]) outcomes[i] = { ok: true, result: { outcome: 'unchanged', version: v, outbox: [] } }
      else error = conflict(`Version ${v}`)
    }
    if (error) outcomes[i] = { ok: false, error }
    if (outcomes[i] !== undefined) return
    accepted.push(i)
    state.set(r.code, { version: v, hash: hashes[i]!, agency: agencies[i]! })
  })

  // The rows' final values: the last accepted PUT of each code, unless it is the insert itself.
  const last = new Map<string, number>()
  for (const i of accepted) last.set(requests[i]!.code, i)
  const updates = [...last.entries()].filter(([code, i]) => !(inserted.has(code) && firstOf.get(code) === i)).map(([, i]) => i)
  const results = new Map<number, AcceptResult>(accepted.map((i) => [i, { outcome: 'accepted', version: requests[i]!.snapshot.version, outbox: [] }]))
  if (accepted.length > 0) {
    const facts = await options.facts?.(tx, [...last.values()].map((i) => requests[i]!))
    // One statement for every write left (buildWrite); position k of $15 is accepted[k - 1].
    const at = new Map(accepted.map((i, k) => [i, k + 1]))
    const rows = accepted.flatMap((i) => options.targets.map((target) => ({ i, target })))
    const pairs = options.targets.flatMap((target) => [...last.keys()].sort().map((code) => [target, code] as const))
    const ind = options.indicators
    const write = writeStatement(ind)
    const { rows: ids } = await tx.query<{ id: number; target: string; dossier_code: string; version: number }>(
      write.sql,
      [
        updates.map((i) => requests[i]!.code), updates.map((i) => requests[i]!.snapshot.version), updates.map((i) => agencies[i]),
        updates.map((i) => requests[i]!.snapshot.status), updates.map((i) => at.get(i)), updates.map((i) => hashes[i]), updates.map((i) => requests[i]!.client),
        rows.map((r) => r.target), rows.map((r) => requests[r.i]!.code), rows.map((r) => requests[r.i]!.snapshot.version), rows.map((r) => at.get(r.i)),
        pairs.map((p) => p[0]), pairs.map((p) => p[1]), updates.map((i) => originals[i]),
        JSON.stringify(accepted.map((i) => [requests[i]!.snapshot, facts?.get(requests[i]!.code) ?? null])),
        rows.map((r) => agencies[r.i]), rows.map((r) => originals[r.i]),
        ...(ind ? [ind.param([...last.values()].map((i) => ({ code: requests[i]!.code, agency: agencies[i]!, snapshot: requests[i]!.snapshot, facts: facts?.get(requests[i]!.code) })))] : []),
      ],
      write.prepared,
    )
    // (code, version) is unique among accepted PUTs: versions of a dossier only go up.
    const byKey = new Map(accepted.map((i) => [`${requests[i]!.code}\u0000${requests[i]!.snapshot.version}`, i]))
    for (const row of ids) results.get(byKey.get(`${row.dossier_code}\u0000${Number(row.version)}`)!)!.outbox.push({ id: Number(row.id), target: row.target })
  }
  for (const i of accepted) await options.onSnapshot?.(tx, requests[i]!.code, requests[i]!.snapshot, requests[i]!.client)
  if (options.onAccepted && accepted.length > 0) {
    const lastOf = new Map<string, number>()
    for (const i of accepted) lastOf.set(requests[i]!.code, i)
    const queued = await options.onAccepted(tx, [...lastOf.entries()].map(([code, i]) => ({ code, snapshot: requests[i]!.snapshot })))
    for (const [code, rows] of queued) results.get(lastOf.get(code)!)?.outbox.push(...rows)
  }
  return outcomes.map((o, i) => o ?? { ok: true, result: results.get(i)! })
}
