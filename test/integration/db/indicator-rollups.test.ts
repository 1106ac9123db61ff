/**
 * The monthly rollups (migration 015) against the daily sums they roll up: a random stream of
 * dossiers (two versions each for half of them, moving across days, months, channels and
 * agencies, some sent with an agency code the 2025 merger mapping replaces), feedback and axis
 * documents goes through the real paths; then (1) every rollup row equals the sum of its daily
 * rows, and (2) random periods — whole months, partial months at either edge, single days,
 * across a year's end — answer exactly the same through the rollups as through the daily tables
 * alone, for every grouping and scope.
 */
import t from 'tap'
import { acceptSnapshots, type SnapshotRequest } from '../../../src/sync/accept-batch.js'
import { createIndicatorService } from '../../../src/indicators/index.js'
import { dailyParts, planParts, queryIndicators, wholeMonths, GROUP_BY, type IndicatorQuery } from '../../../src/indicators/query.js'
import { recordEdocSent, recordEdocStatus } from '../../../src/indicators/record.js'
import { COUNTERS } from '../../../src/indicators/contribution.js'
import { createFactsReader } from '../../../src/sync/hub-facts.js'
import { createAgencyMapping } from '../../../src/agency-mapping.js'
import type { HubConfig } from '../../../schemas/config.js'
import type { DossierSnapshot, DossierStatus } from '../../../schemas/dossier.js'
import { openTestDb } from '../../helpers/db.js'

t.test('whole months of a period', async (t) => {
  t.strictSame(wholeMonths('2025-01-01', '2025-12-31'), { first: '2025-01-01', last: '2025-12-01', after: '2026-01-01' })
  t.strictSame(wholeMonths('2025-01-15', '2025-12-14'), { first: '2025-02-01', last: '2025-11-01', after: '2025-12-01' })
  t.strictSame(wholeMonths('2024-02-01', '2024-02-29'), { first: '2024-02-01', last: '2024-02-01', after: '2024-03-01' }, 'a leap February')
  t.equal(wholeMonths('2024-02-01', '2024-02-28'), undefined, 'one day short of the month')
  t.equal(wholeMonths('2025-01-02', '2025-02-27'), undefined)
  t.equal(wholeMonths('2025-03-05', '2025-03-05'), undefined)
  const q = { groupBy: 'procedure' as const }
  t.strictSame(planParts({ ...q, from: '2025-01-15', to: '2025-03-31' }).map((p) => [p.table, p.from, p.to]), [
    ['indicator_daily', '2025-01-15', '2025-01-31'], ['indicator_procedure_monthly', '2025-02-01', '2025-03-01'],
  ])
  t.strictSame(planParts({ ...q, from: '2025-01-01', to: '2025-02-10', agency: '%.H48' }).map((p) => [p.table, p.from, p.to]), [
    ['indicator_monthly', '2025-01-01', '2025-01-01'], ['indicator_daily', '2025-02-01', '2025-02-10'],
  ])
  t.strictSame(planParts({ from: '2025-01-01', to: '2025-12-31', groupBy: 'agency' }).map((p) => p.table), ['indicator_agency_daily'], 'per agency without a procedure: the agency rollup')
  t.strictSame(planParts({ from: '2025-01-01', to: '2025-12-31', groupBy: 'day', procedure: '1.1' }).map((p) => p.table), ['indicator_daily'], 'per day: the daily sums')
})

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function random(seed: number) {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let x = a
    x = Math.imul(x ^ (x >>> 15), x | 1)
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61)
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]! }
}

const OLD = '000.00.13.H34' // the merger mapping turns it into NEW
const NEW = '000.00.13.H48'
const AGENCIES = ['000.00.61.H48', '000.00.10.H48', '000.01.07.H48', OLD, NEW] as const
const PROCEDURES = ['1.001193', '2.000815', '1.009999'] as const
const CHANNELS = ['online', 'in_person', 'post'] as const
const STATUSES: DossierStatus[] = ['processing', 'processed', 'returned', 'rejected']
const agencies = createAgencyMapping({ version: 't', effectiveFrom: '2025-07-01', basis: 'test', agencies: [{ from: OLD, to: NEW, name: 'N' }] })
const config = { indicators: { enabled: true, summary: {} } } as unknown as HubConfig
const SEED = Number(process.env.ROLLUP_SEED ?? 766)

const DAY_MS = 86_400_000
const START = Date.parse('2025-11-20T00:00:00+07:00')
/** An instant in the ~4.5 months from START, often within an hour of a Vietnam-time midnight (month edges). */
const instant = (r: ReturnType<typeof random>) => {
  const day = START + r.int(135) * DAY_MS
  return new Date(r.next() < 0.4 ? day + (r.next() < 0.5 ? -1 : 1) * r.int(3600_000) : day + r.int(DAY_MS)).toISOString()
}
const dayOf = (t: number) => new Date(t).toISOString().slice(0, 10)

function snapshot(r: ReturnType<typeof random>, version: number): DossierSnapshot {
  const received = instant(r)
  const status = r.pick(STATUSES)
  const end = new Date(Date.parse(received) + r.int(20) * DAY_MS).toISOString()
  const fee = r.next() < 0.6
  return {
    version, procedureCode: r.pick(PROCEDURES), agencyCode: r.pick(AGENCIES), channel: r.pick(CHANNELS),
    applicant: { type: 'citizen', id: '062090001234', name: 'An' }, receivedAt: received, status,
    ...(r.next() < 0.8 && { dueAt: new Date(Date.parse(received) + r.int(15) * DAY_MS).toISOString() }),
    ...(status === 'processed' && { processedAt: end }), ...(status === 'returned' && { returnedAt: end }), ...(status === 'rejected' && { rejectedAt: end }),
    fees: fee ? [{ name: 'Fee', amount: 8000 }] : [], ...(fee && { onlinePayment: r.pick(['portal', 'none'] as const) }),
    documents: Array.from({ length: r.int(3) }, (_, k) => ({ id: `p${k}`, name: 'Paper', ...(r.next() < 0.5 && { url: 'https://x.invalid/p', sha256: 'a'.repeat(64) }), ...(r.next() < 0.3 && { reused: true }) })),
    ...(status !== 'processing' && r.next() < 0.5 && { results: [{ name: 'R', url: 'https://x.invalid/r', sha256: 'b'.repeat(64) }] }),
    ...(r.next() < 0.4 && { connectedDatabases: [r.pick(['population', 'business-registry'] as const)] }),
  }
}

