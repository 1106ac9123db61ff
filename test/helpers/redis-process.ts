/**
 * A private redis-server on a spare port that a fault test can kill (SIGKILL) and start again on
 * the same port, empty — a crash of a Redis without persistence. The shared Redis on 6379 is
 * never touched.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { freePort, redisUp } from './processes.js'

export interface RedisProcess {
  url: string
  kill(): Promise<void>
  start(): Promise<void>
  stop(): Promise<void>
}

export async function startRedisProcess(): Promise<RedisProcess> {
  let port = await freePort()
  let proc: ChildProcess | undefined
  /** Starts redis-server on `port`; false when it exited first (the port was taken meanwhile). */
  async function tryStart(): Promise<boolean> {
    const p = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
    proc = p
    const gone = new AbortController()
    p.once('exit', () => gone.abort())
    return redisUp(`redis://127.0.0.1:${port}`, p.pid, 10_000, gone.signal)
  }
  async function start() {
    if (!(await tryStart())) throw new Error(`private redis-server did not start again on port ${port}`)
  }
  async function kill() {
    const p = proc
    proc = undefined
    if (!p || p.exitCode !== null || p.signalCode !== null) return
    const exited = new Promise((r) => p.once('exit', r))
    p.kill('SIGKILL')
    await exited
  }
  // The first start may find the port taken since freePort() looked: then take another one.
  for (let attempt = 1; !(await tryStart()); attempt++) {
    await kill()
    if (attempt >= 3) throw new Error('private redis-server did not start')
    port = await freePort()
  }
  return { url: `redis://127.0.0.1:${port}`, start, kill, stop: kill }
}
