/**
 * autocannon wrapper: one load run against one URL, summarised to the numbers the reports use.
 * A run with any non-2xx answer, connection error or timeout is a failed benchmark, not a data
 * point: `assertClean` throws with the status breakdown.
 */
import autocannon from 'autocannon'

export interface LoadOptions {
  title: string
  url: string
  connections: number
  durationS: number
  method?: 'GET' | 'POST'
  headers?: Record<string, string>
  /** Bodies cycled through by every connection (pre-encoded by autocannon, so cheap to send). */
  bodies?: string[]
}

export interface LoadResult {
  title: string
  connections: number
  durationS: number
  /** Mean requests per second over the run (autocannon's Req/Sec average). */
  rps: number
  /** Latency percentiles in ms. */
  p50: number
  p90: number
  p99: number
  max: number
  total: number
  ok2xx: number
  non2xx: number
  errors: number
  timeouts: number
  statusCodes: Record<string, number>
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const result = await autocannon({
    title: options.title,
    url: options.url,
    connections: options.connections,
    duration: options.durationS,
    method: options.method ?? 'POST',
    ...(options.headers && { headers: options.headers }),
    ...(options.bodies && { requests: options.bodies.map((body) => ({ body })) }),
  })
  return summarise(options.title, result)
}

/** autocannon's result reduced to the numbers the reports use (runLoad's and prefill-load.ts's runDynamicLoad). */
export function summarise(title: string, result: autocannon.Result): LoadResult {
  const statusCodes: Record<string, number> = {}
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = stat.count ?? 0
  return {
    title,
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

export class BenchmarkFailure extends Error {
  override name = 'BenchmarkFailure'
}

/** Throws unless every request got a 2xx answer. */
export function assertClean(r: LoadResult): void {
  if (r.non2xx === 0 && r.errors === 0 && r.timeouts === 0 && r.ok2xx > 0) return
  const codes = Object.entries(r.statusCodes).map(([code, n]) => `${code}: ${n}`).join(', ') || 'none'
  throw new BenchmarkFailure(`${r.title}: ${r.non2xx} non-2xx answers, ${r.errors} connection errors, ${r.timeouts} timeouts out of ${r.total} requests (status codes: ${codes})`)
}
