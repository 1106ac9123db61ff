/**
 * What the portal simulator received, checked against what the hub accepted: per dossier the
 * versions in arrival order (from `GET /__sim/dossiers/:code`), then
 *  - lost: the last version received is not the highest version accepted (202),
 *  - stale: a version arrived after a higher one,
 *  - duplicate: the same version arrived twice (allowed at-least-once, but unexpected without a crash),
 *  - unknown: a version arrived that was never answered 202,
 * and the accept-to-delivery lag of every version actually delivered (superseded ones never are).
 */
import { versionOf } from '../../test/helpers/dossier.js'
import type { AcceptLog } from './sync-load.js'

export interface Arrival {
  version: number
  at: number
}

export async function fetchReceived(simUrl: string, codes: string[], concurrency = 16): Promise<Map<string, Arrival[]>> {
  const out = new Map<string, Arrival[]>()
  let next = 0
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < codes.length) {
      const code = codes[next++]!
      const res = await fetch(`${simUrl}/__sim/dossiers/${encodeURIComponent(code)}`)
      if (res.status !== 200) throw new Error(`simulator inspection of ${code} answered ${res.status}`)
      const body = (await res.json()) as { versions: Array<{ receivedAt: string; record: Record<string, unknown> }> }
      out.set(code, body.versions.map((v) => ({ version: versionOf(v.record['TrichYeuHoSo']), at: Date.parse(v.receivedAt) })))
    }
  }))
  return out
}

export interface Check {
  dossiers: number
  accepted: number
  /** Versions received (a duplicate counts twice). */
  delivered: number
  /** Accepted versions never delivered because a newer one was delivered instead. */
  superseded: number
  lost: string[]
  stale: string[]
  duplicates: string[]
  unknown: string[]
  /** Accept → arrival, ms, one per delivered version (duplicates: first arrival). */
  lags: number[]
  firstArrivalAt: number
  lastArrivalAt: number
}

export function check(log: AcceptLog, received: Map<string, Arrival[]>): Check {
  const c: Check = {
    dossiers: log.accepted.size, accepted: 0, delivered: 0, superseded: 0, lost: [], stale: [], duplicates: [], unknown: [], lags: [],
    firstArrivalAt: Infinity, lastArrivalAt: 0,
  }
  for (const [code, versions] of log.accepted) {
    c.accepted += versions.size
    const arrivals = received.get(code) ?? []
    const highest = Math.max(...versions.keys())
    const seen = new Set<number>()
    let top = -Infinity
    for (const a of arrivals) {
      c.delivered++
      c.firstArrivalAt = Math.min(c.firstArrivalAt, a.at)
      c.lastArrivalAt = Math.max(c.lastArrivalAt, a.at)
      const acceptedAt = versions.get(a.version)
      if (acceptedAt === undefined) c.unknown.push(`${code} v${a.version}`)
      if (a.version < top) c.stale.push(`${code}: v${a.version} after v${top}`)
      if (seen.has(a.version)) {
        c.duplicates.push(`${code} v${a.version}`)
        continue
      }
      seen.add(a.version)
      top = Math.max(top, a.version)
      if (acceptedAt !== undefined) c.lags.push(a.at - acceptedAt)
    }
    const last = arrivals.at(-1)?.version
    if (last !== highest) c.lost.push(`${code}: accepted up to v${highest}, portal's last is ${last === undefined ? 'nothing' : `v${last}`}`)
    for (const v of versions.keys()) if (!seen.has(v)) c.superseded++
  }
  c.lags.sort((a, b) => a - b)
  return c
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!
}

export interface Drain {
  /** Dossiers whose newest version accepted before the restore had not reached the portal by then. */
  backlogDossiers: number
  /** Accepted updates of those dossiers not yet delivered at the restore (newer than what the portal had). */
  backlogUpdates: number
  /** First arrival after the restore, ms after it. */
  firstDeliveryMs: number
  /** Last backlog dossier brought up to date, ms after the restore. */
  drainMs: number
  /** Arrivals of any version between the restore and the end of the drain (fresh load included). */
  arrivalsDuringDrain: number
  /** Arrivals between the outage start (+2 s for requests already in flight) and the restore. */
  arrivalsDuringOutage: number
}

export function drain(log: AcceptLog, received: Map<string, Arrival[]>, outageAt: number, restoreAt: number): Drain {
  let backlogDossiers = 0
  let backlogUpdates = 0
  let drainEnd = restoreAt
  let firstAfter = Infinity
  for (const [code, versions] of log.accepted) {
    const arrivals = received.get(code) ?? []
    for (const a of arrivals) if (a.at >= restoreAt) firstAfter = Math.min(firstAfter, a.at)
    const before = [...versions].filter(([, at]) => at <= restoreAt).map(([v]) => v)
    if (before.length === 0) continue
    const target = Math.max(...before)
    const had = Math.max(-Infinity, ...arrivals.filter((a) => a.at <= restoreAt).map((a) => a.version))
    if (had >= target) continue
    backlogDossiers++
    backlogUpdates += before.filter((v) => v > had).length
    const cleared = arrivals.find((a) => a.at > restoreAt && a.version >= target)
    drainEnd = Math.max(drainEnd, cleared?.at ?? Infinity)
  }
  let arrivalsDuringDrain = 0
  let arrivalsDuringOutage = 0
  for (const arrivals of received.values()) {
    for (const a of arrivals) {
      if (a.at >= restoreAt && a.at <= drainEnd) arrivalsDuringDrain++
      if (a.at > outageAt + 2000 && a.at < restoreAt) arrivalsDuringOutage++
    }
  }
  return { backlogDossiers, backlogUpdates, firstDeliveryMs: firstAfter - restoreAt, drainMs: drainEnd - restoreAt, arrivalsDuringDrain, arrivalsDuringOutage }
}
