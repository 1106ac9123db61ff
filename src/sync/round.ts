/**
 * What both delivery paths (worker.ts per dossier, batch-worker.ts per batch) decide the same way:
 * which of a dossier's open items a round sends, and keeping a lease alive between the calls of a
 * long round. The failure rules are in retry.ts.
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

/**
 * Renews a lease before the next call once a quarter of it is gone, so it never lapses while its
 * holder is still sending (another worker would take the dossier and send again, or send a newer
 * version that this holder's next call could then overtake). Each call's own deadline must stay
 * below the lease (see the startup check in index.ts). Costs nothing in a round that is quick.
 */
export function leaseKeeper(leaseMs: number, renew: () => Promise<void>): () => Promise<void> {
  let leasedAt = Date.now()
  return async function keep() {
    if (Date.now() - leasedAt < leaseMs / 4) return
    const asked = Date.now()
    await renew()
    leasedAt = asked
  }
}
