/**
 * CPU accounting for the dossier-sync benchmark: cpu-usage.ts's named processes plus PostgreSQL,
 * whose work is spread over one backend process per connection. Every process whose command is
 * `postgres` is summed (on a machine where other sessions use the same server, their queries are
 * counted too), and taken out of "other". Plus how long each named process's main thread waited
 * for a core while runnable: on a saturated machine that, not its own work, is where time goes.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { cpuDelta, cpuSnapshot, processCpuMs, type CpuDelta, type CpuSnapshot } from './cpu-usage.js'

/** CPU ms of every live process whose command name is `comm`; undefined without /proc. */
export function commandCpuMs(comm: string): number | undefined {
  let entries: string[]
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e))
  } catch {
    return undefined
  }
  let total = 0
  for (const pid of entries) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== comm) continue
    } catch {
      continue
    }
    total += processCpuMs(Number(pid)) ?? 0
  }
  return total
}

/** ms the process's main thread spent runnable but waiting for a core (/proc/PID/schedstat, field 2). */
export function runQueueWaitMs(pid: number): number | undefined {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e6
  } catch {
    return undefined
  }
}

export interface SyncCpuSnapshot {
  base: CpuSnapshot
  postgres: number | undefined
  waits: Record<string, number | undefined>
}

export interface SyncCpuDelta extends CpuDelta {
  /** Per named process: ms its main thread (the event loop) was ready to run but had no core. */
  waitMs: Record<string, number | undefined>
}

export function syncCpuSnapshot(pids: Record<string, number | undefined>): SyncCpuSnapshot {
  const waits = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, pid === undefined ? undefined : runQueueWaitMs(pid)]))
  return { base: cpuSnapshot(pids), postgres: commandCpuMs('postgres'), waits }
}

/** As cpuDelta, with `processes.postgres` added and removed from `otherMs` (backends that exited meanwhile are missed). */
export function syncCpuDelta(a: SyncCpuSnapshot, b: SyncCpuSnapshot): SyncCpuDelta {
  const d = cpuDelta(a.base, b.base)
  const pg = a.postgres === undefined || b.postgres === undefined ? undefined : Math.max(0, b.postgres - a.postgres)
  const waitMs = Object.fromEntries(Object.keys(a.waits).map((name) => {
    const before = a.waits[name]
    const after = b.waits[name]
    return [name, before === undefined || after === undefined ? undefined : after - before]
  }))
  return { ...d, waitMs, processes: { ...d.processes, postgres: pg }, otherMs: d.otherMs === undefined || pg === undefined ? undefined : Math.max(0, d.otherMs - pg) }
}
