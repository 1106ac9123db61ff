/**
 * Benchmark entry: `npm run bench -- <name> [options]` runs one benchmark; `npm run bench` lists
 * them. A benchmark is a module exporting `run(args)`; register it below with one line.
 * Exit codes: 0 done, 1 the benchmark failed (non-2xx answers, a child died, bad flags), 130 interrupted.
 * Every run is watched by lib/machine-load.ts: the load is printed before and during it, and its
 * results are written to bench/README.md only when the machine was quiet.
 */
import { startLoadMonitor } from './lib/machine-load.js'

export interface BenchmarkModule {
  /** Runs the benchmark with the arguments after its name; rejects on failure. */
  run(args: string[]): Promise<void>
}

const BENCHMARKS: Record<string, { module: string; description: string }> = {
  'citizens-lookup': {
    module: './citizens-lookup.js',
    description: 'POST /v1/citizens/lookup: the hub vs a bare Fastify + undici SOAP baseline, same simulator',
  },
  'dossier-sync': {
    module: './dossier-sync.js',
    description: 'PUT /v1/dossiers → ledger → BullMQ → national-portal simulator: deliveries/s, lag, no loss; raw BullMQ baseline; outage drain',
  },
  edxml: {
    module: './edxml.js',
    description: 'edXML (real QCVN 102:2016 layout) build, parse, sign, verify of a ~1 MiB package vs fast-xml-parser alone on the same text; peak memory per MiB',
  },
  independent: {
    module: './independent/index.js',
    description: 'the independent check: plain autocannon against `npm start` (sandbox, fresh PGlite) and a direct SOAP call to its population simulator; hub own CPU per lookup, RSS after start and after load',
  },
  indicators: {
    module: './indicators.js',
    description: 'indicator model: accept transaction with the model on vs off (goal ≥ 0.9×); queries over a year of 2,000,000 dossiers on PostgreSQL (goal p95 < 200 ms)',
  },
  prefill: {
    module: './prefill.js',
    description: 'POST /v1/prefill fan-out at 50/80/120 ms upstream latency: p50/p99 against the slowest source; direct-calls baseline',
  },
  'webhook-ingest': {
    module: './webhook-ingest.js',
    description: 'POST /v1/webhooks/national-portal (verify + dedupe + inbox commit) vs a verify-only Fastify route; zero lost',
  },
}

function list(): string {
  const width = Math.max(...Object.keys(BENCHMARKS).map((n) => n.length))
  const lines = Object.entries(BENCHMARKS).map(([name, b]) => `  ${name.padEnd(width)}  ${b.description}`)
  return `usage: npm run bench -- <name> [options]   (--help after a name shows its options)\n\nbenchmarks:\n${lines.join('\n')}\n`
}

async function main(): Promise<void> {
  const [name, ...args] = process.argv.slice(2)
  if (name === undefined || name === '--help' || name === '-h') return void process.stdout.write(list())
  const entry = BENCHMARKS[name]
  if (!entry) {
    process.stderr.write(`unknown benchmark "${name}"\n\n${list()}`)
    process.exitCode = 1
    return
  }
  const mod = (await import(entry.module)) as BenchmarkModule
  const monitor = args.includes('--help') ? undefined : startLoadMonitor((line) => void process.stderr.write(`${line}\n`))
  try {
    await mod.run(args)
  } finally {
    monitor?.stop()
  }
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (err: unknown) => {
    const e = err as Error & { code?: string }
    // Expected failures (bad flags, non-2xx answers) read best as one message; anything else gets its stack.
    const expected = e.name === 'BenchmarkFailure' || e.code?.startsWith('ERR_PARSE_ARGS') === true
    process.stderr.write(`\nbenchmark failed: ${expected ? e.message : (e.stack ?? String(err))}\n`)
    process.exit(process.exitCode === 130 ? 130 : 1) // 130: interrupted (Ctrl-C)
  },
)
