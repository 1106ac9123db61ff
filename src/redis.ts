/**
 * Finds Redis as DESIGN §1 says: `REDIS_URL` when given; otherwise 127.0.0.1:6379 when something
 * answers there; otherwise a private `redis-server` child with its data under ./data/redis when
 * the binary is installed; otherwise a one-line explanation of what to install or set.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { createServer } from 'node:net'
import { resolve } from 'node:path'
import { Redis } from 'ioredis'
import type { Logger } from 'pino'

export interface RedisHandle {
  url: string
  /** Set when the hub started its own redis-server. */
  child?: ChildProcess
  stop(): Promise<void>
}

export class RedisUnavailableError extends Error {
  override name = 'RedisUnavailableError'
}

async function answers(url: string, timeoutMs = 1000): Promise<boolean> {
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: timeoutMs, retryStrategy: () => null })
  probe.on('error', () => {})
  try {
    await probe.connect()
    await probe.ping()
    return true
  } catch {
    return false // the probe's answer is the point: the caller says what to do when nothing answers
  } finally {
    probe.disconnect()
  }
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const srv = createServer()
    srv.once('error', fail)
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port
      srv.close(() => done(port))
    })
  })
}

export async function findRedis(options: { url?: string; dataDir?: string; log: Logger }): Promise<RedisHandle> {
  if (options.url) {
    if (await answers(options.url, 3000)) return { url: options.url, stop: async () => {} }
    throw new RedisUnavailableError(`Redis at ${redactUrl(options.url)} (REDIS_URL) does not answer; start it or fix REDIS_URL.`)
  }
  const local = 'redis://127.0.0.1:6379'
  if (await answers(local)) return { url: local, stop: async () => {} }

  const dir = resolve(options.dataDir ?? './data/redis')
  mkdirSync(dir, { recursive: true })
  const port = await freePort()
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--save', ''], {
    stdio: 'ignore',
  })
  const spawned = await new Promise<boolean>((done) => {
    child.once('error', () => done(false))
    child.once('spawn', () => done(true))
  })
  if (!spawned) {
    throw new RedisUnavailableError('No Redis answers at 127.0.0.1:6379 and redis-server is not installed: install Redis (e.g. `apt-get install redis-server`) or set REDIS_URL.')
  }
  const url = `redis://127.0.0.1:${port}`
  for (let i = 0; i < 50; i++) {
    if (await answers(url, 200)) {
      options.log.info({ port, dir }, 'started a private redis-server for the sandbox')
      return {
        url,
        child,
        stop: () => new Promise((done) => {
          if (child.exitCode !== null) return done()
          child.once('exit', () => done())
          child.kill('SIGTERM')
        }),
      }
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  child.kill('SIGKILL')
  throw new RedisUnavailableError(`The private redis-server on port ${port} did not answer within 5 s; set REDIS_URL to a running Redis.`)
}

export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1[redacted]@')
}
