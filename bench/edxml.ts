/**
 * Benchmark: the edXML codec (connectors/document-axis/edxml.ts) on a ~1 MiB document package in
 * the real QCVN 102:2016 layout (root `edXML`, attachments in `AttachmentEncoded/Attachment`
 * outside the envelope) with two attachments (seeded random bytes): packages/s built, parsed,
 * signed and verified, against fast-xml-parser alone parsing the same package text (default
 * options, no validator, no base64 decoding) — the cost of "just parsing the XML". Variants run in
 * one process, in rounds whose order rotates, so machine noise hits all of them; the ratios are
 * the result, not the absolute times (2 shared cores). Then each operation's peak memory, one child
 * process per operation (bench/lib/edxml-memory-child.ts), per MiB of package. bench/README.md § edxml.
 */
import { deepStrictEqual } from 'node:assert'
import { execFile } from 'node:child_process'
import { loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { parseArgs } from 'node:util'
import { parseEdoc } from '../connectors/document-axis/edxml.js'
import { verifyPackage } from '../connectors/document-axis/edxml-signature.js'
import { BenchmarkFailure } from './lib/load.js'
import { positiveNumber } from './lib/flags.js'
import { log, machineNote, markdownTable, mean, ms, num, writeLatestResults } from './lib/report.js'
import { benchPackages, OPERATIONS, type OperationKey } from './lib/edxml-packages.js'

const NAME = 'edxml'
const MiB = 1024 * 1024

const USAGE = `npm run bench -- ${NAME} [options]
  --rounds N     rounds; each measures every variant once, in rotating order (default 5)
  --seconds S    measured seconds per variant per round (default 2)
  --no-readme    do not write the results into bench/README.md`

interface Variant {
  key: OperationKey
  label: string
  op: () => unknown
}

const LABELS: Record<OperationKey, string> = {
  build: 'ours: buildEdoc (Edoc in, package bytes out)',
  parse: 'ours: parseEdoc (bytes in, attachments decoded)',
  roundTrip: 'ours: buildEdoc + parseEdoc',
  fullPath: 'ours: parseEdoc, same package with another prefix (`vb:`, also cut out)',
  sign: 'ours: signPackage (xml-crypto, RSA-SHA1, enveloped)',
  verify: 'ours: verifyPackage (xml-crypto) of the signed package',
  baseline: 'baseline: fast-xml-parser `parse` (text in, defaults, no validator)',
}

/** Peak RSS of `ops` runs of one operation, in a child of its own, minus an idle child's. */
async function peakMemory(key: OperationKey | 'idle', ops: number): Promise<number> {
  const child = fileURLToPath(new URL('./lib/edxml-memory-child.ts', import.meta.url))
  const { stdout } = await promisify(execFile)(process.execPath, ['--import=tsx', child, '--op', key, '--ops', String(ops)], { maxBuffer: 1024 * 1024 })
  return (JSON.parse(stdout) as { maxRssBytes: number }).maxRssBytes
}

/** Runs `op` back to back for `seconds`; returns each call's duration in ms. */
function measure(op: () => unknown, seconds: number): number[] {
  const samples: number[] = []
  const until = performance.now() + seconds * 1000
  let sink = 0
  while (performance.now() < until) {
    const t0 = performance.now()
    const result = op()
    samples.push(performance.now() - t0)
    sink += result === undefined ? 0 : 1 // keeps the result alive
  }
  if (sink !== samples.length) throw new BenchmarkFailure('an operation returned nothing')
  return samples
}

const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.99))]!

