/**
 * What the hub's own /metrics say about a measured window: mean connector call time per
 * connector (retries included, from `lgsp_upstream_duration_seconds`), mean audit group-commit
 * transaction time and records per commit. Differences of two scrapes, so only the window counts.
 */
export type MetricTotals = Map<string, number>

/** Sum of every series of `name` whose labels contain `labelPart` (all series when empty). */
function total(text: string, name: string, labelPart = ''): number {
  let sum = 0
  for (const line of text.split('\n')) {
    if (!(line.startsWith(`${name}{`) || line.startsWith(`${name} `)) || !line.includes(labelPart)) continue
    sum += Number(line.slice(line.lastIndexOf(' ') + 1))
  }
  return sum
}

const SERIES = {
  popSum: ['lgsp_upstream_duration_seconds_sum', 'connector="population"'],
  popCount: ['lgsp_upstream_duration_seconds_count', 'connector="population"'],
  portalSum: ['lgsp_upstream_duration_seconds_sum', 'connector="national-portal"'],
  portalCount: ['lgsp_upstream_duration_seconds_count', 'connector="national-portal"'],
  auditSum: ['lgsp_audit_write_duration_seconds_sum', ''],
  auditCount: ['lgsp_audit_write_duration_seconds_count', ''],
  batchSum: ['lgsp_audit_batch_size_sum', ''],
} as const

export async function scrape(hubUrl: string): Promise<MetricTotals> {
  const text = await (await fetch(`${hubUrl}/metrics`)).text()
  return new Map(Object.entries(SERIES).map(([k, [name, label]]) => [k, total(text, name, label)]))
}

export interface HubInternals {
  populationMs: number
  portalMs: number
  auditCommitMs: number
  recordsPerCommit: number
}

export function internals(a: MetricTotals, b: MetricTotals): HubInternals {
  const d = (k: keyof typeof SERIES) => (b.get(k) ?? 0) - (a.get(k) ?? 0)
  return {
    populationMs: (d('popSum') * 1000) / d('popCount'),
    portalMs: (d('portalSum') * 1000) / d('portalCount'),
    auditCommitMs: (d('auditSum') * 1000) / d('auditCount'),
    recordsPerCommit: d('batchSum') / d('auditCount'),
  }
}
