/**
 * A private redis-server on a spare port that a fault test can kill (SIGKILL) and start again on
 * the same port, empty — a crash of a Redis without persistence. The shared Redis on 6379 is
 * never touched.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { Redis } from 'ioredis'
import { freePort } from './processes.js'

export interface RedisProcess {
  url: string
  kill(): Promise<void>
  start(): Promise<void>
  stop(): Promise<void>
}

export async function startRedisProcess(): Promise<RedisProcess> {
  const port = await freePort()
  const url = `redis://127.0.0.1:${port}`
  let proc: ChildProcess | undefined
  async function start() {
    proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
    const deadline = Date.now() + 10_000
    for (;;) {
      const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
      probe.on('error', () => undefined)
      try {
        await probe.connect()
        await probe.ping()
        probe.disconnect()
        return
      } catch {
        probe.disconnect()
        if (Date.now() > deadline) throw new Error('private redis-server did not start')
        await new Promise((r) => setTimeout(r, 100))
      }
    }
  }
  async function kill() {
    const p = proc
    proc = undefined
    if (!p || p.exitCode !== null) return
    const exited = new Promise((r) => p.once('exit', r))
    p.kill('SIGKILL')
    await exited
  }
  await start()
  return { url, start, kill, stop: kill }
}
