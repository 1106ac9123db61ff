/** Child processes for crash tests: a private redis-server, and the hub as its own process. */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { Redis } from 'ioredis'
import { merge } from '../../src/config/load.js'
import { TEST_DATABASE_URL, TEST_REDIS_URL, deleteRedisPrefix } from './hub.js'

/**
 * A port that was free a moment ago. Another process may take it before the caller binds it, so
 * use it only for servers that cannot report the port they bound (redis-server, postgres) and
 * retry on a clash; our own servers listen on port 0 and say their URL.
 */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number }
      srv.close(() => resolve(port))
    })
  })
}

/** A throwaway redis-server (nothing on disk) so a test may FLUSHALL without touching others. */
export async function startPrivateRedis(): Promise<{ url: string; stop(): Promise<void> }> {
  // The port is chosen before redis-server binds it: when another process took it meanwhile,
  // the server exits at once and we try another one.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort()
    const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
    const exited = new Promise<void>((r) => proc.once('exit', () => r()))
    const url = `redis://127.0.0.1:${port}`
    const gone = new AbortController()
    void exited.then(() => gone.abort())
    const up = await redisUp(url, proc.pid, 10_000, gone.signal)
    if (up) {
      return {
        url,
        stop: async () => {
          if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL')
          await exited
        },
      }
    }
    proc.kill('SIGKILL')
    if (attempt >= 3) throw new Error('private redis-server did not start')
  }
}

/**
 * Resolves true once the redis-server of process `pid` answers at `url` (another process's
 * server on a port we thought free does not count), false after `timeoutMs` or once `signal` aborts.
 */
export async function redisUp(url: string, pid: number | undefined, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (signal?.aborted) return false
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
    probe.on('error', () => undefined)
    try {
      await probe.connect()
      const info = await probe.info('server')
      if (pid !== undefined && new RegExp(`^process_id:${pid}\\s*$`, 'm').test(info)) return true
      throw new Error('not our redis-server (yet)')
    } catch {
      if (Date.now() > deadline) return false
      await new Promise((r) => setTimeout(r, 50))
    } finally {
      probe.disconnect()
    }
  }
}

export interface HubProcess {
  proc: ChildProcess
  output: () => string
  /** Resolves with the hub's URL once it printed its listening line. */
  ready: Promise<string>
  kill(signal?: NodeJS.Signals): Promise<void>
}

/** The hub's entry from source; a compiled build runs `[<outDir>/src/main.js]` instead. */
export const SOURCE_ENTRY = ['--import', 'tsx', 'src/main.ts']

const LISTENING = /listening on (http:\/\/\S+)/

/** `src/main.ts start` (or another entry) in a child process with `LGSP_CONFIG` = configPath. */
export function spawnHub(configPath: string, env: Record<string, string> = {}, entry: string[] = SOURCE_ENTRY): HubProcess {
  const proc = spawn(process.execPath, [...entry, 'start'], {
    env: { ...process.env, LGSP_CONFIG: configPath, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  proc.stdout!.on('data', (d) => { out += String(d) })
  proc.stderr!.on('data', (d) => { out += String(d) })
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hub did not start within 60 s:\n${out.slice(-2000)}`)), 60_000)
    proc.stdout!.on('data', () => {
      const url = LISTENING.exec(out)?.[1]
      if (url) {
        clearTimeout(timer)
        resolve(url)
      }
    })
    proc.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`hub exited (${code}) before it was ready:\n${out.slice(-2000)}`))
    })
  })
  ready.catch(() => undefined)
  return {
    proc,
    output: () => out,
    ready,
    async kill(signal = 'SIGKILL') {
      if (proc.exitCode !== null || proc.signalCode !== null) return
      const exited = new Promise((r) => proc.once('exit', r))
      proc.kill(signal)
      await exited
    },
  }
}

export interface ChildHub {
  prefix: string
  schema: string
  /** Where the running process listens (it binds port 0, so a restart gets a new URL). */
  readonly url: string
  /** The running process (a new one after each restart). */
  readonly hub: HubProcess
  /** Starts the hub again with the same config and waits until it listens. */
  restart(): Promise<void>
}

/**
 * A hub in its own process on a private Redis prefix and PostgreSQL schema, listening on a port
 * it picks (port 0; it prints its URL), with `extra` merged into its config, started and ready.
 * Teardown kills it and removes the prefix, the schema and the config file. What the test
 * starts besides (simulators, receivers) it stops itself.
 */
export async function startChildHub(
  t: { teardown(fn: () => unknown): void },
  extra: (ctx: { prefix: string; schema: string }) => Record<string, unknown>,
  options: { entry?: string[] } = {},
): Promise<ChildHub> {
  const suffix = randomBytes(4).toString('hex')
  const prefix = `test:${suffix}:`
  const schema = `t_${suffix}`
  const dir = mkdtempSync(join(tmpdir(), 'lgsp-child-hub-'))
  const configPath = join(dir, 'config.json')
  writeFileSync(configPath, JSON.stringify(merge({
    server: { host: '127.0.0.1', port: 0 },
    log: { level: process.env.CRASH_LOG ?? 'warn' },
    redis: { url: TEST_REDIS_URL, keyPrefix: prefix },
    database: { url: TEST_DATABASE_URL, schema },
    audit: { hashKey: 'crash-test-audit-key-not-a-secret' },
  }, extra({ prefix, schema }))))
  const start = () => spawnHub(configPath, { PORT: '0' }, options.entry)
  let hub = start()
  t.teardown(async () => {
    await hub.kill()
    rmSync(dir, { recursive: true, force: true })
    await deleteRedisPrefix(prefix)
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL })
    await client.connect()
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
    await client.end()
  })
  let url = await hub.ready
  return {
    prefix, schema,
    get url() { return url },
    get hub() { return hub },
    async restart() {
      hub = start()
      url = await hub.ready
    },
  }
}
