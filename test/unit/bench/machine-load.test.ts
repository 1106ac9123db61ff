/**
 * The benchmarks' quiet-machine gate (bench/lib/machine-load.ts): what counts as the benchmark's
 * own CPU, the publishing limit and its setting, and the refusal a busy machine gets.
 */
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { loadLine, maxOtherShare, ourCpuMs, refusal, type LoadSummary } from '../../../bench/lib/machine-load.js'

const summary = (othersShare: number | undefined): LoadSummary => ({ before: [1.5, 0.75, 0.25], peak: 2, othersShare, limit: 0.1 })

t.test('a descendant that burns CPU counts as the benchmark, not as others', async (t) => {
  const before = ourCpuMs()
  // A child that spins for 600 ms of its own CPU time (not wall time), then exits and is reaped.
  const child = spawnSync(process.execPath, ['-e', 'const s = process.cpuUsage(); while ((process.cpuUsage(s).user + process.cpuUsage(s).system) < 600e3) {}'])
  t.equal(child.status, 0)
  const used = ourCpuMs() - before
  t.ok(used >= 550, `the child's CPU moved into ours (${used} ms)`)
})

t.test('publishing limit: default 10 %, BENCH_MAX_OTHER_CPU sets it, nonsense is refused', async (t) => {
  t.equal(maxOtherShare({}), 0.1)
  t.equal(maxOtherShare({ BENCH_MAX_OTHER_CPU: '0.25' }), 0.25)
  t.equal(maxOtherShare({ BENCH_MAX_OTHER_CPU: '' }), 0.1)
  for (const bad of ['-0.1', '1.5', 'ten', 'NaN']) t.throws(() => maxOtherShare({ BENCH_MAX_OTHER_CPU: bad }), /BENCH_MAX_OTHER_CPU must be a fraction/, bad)
})

t.test('a quiet run is published with its load; a busy one is refused and says why', async (t) => {
  t.equal(refusal(summary(0.04)), undefined)
  t.equal(refusal(summary(0.1)), undefined, 'the limit itself is allowed')
  t.equal(refusal(summary(undefined)), undefined, 'nothing measured (no /proc): nothing refused')
  t.equal(
    refusal(summary(0.375)),
    'other processes used 37.5 % of the CPU during the run (limit 10 %, BENCH_MAX_OTHER_CPU): the machine was not quiet, so bench/README.md was not changed; rerun on a quiet machine',
  )
  t.equal(
    loadLine(summary(0.04)),
    'Machine load: 1.50 / 0.75 / 0.25 (1/5/15 min) before the run, 1-min peak 2.00 during it; processes outside the benchmark used 4.0 % of the CPU (publishing limit 10 %).',
  )
})
