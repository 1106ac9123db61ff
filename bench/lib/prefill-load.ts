/**
 * autocannon with a request built per request: `next()` gives the body (and extra headers) of each
 * request, from one counter shared by all connections, and `onResponse` sees every answer.
 * (load.ts's `runLoad` cycles a fixed list per connection: all connections then start on the same
 * body and stay nearly in step, which would make 50 concurrent requests ask for the same citizen
 * and the same procedure.) Used by the prefill and webhook-ingest benchmarks; the summary has the
 * shape of load.ts's, so `assertClean` applies.
 */
import autocannon from 'autocannon'
import { summarise, type LoadResult } from './load.js'
import { cpuDelta, cpuSnapshot, type CpuDelta } from './cpu-usage.js'
import { runQueueWaitMs } from './sync-cpu.js'

export interface DynamicLoadOptions {
  title: string
  url: string
  connections: number
  durationS: number
  /** Headers of every request. */
  headers: Record<string, string>
  /** The next request's body and extra headers. */
  next(): { body: string; headers?: Record<string, string> }
  /** Every answer, with its body as text. */
  onResponse?(status: number, body: string): void
}

export async function runDynamicLoad(o: DynamicLoadOptions): Promise<LoadResult> {
  const result = await autocannon({
    title: o.title,
    url: o.url,
    connections: o.connections,
    duration: o.durationS,
    method: 'POST',
    headers: o.headers,
    requests: [{
      setupRequest: (req) => {
        const n = o.next()
        return { ...req, method: 'POST', body: n.body, headers: { ...o.headers, ...n.headers } }
      },
      ...(o.onResponse && { onResponse: (status: number, body: string) => o.onResponse!(status, body) }),
    }],
  })
  return summarise(o.title, result)
}

/**
 * cpu-usage.ts's accounting plus, per named process, how long its main thread was runnable but
 * had no core (sync-cpu.ts's /proc schedstat reading). PostgreSQL is not split out of "other"
 * here: with other sessions opening and closing connections, a sum over `postgres` processes
 * loses every backend that exits during the window.
 */
export interface CpuWindow extends CpuDelta {
  waitMs: Record<string, number | undefined>
}

export function cpuWindow(pids: Record<string, number | undefined>): () => CpuWindow {
  const waits = () => Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, pid === undefined ? undefined : runQueueWaitMs(pid)]))
  const before = { cpu: cpuSnapshot(pids), waits: waits() }
  return () => {
    const after = { cpu: cpuSnapshot(pids), waits: waits() }
    const waitMs = Object.fromEntries(Object.keys(pids).map((k) => {
      const a = before.waits[k]
      const b = after.waits[k]
      return [k, a === undefined || b === undefined ? undefined : b - a]
    }))
    return { ...cpuDelta(before.cpu, after.cpu), waitMs }
  }
}
