/**
 * Listings of a client restricted to some agencies (src/sync/read-model.ts) on both back ends:
 * every page, from any cursor, is exactly the unrestricted listing filtered in JS by the client's
 * agency matcher — across agencies whose dossier codes interleave or form ranges, agency codes
 * holding LIKE's own wildcards, every sync state with and without a target. Each query runs with
 * the default windows and with tiny ones, so the page is also made of several walks (code order,
 * state, agencies) taking turns. Run by read-model-agencies-{pglite,postgres}.test.ts.
 */
import t from 'tap'
import type { Db } from '../../../src/db/types.js'
import { agencyLikePatterns, agencyMatcher } from '../../../src/agencies.js'
import { listDossiers, type ListQuery, type ListWindows, type SyncStateName } from '../../../src/sync/read-model.js'
import { openTestDb } from '../../helpers/db.js'
import type { DbKind } from '../../helpers/hub.js'

const AGENCIES = [
  '000.01.24.H44', '000.02.24.H44', '001.00.25.H44', '000.00.00.H45', 'G22.07', 'G22.17', 'G22.70',
  '000_01.H44', '000x01.H44', '50%.H44', '500.H44',
]
/** Client `agencies` settings (agencies.ts patterns) and whether the listing may be empty. */
const CLIENTS: string[][] = [
  ['*.H44'], ['*.24.H44'], ['G22.*7'], ['000_01.H44'], ['50%.H44'], ['*.H45', 'G22.70'], ['*'], ['nothing.*'],
  ['000.02.24.H44', '*.07', '*.H99'],
]
const TARGETS = ['portal-a', 'portal-b']
const STATES: Array<[SyncStateName | undefined, string | undefined]> = [
  [undefined, undefined], [undefined, 'portal-a'], ['delivered', undefined], ['delivered', 'portal-a'], ['delivered', 'portal-b'],
  ['pending', undefined], ['retrying', 'portal-a'], ['dead', undefined], ['dead', 'portal-b'],
]
const TINY: ListWindows = { first: 1, state: 2 }

/** A deterministic generator (mulberry32). */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

async function load(db: Db) {
  const rnd = random(7)
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)]!
  const dossiers: Array<[string, string]> = []
  // Codes that interleave across agencies (HS-…), and codes beginning with the agency code (ranges).
  // The size is not what is tested (it was 160 + 12 per agency, twice the pages to walk on two
  // back ends): the tiny windows below overflow on any of these listings, and every walk and
  // turn is still asserted at the end.
  for (let i = 0; i < 80; i++) dossiers.push([`HS-${String(Math.floor(rnd() * 1e6)).padStart(6, '0')}-${i}`, pick(AGENCIES)])
  for (const agency of AGENCIES) for (let i = 0; i < 6; i++) dossiers.push([`${agency}-${String(i).padStart(3, '0')}`, agency])
  for (const [code, agency] of dossiers) {
    await db.query(
      `INSERT INTO dossiers (code, version, agency_code, status, snapshot, body_hash, client, accepted_at)
       VALUES ($1, 1, $2, 'processing', '{}', 'h', 'one-stop', now() - make_interval(secs => $3))`,
      [code, agency, Math.floor(rnd() * 1e5)],
    )
    // Most dossiers delivered to portal-a, few to portal-b; some with no sync state at all.
    for (const target of TARGETS) {
      const r = rnd()
      if (r < 0.08) continue
      const state = target === 'portal-a'
        ? (r < 0.8 ? 'delivered' : r < 0.9 ? 'pending' : r < 0.95 ? 'retrying' : 'dead')
        : (r < 0.25 ? 'delivered' : r < 0.85 ? 'pending' : r < 0.92 ? 'retrying' : 'dead')
      await db.query('INSERT INTO sync_state (target, dossier_code, state) VALUES ($1, $2, $3)', [target, code, state])
    }
  }
  // Sync states of no dossier (the document axis keeps its own there).
  for (let i = 0; i < 20; i++) await db.query(`INSERT INTO sync_state (target, dossier_code, state) VALUES ('lgsp-edoc', $1, 'delivered')`, [`edoc-${i}`])
  return dossiers.length
}

type Page = Awaited<ReturnType<typeof listDossiers>>

