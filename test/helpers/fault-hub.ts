/**
 * The fault suite's common setup: a one-stop receiver, a PostgreSQL hub with short leases and a
 * fast reconciler (a lease taken just before a fault expires soon after), and a watch on
 * uncaught exceptions, which must stay empty. All torn down with the test.
 */
import type { Test } from 'tap'
import { startTestHub, type TestHub } from './hub.js'
import { startReceiver } from './receiver.js'

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Uncaught exceptions seen while the test runs. */
export function watchCrashes(t: Test): unknown[] {
  const crashes: unknown[] = []
  const onCrash = (err: unknown) => crashes.push(err)
  process.on('uncaughtException', onCrash)
  t.teardown(() => { process.off('uncaughtException', onCrash) })
  return crashes
}

export async function startFaultHub(t: Test, options: { secret: string; overrides?: Record<string, unknown>; logLevel?: string }) {
  const receiver = await startReceiver({ secret: options.secret })
  t.teardown(() => receiver.close())
  const hub: TestHub = await startTestHub('postgres', {
    ...options.overrides,
    subscribers: [{ name: 'one-stop', url: receiver.url, secrets: [options.secret], agencies: ['*.H34'] }],
    webhooks: { scheduleMs: [0, ...Array(30).fill(300)], leaseMs: 2000 },
    sync: { reconcileEveryMs: 300, staleAfterMs: 1000, leaseMs: 2000 },
    log: { level: options.logLevel ?? 'fatal' },
  })
  t.teardown(() => hub.close())
  return { hub, receiver, crashes: watchCrashes(t) }
}
