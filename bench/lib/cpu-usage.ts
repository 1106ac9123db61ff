/**
 * CPU accounting from /proc (Linux): CPU time of named processes (all their threads) and of the
 * whole machine between two snapshots. Lets a benchmark report CPU per request for the process
 * under test, and how much CPU went to processes that are not part of the benchmark at all
 * (other work sharing a 2-core machine). Elsewhere every figure is undefined.
 */
import { readdirSync, readFileSync } from 'node:fs'

/** USER_HZ: the unit of /proc CPU times on every Linux this project runs on. */
const TICKS_PER_S = 100

function readTicks(path: string, pick: (fields: string[]) => number): number | undefined {
  try {
    return pick(readFileSync(path, 'utf8').split('\n')[0]!.trim().split(/\s+/))
  } catch {
    return undefined
  }
}

/** One process's line of /proc/PID/stat, the fields the benchmarks read. */
interface ProcStat {
  ppid: number
  comm: string
  /** utime + stime, ms. */
  ownMs: number
  /** ownMs + cutime + cstime: a reaped child's time moves into its parent's, so a tree's sum stays whole. */
  withChildrenMs: number
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const close = stat.lastIndexOf(')')
    // Fields after "pid (comm) ": state [0], ppid [1], utime [11], stime [12], cutime [13], cstime [14].
    const f = stat.slice(close + 2).split(' ')
    const own = Number(f[11]) + Number(f[12])
    return {
      ppid: Number(f[1]),
      comm: stat.slice(stat.indexOf('(') + 1, close),
      ownMs: (own * 1000) / TICKS_PER_S,
      withChildrenMs: ((own + Number(f[13]) + Number(f[14])) * 1000) / TICKS_PER_S,
    }
  } catch {
    return undefined // gone, or no /proc
  }
}

/** utime + stime of one process in ms, or undefined when it is gone or /proc is absent. */
export const processCpuMs = (pid: number): number | undefined => readStat(pid)?.ownMs

/** Every process on the machine (empty without /proc). */
export function processTable(): Map<number, ProcStat> {
  const table = new Map<number, ProcStat>()
  let names: string[]
  try {
    names = readdirSync('/proc')
  } catch {
    return table
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue
    const stat = readStat(Number(name))
    if (stat) table.set(Number(name), stat)
  }
  return table
}

/** `root` and every process below it in `table`. */
export function processTree(root: number, table: Map<number, ProcStat>): number[] {
  const children = new Map<number, number[]>()
  for (const [pid, p] of table) {
    const siblings = children.get(p.ppid)
    if (siblings) siblings.push(pid)
    else children.set(p.ppid, [pid])
  }
  const tree = [root]
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]!) ?? []))
  return tree
}

/** CPU time all cores spent not idle, in ms. */
export function machineBusyMs(): number | undefined {
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