export async function run(args: string[]): Promise<void> {
  const { values: v } = parseArgs({ args, options: { rounds: { type: 'string' }, seconds: { type: 'string' }, 'no-readme': { type: 'boolean' }, help: { type: 'boolean' } } })
  if (v.help) return void process.stdout.write(`${USAGE}\n`)
  const rounds = Math.round(positiveNumber('rounds', v.rounds, 5))
  const seconds = positiveNumber('seconds', v.seconds, 2)

  const packages = benchPackages()
  const { edoc, pkg, otherPrefix, signed } = packages
  // Preflight: ours round-trips exactly, on both paths; the signed package verifies; the baseline sees the same two attachments.
  deepStrictEqual(parseEdoc(pkg), edoc)
  deepStrictEqual(parseEdoc(otherPrefix), edoc)
  deepStrictEqual(parseEdoc(signed), edoc)
  if (verifyPackage(signed).status !== 'valid') throw new BenchmarkFailure('the signed package does not verify')
  const tree = OPERATIONS.baseline(packages)() as { edXML: { AttachmentEncoded: { Attachment: Array<{ 'edXML:ContentTransferEncoded': string }> } } }
  deepStrictEqual(tree.edXML.AttachmentEncoded.Attachment.map((a) => a['edXML:ContentTransferEncoded']), edoc.attachments.map((a) => a.data.toString('base64')))
  const mib = pkg.byteLength / MiB
  log(`package: ${num(pkg.byteLength)} bytes (${num(mib, 2)} MiB), attachments ${edoc.attachments.map((a) => num(a.data.byteLength)).join(' + ')} bytes; signed ${num(signed.byteLength)} bytes`)

  const variants: Variant[] = (Object.keys(OPERATIONS) as OperationKey[]).map((key) => ({ key, label: LABELS[key], op: OPERATIONS[key](packages) }))
  for (const variant of variants) measure(variant.op, Math.min(1, seconds)) // warm-up, unmeasured

  const samples = new Map(variants.map((x) => [x.key, [] as number[]]))
  const roundMeans: Array<Record<Variant['key'], number>> = []
  for (let round = 0; round < rounds; round++) {
    const order = variants.map((_, i) => variants[(i + round) % variants.length]!)
    const means = {} as Record<Variant['key'], number>
    for (const variant of order) {
      const s = measure(variant.op, seconds)
      samples.get(variant.key)!.push(...s)
      means[variant.key] = mean(s)
    }
    roundMeans.push(means)
    log(`round ${round + 1}/${rounds}: ${variants.map((x) => `${x.key} ${ms(means[x.key])} ms`).join(', ')}`)
  }

  log('peak memory: one child per operation, 10 operations each')
  const idle = await peakMemory('idle', 10)
  const peaks = new Map<OperationKey, number>()
  for (const variant of variants) peaks.set(variant.key, Math.max(0, (await peakMemory(variant.key, 10)) - idle))

  const baselineMean = mean(samples.get('baseline')!)
  const rows = variants.map((variant) => {
    const s = samples.get(variant.key)!
    const m = mean(s)
    const perRound = roundMeans.map((r) => r[variant.key] / r.baseline)
    return [
      variant.label, num(s.length), num(1000 / m, 1), num((1000 / m) * mib, 1), num(m, 2), num(p99(s), 2),
      variant.key === 'baseline' ? '1×' : `${num(m / baselineMean, 3)}× (rounds ${num(Math.min(...perRound), 3)}–${num(Math.max(...perRound), 3)})`,
      variant.key === 'baseline' ? '' : `${num(baselineMean / m, 1)}×`,
      num(peaks.get(variant.key)! / MiB / mib, 1),
    ]
  })
  const markdown = [
    `Command: \`npm run bench -- ${[NAME, ...args].join(' ')}\` — ${rounds} rounds × ${seconds} s per variant, order rotating each round.`,
    '',
    `Package: ${num(pkg.byteLength)} bytes (${num(mib, 2)} MiB) in the real layout: Vietnamese header with what VNPT's library writes (two recipients, ResponseFor, OtherInfo with Direction and Appendixes, Bussiness with StaffInfo), two attachments of ` +
      `${edoc.attachments.map((a) => num(a.data.byteLength)).join(' and ')} random bytes (fixed seed), base64 on one line each; signed: ${num(signed.byteLength)} bytes.`,
    '',
    markdownTable(['variant', 'ops', 'ops/s (packages/s)', 'MiB/s', 'mean ms', 'p99 ms', 'time per op ÷ baseline', 'speed-up', 'peak MiB per MiB of package'], rows),
    '',
    `Time per op ÷ baseline: over all rounds, and the range of the per-round ratios (each round measures every variant back to back); below 1× is faster than fast-xml-parser alone. ` +
      `Peak memory: a child process per operation runs it 10 times; its peak RSS minus that of a child doing everything but the operation, divided by the package size. ` +
      `Machine: ${machineNote()}; load average at the end ${loadavg().map((x) => num(x, 2)).join(' / ')}.`,
  ].join('\n')
  process.stdout.write(`\n## ${NAME}\n\n${markdown}\n`)
  if (!v['no-readme']) writeLatestResults(NAME, markdown, log)
}
