/**
 * `npm start` as a user runs it, for the independent check: the sandbox hub in its own process
 * group, on a free port, with the embedded PGlite ledger in a fresh data directory and its own
 * Redis key prefix (so it shares nothing with anyone else's run). Its banner is read for the URL
 * and the population simulator's URL; /proc gives the hub's memory and the CPU of the whole tree.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { processTable, processTree } from '../lib/cpu-usage.js'

const REPO = fileURLToPath(new URL('../..', import.meta.url))

export interface NpmStart {
  url: string
  populationUrl: string
  /** The node process that runs src/main.ts (npm and tsx wrap it). */
  hubPid: number
  /** CPU ms of npm, tsx and the hub together so far. */
  cpuMs(): number
  /** Resident and peak memory of the hub process, MB. */
  memory(): { rssMb: number; peakMb: number }
  stop(): Promise<void>
}

const statusField = (pid: number, field: string): number => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024

export async function npmStart(o: { dataDir: string; redisPrefix: string; log: (line: string) => void; timeoutMs?: number }): Promise<NpmStart> {
  // A user's shell, minus anything that would point the hub elsewhere than a fresh sandbox.
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', LGSP_DATABASE__PGLITE_DIR: o.dataDir, LGSP_REDIS__KEY_PREFIX: o.redisPrefix }
  const child: ChildProcess = spawn('npm', ['start'], { cwd: REPO, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  let text = ''
  const banner = new Promise<{ url: string; populationUrl: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start printed no banner in ${o.timeoutMs ?? 180_000} ms:\n${text.slice(-2000)}`)), o.timeoutMs ?? 180_000)
    const onData = (chunk: Buffer) => {
      if (text.length < 1_000_000) text += chunk.toString('utf8')
      const url = /listening on (http:\/\/\S+)/.exec(text)?.[1]
      const populationUrl = /Simulator population: (http:\/\/\S+)/.exec(text)?.[1]
      // The banner ends with the sample-data line (`npm start` passes --sample).
      if (url && populationUrl && /Sample data:/.test(text)) {
        clearTimeout(timer)
        resolve({ url, populationUrl })
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`npm start exited (${code}) before its banner:\n${text.slice(-2000)}`))
    })
  })
  const stop = async () => {
    if (child.exitCode !== null || child.pid === undefined) return
    try {
      process.kill(-child.pid, 'SIGTERM')
    } catch {}
    const killer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL')
      } catch {}
    }, 15_000)
    await exited
    clearTimeout(killer)
  }
  try {
    const { url, populationUrl } = await banner
    // The hub is the deepest process whose command line runs src/main.ts.
    const hubPid = processTree(child.pid!, processTable()).filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('src/main.ts')
      } catch {
        return false
      }
    }).at(-1)
    if (hubPid === undefined) throw new Error('no process runs src/main.ts under npm start')
    o.log(`npm start: ${url} (hub pid ${hubPid}), population simulator ${populationUrl}`)
    return {
      url,
      populationUrl,
      hubPid,
      cpuMs: () => {
        const table = processTable()
        return processTree(child.pid!, table).reduce((sum, pid) => sum + (table.get(pid)?.withChildrenMs ?? 0), 0)
      },
      memory: () => ({ rssMb: statusField(hubPid, 'VmRSS'), peakMb: statusField(hubPid, 'VmHWM') }),
      stop,
    }
  } catch (err) {
    await stop()
    throw err
  }
}
