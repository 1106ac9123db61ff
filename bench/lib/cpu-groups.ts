/**
 * A `.cpuprofile` by function group: each sample goes to the group of the frame nearest to it on
 * its stack (leaf first) that a group claims, so library time counts for what called it (pg's
 * array encoding for the driver, a socket write for whoever wrote) and a project function's own
 * time for its group. GC is its own group; what no group claims is "other" (mostly Node's HTTP
 * server and the event loop). Percentages are of busy time (idle excluded). The profile is
 * sampled by wall clock: a native socket write whose thread waited for a core counts as busy.
 */
import { readFileSync } from 'node:fs'
import { markdownTable, num } from './report.js'

interface Node { id: number; callFrame: { functionName: string; url: string }; children?: number[] }
interface Profile { nodes: Node[]; samples: number[]; timeDeltas: number[] }

export interface FunctionGroup { name: string; test: RegExp }

/** The groups of the dossier accept + delivery path, in priority order for a frame claimed by two. */
export const SYNC_GROUPS: FunctionGroup[] = [
  { name: 'DongBoHoSoMC record mapping (connectors/national-portal record.ts, wire.ts, vn-time.ts)', test: /connectors\/national-portal\/(record|wire|vn-time)\.ts/ },
  { name: 'national-portal connector, other (connectors/national-portal)', test: /connectors\/national-portal\// },
  { name: 'hub facts (src/sync/hub-facts.ts)', test: /src\/sync\/hub-facts\.ts/ },
  { name: 'indicator model (src/indicators)', test: /src\/indicators\// },
  { name: 'canonical JSON + body hash', test: /src\/sync\/canonical-json\.ts/ },
  { name: 'accept batch (src/sync/accept-batch.ts)', test: /src\/sync\/accept-batch\.ts/ },
  { name: 'delivery drain, claim, settle (src/sync, src/jobs)', test: /src\/(sync|jobs)\// },
  { name: 'upstream client, registry, circuit (src/upstream)', test: /src\/upstream\// },
  { name: 'validation (ajv, formats, input guard)', test: /node_modules\/(ajv|ajv-formats)\/|src\/plugins\/input-guard|schemas\/|^validate\d*$|validateParam/ },
  { name: 'request body JSON parse', test: /secure-json-parse|contentTypeParser|ContentTypeParser/ },
  { name: 'logging (pino)', test: /node_modules\/(pino|pino-std-serializers|sonic-boom)\/|src\/logger/ },
  { name: 'BullMQ', test: /node_modules\/bullmq\// },
  { name: 'ioredis (Redis driver)', test: /node_modules\/ioredis\/|src\/redis\.ts/ },
  { name: 'pg driver (incl. its socket writes)', test: /node_modules\/(pg|pg-protocol|pg-pool|pg-types|postgres-[a-z]+)\/|src\/db\// },
  { name: 'undici (portal calls, incl. socket writes)', test: /node_modules\/undici\/|node:internal\/deps\/undici/ },
  { name: 'Fastify, routes, hooks (auth, rate limit, metrics)', test: /node_modules\/(fastify|@fastify|avvio|find-my-way|fast-json-stringify|light-my-request|prom-client)\/|src\/(routes|plugins|app\.ts|metrics)/ },
]

export function groupProfile(file: string, groups: FunctionGroup[]): { busyMs: number; rows: Array<{ name: string; ms: number; share: number }> } {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile
  const byId = new Map(p.nodes.map((n) => [n.id, n]))
  const parent = new Map<number, number>()
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const selfUs = new Map<number, number>()
  p.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)))
  const label = (n: Node) => `${n.callFrame.url} ${n.callFrame.functionName}`
  const totals = new Map<string, number>()
  let busy = 0
  for (const [id, us] of selfUs) {
    const leaf = byId.get(id)!
    if (leaf.callFrame.functionName === '(idle)') continue
    busy += us
    let group = leaf.callFrame.functionName === '(garbage collector)' ? 'garbage collector' : undefined
    for (let n: number | undefined = id; group === undefined && n !== undefined; n = parent.get(n)) {
      const node = byId.get(n)!
      group = groups.find((g) => g.test.test(label(node)) || g.test.test(node.callFrame.functionName))?.name
    }
    totals.set(group ?? 'other (Node HTTP server, event loop, timers)', (totals.get(group ?? 'other (Node HTTP server, event loop, timers)') ?? 0) + us)
  }
  const rows = [...totals].sort((a, b) => b[1] - a[1]).map(([name, us]) => ({ name, ms: us / 1000, share: busy > 0 ? us / busy : 0 }))
  return { busyMs: busy / 1000, rows }
}

/** The grouped profile as a markdown table, with µs per update when `updates` is given. */
export function formatGroups(g: ReturnType<typeof groupProfile>, updates?: number): string {
  return markdownTable(
    ['function group (nearest frame on the stack)', 'ms', 'share', ...(updates ? ['µs / update'] : [])],
    g.rows.map((r) => [r.name, num(r.ms), `${(r.share * 100).toFixed(1)} %`, ...(updates ? [num((r.ms * 1000) / updates)] : [])]),
  )
}

// `npx tsx bench/lib/cpu-groups.ts <file.cpuprofile> [updates]`: the same table for a profile kept from another run.
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\/bench\//, '/bench/'))) {
  const [file, updates] = process.argv.slice(2)
  if (!file) throw new Error('usage: npx tsx bench/lib/cpu-groups.ts <file.cpuprofile> [updates]')
  const g = groupProfile(file, SYNC_GROUPS)
  process.stdout.write(`${file}: ${num(g.busyMs)} ms busy\n\n${formatGroups(g, updates ? Number(updates) : undefined)}\n`)
}
