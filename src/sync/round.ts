/**
 * What both delivery paths (worker.ts per dossier, batch-worker.ts per batch) decide the same way:
 * which of a dossier's open items a round sends. The failure rules are in retry.ts; keeping the
 * lease alive through a long round is src/jobs/lease.ts.
 */
import type { OpenItem } from './delivery-store.js'

export interface RoundPlan {
  /** The newest snapshot, when it is above the delivered version; older ones are `superseded`, never sent. */
  snapshot?: OpenItem
  superseded: number[]
  /** Progress steps and messages: each, in acceptance order, after the snapshot. */
  rest: OpenItem[]
  /** Largest outbox id looked at: a newer open row means more work for the dossier. */
  seenUpTo: number
}

export function planRound(items: OpenItem[], deliveredVersion: number | null): RoundPlan {
  const snapshots = items.filter((i) => i.kind === 'snapshot')
  const newest = snapshots.reduce<OpenItem | undefined>((best, i) => (best === undefined || i.version! > best.version! ? i : best), undefined)
  const fresh = newest !== undefined && (deliveredVersion === null || newest.version! > deliveredVersion) ? newest : undefined
  return {
    ...(fresh && { snapshot: fresh }),
    superseded: snapshots.filter((s) => s !== fresh).map((s) => s.id),
    rest: items.filter((i) => i.kind !== 'snapshot'),
    seenUpTo: items.reduce((max, i) => Math.max(max, i.id), 0),
  }
}
