/**
 * Where PostgreSQL's CPU goes, per statement, without pg_stat_statements (which needs a server
 * restart to load): the hub and PostgreSQL share the machine, so the hub's preload reads the
 * serving backend's run time from `/proc/PID/schedstat` (nanoseconds on a CPU) before a
 * statement is sent and after its answer. The hub runs one statement at a time per connection, so
 * the difference is that statement's server CPU (parse, plan, execute; COMMIT includes the WAL
 * flush the backend does itself). Background processes (WAL writer, autovacuum, checkpointer) are
 * not in it. Statements are keyed by their first words; the totals go to `file` as JSON when the
 * hub exits (`BENCH_PG_STATEMENT_CPU=/tmp/x.json npm run bench -- dossier-sync …`).
 */
import { readFileSync, writeFileSync } from 'node:fs'

interface Totals { n: number; cpuUs: number; wallUs: number }

const runNs = (pid: number): number => {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0])
  } catch {
    return NaN
  }
}

/** The first words of a statement, whitespace collapsed: enough to tell the hub's statements apart. */
const keyOf = (text: string) => text.replace(/\s+/g, ' ').trim().slice(0, 60)

export function pgStatementCpu(file: string) {
  const totals = new Map<string, Totals>()
  process.on('exit', () => {
    const rows = [...totals].sort((a, b) => b[1].cpuUs - a[1].cpuUs).map(([statement, t]) => ({ statement, ...t, cpuUsEach: Math.round(t.cpuUs / t.n) }))
    writeFileSync(file, JSON.stringify(rows, null, 2))
  })
  return {
    /** `args` as given to `Client.query`: a callback last (pg-pool's form), else a promise is returned. */
    measure(client: { processID?: number | null }, text: string, args: unknown[], run: (args: unknown[]) => unknown): unknown {
      const pid = client.processID
      if (pid === undefined || pid === null) return run(args)
      const before = runNs(pid)
      const t0 = performance.now()
      const done = () => {
        const cpu = (runNs(pid) - before) / 1000
        if (!Number.isFinite(cpu)) return
        const key = keyOf(text)
        const t = totals.get(key) ?? { n: 0, cpuUs: 0, wallUs: 0 }
        t.n++
        t.cpuUs += cpu
        t.wallUs += (performance.now() - t0) * 1000
        totals.set(key, t)
      }
      const last = args.at(-1)
      const callback = typeof last === 'function' ? (last as (...a: unknown[]) => unknown) : undefined
      const result = run(callback ? [...args.slice(0, -1), (...a: unknown[]) => (done(), callback(...a))] : args)
      if (result instanceof Promise) result.then(done, done)
      return result
    },
  }
}
