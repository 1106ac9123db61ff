/**
 * CPU accounting from /proc (Linux): CPU time of named processes (all their threads) and of the
 * whole machine between two snapshots. Lets a benchmark report CPU per request for the process
 * under test, and how much CPU went to processes that are not part of the benchmark at all
 * (other work sharing a 2-core machine). Elsewhere every figure is undefined.
 */
import { readFileSync } from 'node:fs'

/** USER_HZ: the unit of /proc CPU times on every Linux this project runs on. */
const TICKS_PER_S = 100

function readTicks(path: string, pick: (fields: string[]) => number): number | undefined {
  try {
    return pick(readFileSync(path, 'utf8').split('\n')[0]!.trim().split(/\s+/))
  } catch {
    return undefined
  }
}

/** utime + stime of one process in ms, or undefined when it is gone or /proc is absent. */
export function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after "pid (comm) ": state is [0], utime [11], stime [12].
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_S
  } catch {
    return undefined
  }
}

/** CPU time all cores spent not idle, in ms. */
function machineBusyMs(): number | undefined {
  const ticks = readTicks('/proc/stat', (f) => {
    const [user, nice, system, , , irq, softirq, steal] = f.slice(1).map(Number)
    return user! + nice! + system! + irq! + softirq! + steal!
  })
  return ticks === undefined ? undefined : (ticks * 1000) / TICKS_PER_S
}

export interface CpuSnapshot {
  at: number
  machine: number | undefined
  processes: Record<string, number | undefined>
}

export function cpuSnapshot(pids: Record<string, number | undefined>): CpuSnapshot {
  const processes: Record<string, number | undefined> = {}
  for (const [name, pid] of Object.entries(pids)) processes[name] = pid === undefined ? undefined : processCpuMs(pid)
  return { at: performance.now(), machine: machineBusyMs(), processes }
}

export interface CpuDelta {
  wallMs: number
  /** CPU ms per named process between the snapshots. */
  processes: Record<string, number | undefined>
  /** CPU ms of every process not named (other sessions, daemons), if known. */
  otherMs: number | undefined
}

export function cpuDelta(a: CpuSnapshot, b: CpuSnapshot): CpuDelta {
  const processes: Record<string, number | undefined> = {}
  let named = 0
  let complete = true
  for (const name of Object.keys(a.processes)) {
    const before = a.processes[name]
    const after = b.processes[name]
    processes[name] = before === undefined || after === undefined ? undefined : after - before
    if (processes[name] === undefined) complete = false
    else named += processes[name]!
  }
  const machine = a.machine === undefined || b.machine === undefined ? undefined : b.machine - a.machine
  return { wallMs: b.at - a.at, processes, otherMs: machine === undefined || !complete ? undefined : Math.max(0, machine - named) }
}
