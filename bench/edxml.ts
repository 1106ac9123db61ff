/**
 * Benchmark: the edXML codec (connectors/document-axis/edxml.ts) on a ~1 MiB document package
 * with two attachments (seeded random bytes), against fast-xml-parser alone parsing the same
 * package text (default options, no validator, no base64 decoding) — the cost of "just parsing
 * the XML". Variants run in one process, in rounds whose order rotates, so machine noise hits all
 * of them; the ratios are the result, not the absolute times (2 shared cores). bench/README.md § edxml.
 */
import { deepStrictEqual } from 'node:assert'
import { loadavg } from 'node:os'
import { parseArgs } from 'node:util'
import { XMLParser } from 'fast-xml-parser'
import { buildEdoc, parseEdoc } from '../connectors/document-axis/edxml.js'
import type { Edoc } from '../connectors/document-axis/model.js'
import { BenchmarkFailure } from './lib/load.js'
import { positiveNumber } from './lib/flags.js'
import { log, machineNote, markdownTable, mean, ms, num, writeLatestResults } from './lib/report.js'
import { seededBytes } from '../src/sim/prng.js'

const NAME = 'edxml'
const MiB = 1024 * 1024

const USAGE = `npm run bench -- ${NAME} [options]
  --rounds N     rounds; each measures every variant once, in rotating order (default 5)
  --seconds S    measured seconds per variant per round (default 2)
  --no-readme    do not write the results into bench/README.md`

/** A realistic header (Vietnamese text, two recipients, a reply) and two attachments totalling ~780 KB (~1 MiB as base64). */
function benchEdoc(): Edoc {
  return {
    header: {
      from: { organId: '000.00.00.H34', organName: 'Ủy ban nhân dân tỉnh Kon Tum', email: 'ubnd@kontum.gov.vn' },
      to: [
        { organId: '000.00.00.G22', organName: 'Văn phòng Chính phủ' },
        { organId: '000.00.24.H34', organName: 'Sở Thông tin và Truyền thông tỉnh Kon Tum' },
      ],
      documentId: '000.00.00.H34,2024/05/01,12/UBND-TTĐT',
      code: { number: '12', notation: 'UBND-TTĐT' },
      promulgation: { place: 'Kon Tum', date: '2024-05-01' },
      documentType: { type: '1', typeName: 'Công văn' },
      subject: 'V/v triển khai Kế hoạch số 1613/KH-UBND về chuyển đổi số',
      content: 'Đề nghị các đơn vị triển khai và báo cáo kết quả trước ngày 15/5/2024.',
      signer: { competence: 'KT. CHỦ TỊCH', position: 'PHÓ CHỦ TỊCH', fullName: 'Nguyễn Văn An' },
      other: { priority: '1', pageAmount: 3 },
      responseFor: { organId: '000.00.00.G22', code: '7816/VPCP-TTĐT', promulgationDate: '2015-09-30', documentId: '000.00.00.G22,2015/09/30,7816/VPCP-TTĐT' },
      trace: [{ organId: '000.00.00.H34', timestamp: '2024-05-01T08:30:00+07:00' }],
      business: { docType: 'new' },
    },
    attachments: [
      { contentId: 'cv12', contentType: 'application/pdf', name: 'Công văn 12.pdf', data: seededBytes(400_000, 0x2024) },
      { contentId: 'phuluc', contentType: 'application/pdf', name: 'Phụ lục.pdf', data: seededBytes(380_000, 0x1613) },
    ],
  }
}

interface Variant {
  key: 'roundTrip' | 'parse' | 'fullPath' | 'baseline'
  label: string
  op: () => unknown
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

  const edoc = benchEdoc()
  const pkg = buildEdoc(edoc)
  const text = pkg.toString('utf8')
  const baselineParser = new XMLParser()
  // Preflight: ours round-trips exactly; the baseline sees the same two base64 attachments.
  deepStrictEqual(parseEdoc(pkg), edoc)
  const tree = baselineParser.parse(text) as { 'edXML:edXMLEnvelope': { 'edXML:AttachmentEncoded': Array<{ 'edXML:Value': string }> } }
  const values = tree['edXML:edXMLEnvelope']['edXML:AttachmentEncoded'].map((a) => a['edXML:Value'])
  deepStrictEqual(values, edoc.attachments.map((a) => a.data.toString('base64')))
  // The same package spelled with another prefix: the attachment fast path does not apply, so the
  // whole package goes through the validator and the parser (what a foreign sender may cost).
  const otherPrefix = Buffer.from(text.replaceAll('edXML:', 'vb:').replace('xmlns:edXML=', 'xmlns:vb='))
  deepStrictEqual(parseEdoc(otherPrefix), edoc)
  const mib = pkg.byteLength / MiB
  log(`package: ${num(pkg.byteLength)} bytes (${num(mib, 2)} MiB), attachments ${edoc.attachments.map((a) => num(a.data.byteLength)).join(' + ')} bytes`)

  const variants: Variant[] = [
    { key: 'roundTrip', label: 'ours: buildEdoc + parseEdoc', op: () => parseEdoc(buildEdoc(edoc)) },
    { key: 'parse', label: 'ours: parseEdoc (bytes in, attachments decoded)', op: () => parseEdoc(pkg) },
    { key: 'fullPath', label: 'ours: parseEdoc, full-parser path (same package with prefix `vb:`)', op: () => parseEdoc(otherPrefix) },
    { key: 'baseline', label: 'baseline: fast-xml-parser `parse` (text in, defaults, no validator)', op: () => baselineParser.parse(text) },
  ]
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

  const baselineMean = mean(samples.get('baseline')!)
  const rows = variants.map((variant) => {
    const s = samples.get(variant.key)!
    const m = mean(s)
    const perRound = roundMeans.map((r) => r[variant.key] / r.baseline)
    return [
      variant.label, num(s.length), num(1000 / m, 1), num((1000 / m) * mib, 1), num(m, 2), num(p99(s), 2),
      variant.key === 'baseline' ? '1×' : `${num(m / baselineMean, 3)}× (rounds ${num(Math.min(...perRound), 3)}–${num(Math.max(...perRound), 3)})`,
      variant.key === 'baseline' ? '' : `${num(baselineMean / m, 1)}×`,
    ]
  })
  const markdown = [
    `Command: \`npm run bench -- ${[NAME, ...args].join(' ')}\` — ${rounds} rounds × ${seconds} s per variant, order rotating each round.`,
    '',
    `Package: ${num(pkg.byteLength)} bytes (${num(mib, 2)} MiB): Vietnamese header, two recipients, ResponseFor, two attachments of ` +
      `${edoc.attachments.map((a) => num(a.data.byteLength)).join(' and ')} random bytes (fixed seed), base64 on one line each.`,
    '',
    markdownTable(['variant', 'ops', 'ops/s', 'MiB/s', 'mean ms', 'p99 ms', 'time per op ÷ baseline', 'speed-up'], rows),
    '',
    `Time per op ÷ baseline: over all rounds, and the range of the per-round ratios (each round measures every variant back to back); below 1× is faster than fast-xml-parser alone. ` +
      `Machine: ${machineNote()}; load average at the end ${loadavg().map((x) => num(x, 2)).join(' / ')}.`,
  ].join('\n')
  process.stdout.write(`\n## ${NAME}\n\n${markdown}\n`)
  if (!v['no-readme']) writeLatestResults(NAME, markdown, log)
}