t.test('the rollups and the daily sums agree on random periods', async (t) => {
  const { db } = await openTestDb(t, 'postgres')
  const r = random(SEED)
  const service = createIndicatorService({ db, config, agencies, targets: ['national-portal'] })
  const accept = (requests: SnapshotRequest[]) => acceptSnapshots(db, requests, {
    targets: ['national-portal'], currentAgency: agencies.current, facts: createFactsReader('test-key'), indicators: service.recordAccepted,
  })
  const put = (code: string, s: DossierSnapshot): SnapshotRequest => ({ code, snapshot: s, client: 'one-stop', mayActFor: () => true })
  const N = 240
  for (let from = 0; from < N; from += 40) {
    const outcomes = await accept(Array.from({ length: 40 }, (_, k) => put(`R-${from + k}`, snapshot(r, 1))))
    t.ok(outcomes.every((o) => o.ok), 'first versions accepted')
  }
  // A second version of every other dossier: another day, month, agency, channel or status (a delta).
  for (let from = 0; from < N; from += 80) {
    const outcomes = await accept(Array.from({ length: 40 }, (_, k) => put(`R-${from + 2 * k}`, snapshot(r, 2))))
    t.ok(outcomes.every((o) => o.ok), 'second versions accepted')
  }
  await db.transaction(async (tx) => {
    await service.recordInbox(tx, Array.from({ length: 60 }, (_, k) => ({
      eventId: `f${k}`, source: 'national-portal', type: 'feedback.submitted', agencyCode: agencies.current(r.pick(AGENCIES)), dossierCode: r.next() < 0.7 ? `R-${r.int(N)}` : null,
      body: { data: { rating: 1 + r.int(5), submittedAt: instant(r) } },
    })))
    for (let k = 0; k < 30; k++) {
      await recordEdocSent(tx, `E${k}`, agencies.current(r.pick(AGENCIES)), dayOf(Date.parse(instant(r)) + 7 * 3600_000))
      if (r.next() < 0.6) await recordEdocStatus(tx, `E${k}`, r.pick(['01', '02', '05']))
    }
  })

  const counters = COUNTERS.join(', ')
  const sums = COUNTERS.map((c) => `sum(${c})::bigint AS ${c}`).join(', ')
  const nonzero = COUNTERS.map((c) => `${c} <> 0`).join(' OR ')
  for (const [table, key] of [['indicator_monthly', 'agency_code, procedure_code, channel'], ['indicator_procedure_monthly', 'procedure_code, channel']] as const) {
    const { rows: rolled } = await db.query(`SELECT ${key}, to_char(month, 'YYYY-MM-DD') AS month, ${counters} FROM ${table} WHERE ${nonzero} ORDER BY ${key}, month`)
    const { rows: summed } = await db.query(`SELECT * FROM (SELECT ${key}, to_char(date_trunc('month', day::timestamp), 'YYYY-MM-DD') AS month, ${sums}
      FROM indicator_daily GROUP BY ${key}, month) x WHERE ${nonzero} ORDER BY ${key}, month`)
    t.ok(summed.length > 20, `${table}: a non-trivial stream (${summed.length} rows)`)
    t.strictSame(rolled.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v]))),
      summed.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v]))), `${table} is the rollup of indicator_daily`)
  }
  const { rows: [mapped] } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM indicator_monthly WHERE agency_code = $1 AND received > 0`, [NEW])
  const { rows: [old] } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM indicator_monthly WHERE agency_code = $1`, [OLD])
  t.ok(mapped!.n > 0 && old!.n === 0, 'the rollup keys on the current agency code (the merger mapping)')

  // Periods biased to month edges: a first, a last, a 15th, a day next to an edge, or any day.
  const edgeDay = () => {
    const d = new Date(START + r.int(140) * DAY_MS + 7 * 3600_000)
    const first = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)
    const last = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)
    return dayOf(r.pick([first, last, first + 14 * DAY_MS, first + DAY_MS, last - DAY_MS, d.getTime()]))
  }
  const now = new Date('2026-03-01T00:00:00Z')
  let viaRollup = 0
  for (let k = 0; k < 120; k++) {
    const [a, b] = [edgeDay(), edgeDay()].sort()
    const q: IndicatorQuery = {
      from: a!, to: b!, groupBy: r.pick(GROUP_BY), targets: ['national-portal'],
      ...(r.next() < 0.3 && { procedure: r.pick(PROCEDURES) }),
      ...(r.next() < 0.25 && { agency: r.pick(['%.H48', NEW, '000.0%', OLD]) }),
      ...(r.next() < 0.15 && { allowed: [r.pick(['000.00.%', NEW])] }),
    }
    if (planParts(q).some((p) => p.column === 'month')) viaRollup++
    t.strictSame(await queryIndicators(db, q, now), await queryIndicators(db, q, now, dailyParts), `${JSON.stringify(q)}`)
  }
  t.ok(viaRollup >= 30, `the rollups served ${viaRollup} of the 120 periods`)
})