/** The walks a listing's statements make (the sync-state lookups of the page left out). */
function walkOf(sql: string): string | null {
  if (sql.includes('t(target)') || sql.includes('count(*) FILTER')) return null
  const window = sql.includes('x.looked')
  if (sql.includes('RECURSIVE agencies')) return window ? 'agency window' : 'agencies'
  if (sql.includes('FROM sync_state s WHERE s.state')) return window ? 'state window' : 'state'
  return window ? 'code window' : 'code'
}

/** `db` recording, per listing, the walks it took (`turns`: every sequence seen). */
function recording(db: Db) {
  const turns = new Set<string>()
  let current: string[] = []
  const spy: Db = { ...db, query: (sql, params) => {
    const walk = walkOf(sql)
    if (walk) current.push(walk)
    return db.query(sql, params)
  } }
  return { db: spy, turns, done: () => { turns.add(current.join(' → ')); current = [] } }
}

async function everything(db: Db, q: Omit<ListQuery, 'limit' | 'after'>) {
  const all: Page['items'] = []
  let after: string | undefined
  do {
    const page = await listDossiers(db, { ...q, limit: 500, ...(after !== undefined && { after }) })
    all.push(...page.items)
    after = page.next ?? undefined
  } while (after !== undefined)
  return all
}

/** The whole check on one back end; each back end has its own test file, so each its own process and timeout. */
export function restrictedListings(kind: DbKind): void {
  t.test(`restricted listings on ${kind}`, async (t) => {
    const { db: plain } = await openTestDb(t, kind)
    const total = await load(plain)
    const { db, turns, done } = recording(plain)
    let pages = 0
    let nonEmpty = 0
    for (const [syncState, target] of STATES) {
      const filter = { ...(syncState && { syncState }), ...(target && { target }) }
      const unrestricted = await everything(db, filter)
      if (syncState === undefined) t.equal(unrestricted.length, total, 'every dossier is listed once')
      for (const agencies of CLIENTS) {
        const mayRead = agencyMatcher({ agencies })
        const patterns = agencyLikePatterns({ agencies })!
        const expected = unrestricted.filter((d) => mayRead(d.agencyCode))
        if (expected.length > 0) nonEmpty++
        // Cursors: the start, codes of the client's dossiers and of others', the last code.
        const n = unrestricted.length
        const cursors: Array<number | undefined> = [undefined, 0, 1, 7, Math.floor(n / 7), Math.floor(n / 3), Math.floor(n / 2), Math.floor(n * 0.8), n - 2, n - 1]
        for (const windows of [undefined, TINY]) {
          for (const limit of [1, 3, 50]) {
            for (const at of cursors) {
              if (at !== undefined && (at < 0 || at >= unrestricted.length)) continue
              const after = at === undefined ? undefined : unrestricted[at]!.code
              const page = await listDossiers(db, { ...filter, agencies: patterns, limit, ...(after !== undefined && { after }) }, windows)
              done()
              const from = at === undefined ? 0 : unrestricted.slice(0, at + 1).filter((d) => mayRead(d.agencyCode)).length
              const want = expected.slice(from, from + limit)
              const next = expected.length > from + limit ? want.at(-1)!.code : null
              pages++
              if (JSON.stringify(page) !== JSON.stringify({ items: want, next })) {
                t.strictSame(page, { items: want, next }, `${JSON.stringify(agencies)} ${JSON.stringify(filter)} after ${after} limit ${limit}${windows ? ' (tiny windows)' : ''}`)
              }
            }
          }
          // Walking the pages with `next` gives the filtered listing, once each.
          const walked: Page['items'] = []
          let after: string | undefined
          do {
            const page = await listDossiers(db, { ...filter, agencies: patterns, limit: 4, ...(after !== undefined && { after }) }, windows)
            done()
            walked.push(...page.items)
            after = page.next ?? undefined
          } while (after !== undefined)
          t.strictSame(walked.map((d) => d.code), expected.map((d) => d.code), `${JSON.stringify(agencies)} ${JSON.stringify(filter)}: pages of 4${windows ? ' (tiny windows)' : ''}`)
        }
      }
    }
    t.ok(nonEmpty > 40, `most listings hold dossiers (${nonEmpty})`)
    // Every turn was taken: each window alone, and each walk after it.
    for (const seen of [
      'code window', 'code window → agencies', // no syncState
      'state window', 'state window → agency window', 'state window → agency window → agencies', 'state window → agency window → state', // delivered
      'state window → agencies', // a rare state
    ]) t.ok(turns.has(seen), `a listing went ${seen}`)
    t.pass(`${pages} pages equal the unrestricted listing filtered in JS`)
  })
}
