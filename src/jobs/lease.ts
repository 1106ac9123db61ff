/**
 * `withLease`: a ledger lease held for one round of work (a dossier, a batch of dossiers, a
 * subscriber's ordering key). The lease lives in the ledger (PostgreSQL), not in Redis: a lost or
 * duplicated BullMQ job only means another wake-up, and the lease decides who sends.
 *
 * By construction the round
 * - renews the lease before each step once a quarter of it is gone, and on a timer while a step
 *   runs long (a slow upstream must not let it lapse, or a second replica would send the same
 *   work again);
 * - stops before the next step once the lease was found taken or the worker is closing
 *   (`lease.next()` answers false), so shutdown never waits for a thousand more steps;
 * - releases the lease at the end unless the round handed it over itself (a settle or retry
 *   statement that releases it in the same transaction) or lost it.
 */
import { randomUUID } from 'node:crypto'
import type { Logger } from 'pino'

export interface LeaseOptions<C> {
  leaseMs: number
  /** Takes the lease; a falsy answer means someone else holds it (withLease answers `busy`). */
  claim(): Promise<C | null | undefined | false>
  /** Extends the lease; false when it is no longer ours (it lapsed and another holder took it). */
  renew(): Promise<boolean>
  /** Gives the lease back; best effort, as it expires by itself. */
  release(): Promise<unknown>
  /** True once the worker is closing: the round stops between steps. */
  stopping(): boolean
  log: Logger
}

export interface Lease {
  /**
   * Call before each step: renews the lease when it is due, then answers whether to go on
   * (false: the lease was lost, or the worker is closing — see `lost`).
   */
  next(): Promise<boolean>
  /** Renews when due without the shutdown check (before a final settle); false when the lease was lost. */
  keep(): Promise<boolean>
  /** The lease was found taken by another holder: send nothing more and settle nothing. */
  readonly lost: boolean
  /** The round released the lease itself (or handed it on): nothing to release at the end. */
  handedOver(): void
}

/** An owner id for a lease: this worker instance, the job, and a nonce for this round. */
export const leaseOwner = (instance: string, jobId: string | undefined) => `${instance}/${jobId}/${randomUUID().slice(0, 8)}`

export async function withLease<C, T>(options: LeaseOptions<C>, round: (claim: C, lease: Lease) => Promise<T>): Promise<T | 'busy'> {
  const claim = await options.claim()
  if (!claim) return 'busy'
  const { leaseMs, log } = options
  let renewedAt = Date.now()
  let lost = false
  let released = false
  let renewing: Promise<boolean> | undefined

  /** One renewal at a time; `renewedAt` counts from when it was asked, as the ledger's clock does. */
  const renew = (): Promise<boolean> => {
    renewing ??= (async () => {
      const asked = Date.now()
      try {
        if (await options.renew()) renewedAt = asked
        else lost = true
        return !lost
      } finally {
        renewing = undefined
      }
    })()
    return renewing
  }
  /** Due once a quarter of the lease is gone: it never lapses while its holder is still working. */
  const due = () => !lost && Date.now() - renewedAt >= leaseMs / 4
  const keep = async (): Promise<boolean> => {
    if (due()) await renew()
    return !lost
  }
  // A step may outlast a quarter of the lease (a slow subscriber or upstream): renewed meanwhile.
  // A failure here is logged only: the next `keep()` before a step renews again and reports it.
  const timer = setInterval(() => {
    if (renewing || !due()) return
    renew().catch((err: unknown) => log.warn({ err }, 'could not renew a lease; retried before the next step'))
  }, Math.max(100, Math.floor(leaseMs / 4)))
  timer.unref()

  const lease: Lease = {
    next: async () => !options.stopping() && (await keep()),
    keep,
    get lost() {
      return lost
    },
    handedOver() {
      released = true
    },
  }
  try {
    return await round(claim, lease)
  } finally {
    clearInterval(timer)
    await renewing?.catch(() => undefined) // its failure was reported where it was awaited, or by the timer
    if (!released && !lost) await options.release().catch((err: unknown) => log.warn({ err }, 'could not release a lease; it expires by itself'))
  }
}
