/**
 * autocannon with a request built per request: `next()` gives the body (and extra headers) of each
 * request, from one counter shared by all connections, and `onResponse` sees every answer.
 * (load.ts's `runLoad` cycles a fixed list per connection: all connections then start on the same
 * body and stay nearly in step, which would make 50 concurrent requests ask for the same citizen
 * and the same procedure.) Used by the prefill and webhook-ingest benchmarks; the summary has the
 * shape of load.ts's, so `assertClean` applies.
 */
import autocannon from 'autocannon'
import type { LoadResult } from './load.js'

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
  const statusCodes: Record<string, number> = {}
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = stat.count ?? 0
  return {
    title: o.title,
    connections: result.connections,
    durationS: result.duration,
    rps: result.requests.average,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
    total: result.requests.total,
    ok2xx: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
  }
}
