/**
 * The webhook-ingest report: hub (verify + envelope/schema check + dedupe + inbox group commit)
 * against the verify-only baseline, the goal (hub throughput ≥ 0.6× baseline), every run with its
 * CPU accounting, and the zero-lost check of the inbox. Markdown, for the terminal and the README.
 */
import type { CpuWindow } from './prefill-load.js'
import type { LoadResult } from './load.js'
import type { InboxCheck } from './webhook-verify.js'
import { abSummary, cores, machineNote, markdownTable, num, ratio, runCells, usPerRequest, verdict } from './report.js'

export const GOAL_RATIO = 0.6

export interface WebhookRun {
  round: number
  side: 'hub' | 'baseline'
  result: LoadResult
  cpu: CpuWindow
}

export interface WebhookReportInput {
  command: string
  connections: number
  durationS: number
  warmupS: number
  rounds: number
  ledger: string
  bodyBytes: number[]
  runs: WebhookRun[]
  inbox: InboxCheck
  /** Answers per status the hub gave over the whole run (preflight and warm-ups included). */
  hubStatuses: Record<string, number>
  notes: string[]
}

export function webhookReport(r: WebhookReportInput): string {
  const summary = abSummary(r.runs, { hub: 'A: hub (verify + dedupe + commit)', baseline: 'B: baseline (verify only)' }, {
    throughput: (x) => `**${num(x, 2)}** (goal ≥ ${GOAL_RATIO}: ${verdict(x >= GOAL_RATIO)})`,
    p99: ratio,
  })
  const perRun = markdownTable(['round', 'side', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'requests', 'server CPU µs/req', 'bench (load) µs/req', 'server cores', 'server waiting for a core', 'other cores'],
    r.runs.map((x) => [
      String(x.round), x.side, ...runCells(x.result),
      num(usPerRequest(x, x.side)), num(usPerRequest(x, 'self')),
      cores(x, x.cpu.processes[x.side]), cores(x, x.cpu.waitMs[x.side]), cores(x, x.cpu.otherMs),
    ]))
  const i = r.inbox
  const zeroLost = i.lost.length === 0 && i.maxSeq === i.rows
  const statuses = Object.entries(r.hubStatuses).map(([code, n]) => `${code}: ${num(n)}`).join(', ')
  return [
    `Command: \`${r.command}\``,
    '',
    `Machine: ${machineNote()}. Hub, baseline, PostgreSQL, Redis and autocannon share these cores, and other people's test runs share the machine (*other cores* below): absolute numbers are noisy; compare the ratio.`,
    '',
    `Load: ${r.connections} connections, ${r.durationS} s measured after ${r.warmupS} s warm-up per run, ${r.rounds} rounds A/B. Every request has a fresh \`webhook-id\`, the current \`webhook-timestamp\` and a valid \`v1\` signature (built per request by autocannon's \`setupRequest\`); bodies rotate over the 4 known event types (${r.bodyBytes.map((b) => `${b}`).join(' / ')} bytes). Ledger: ${r.ledger}. Summary columns are the median over rounds (min–max); ratios are the median of the per-round ratios.`,
    '',
    summary,
    '',
    perRun,
    '',
    `**Zero lost: ${zeroLost ? 'yes' : '**NO**'}.** The hub answered ${statuses} over the whole run (preflight and warm-ups included); the inbox holds **${num(i.rows)} rows** (seq 1..${num(i.maxSeq)}${i.maxSeq === i.rows ? ', no holes' : ', **with holes**'}) for **${num(i.acknowledged)} ids answered 202**: ${num(i.lost.length)} acknowledged ids missing${i.lost.length > 0 ? ` (${i.lost.slice(0, 3).join(', ')}…)` : ''}, ${num(i.unacknowledged)} rows whose answer the load generator never read (requests in flight when a run stopped; at most ${r.connections} per run).`,
    '',
    '*server CPU µs/req*: CPU time (all threads, /proc) of the process under test per completed request; *bench (load)*: the load generator, which signs every request; *server cores*: CPU of the process under test per wall second; *server waiting for a core*: share of the time its main thread was runnable but had no core (/proc schedstat); *other cores*: CPU used meanwhile by every other process: PostgreSQL and Redis (serving this benchmark) and other people\'s work.',
    ...r.notes.flatMap((n) => ['', n]),
  ].join('\n')
}
