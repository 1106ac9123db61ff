/**
 * Child of the edxml benchmark: peak memory of one edXML operation. Builds the benchmark package,
 * runs the named operation `--ops` times (results dropped), and prints its peak RSS in bytes as
 * JSON on stdout. `idle` does everything but the operation, so the parent's difference is the
 * operation's own peak. One process per operation, so no operation inherits another's heap.
 */
import { parseArgs } from 'node:util'
import { benchPackages, OPERATIONS, type OperationKey } from './edxml-packages.js'

const { values } = parseArgs({ options: { op: { type: 'string' }, ops: { type: 'string' } } })
const key = values.op as OperationKey | 'idle'
const packages = benchPackages()
const op = key === 'idle' ? undefined : OPERATIONS[key](packages)
let kept = 0
for (let i = 0; i < Number(values.ops ?? 10); i++) if (op?.() !== undefined) kept++
process.stdout.write(`${JSON.stringify({ op: key, maxRssBytes: process.resourceUsage().maxRSS * 1024, kept })}\n`)
