/**
 * CPU accounting for the dossier-sync benchmark: cpu-usage.ts's named processes plus PostgreSQL,
 * whose work is spread over one backend process per connection. Every process whose command is
 * `postgres` is summed (on a machine where other sessions use the same server, their queries are
 * counted too), and taken out of "other".
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

export interface SyncCpuSnapshot {
  base: CpuSnapshot
  postgres: number | undefined
}

export const syncCpuSnapshot = (pids: Record<string, number | undefined>): SyncCpuSnapshot => ({ base: cpuSnapshot(pids), postgres: commandCpuMs('postgres') })

/** As cpuDelta, with `processes.postgres` added and removed from `otherMs` (backends that exited meanwhile are missed). */
export function syncCpuDelta(a: SyncCpuSnapshot, b: SyncCpuSnapshot): CpuDelta {
  const d = cpuDelta(a.base, b.base)
  const pg = a.postgres === undefined || b.postgres === undefined ? undefined : Math.max(0, b.postgres - a.postgres)
  return { ...d, processes: { ...d.processes, postgres: pg }, otherMs: d.otherMs === undefined || pg === undefined ? undefined : Math.max(0, d.otherMs - pg) }
}
