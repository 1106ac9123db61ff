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
  const port = await freePort()
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
  const url = `redis://127.0.0.1:${port}`
  const deadline = Date.now() + 10_000
  for (;;) {
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
    try {
      await probe.connect()
      await probe.ping()
      probe.disconnect()
      break
    } catch {
      probe.disconnect()
      if (Date.now() > deadline) throw new Error('private redis-server did not start')
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  return {
    url,
    stop: async () => {
      proc.kill('SIGKILL')
      await new Promise((r) => proc.once('exit', r))
    },
  }
}

export interface HubProcess {
  proc: ChildProcess
  output: () => string
  /** Resolves when the hub printed its listening line. */
  ready: Promise<void>
  kill(signal?: NodeJS.Signals): Promise<void>
}

/** The hub's entry from source; a compiled build runs `[<outDir>/src/main.js]` instead. */
export const SOURCE_ENTRY = ['--import', 'tsx', 'src/main.ts']

/** `src/main.ts start` (or another entry) in a child process with `LGSP_CONFIG` = configPath. */
export function spawnHub(configPath: string, env: Record<string, string> = {}, entry: string[] = SOURCE_ENTRY): HubProcess {
  const proc = spawn(process.execPath, [...entry, 'start'], {
    env: { ...process.env, LGSP_CONFIG: configPath, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  proc.stdout!.on('data', (d) => { out += String(d) })
  proc.stderr!.on('data', (d) => { out += String(d) })
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hub did not start within 60 s:\n${out.slice(-2000)}`)), 60_000)
    proc.stdout!.on('data', () => {
      if (/listening on http/.test(out)) {
        clearTimeout(timer)
        resolve()
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
  port: number
  url: string
  /** The running process (a new one after each restart). */
  readonly hub: HubProcess
  /** Starts the hub again with the same config and waits until it listens. */
  restart(): Promise<void>
}

/**
 * A hub in its own process on a private Redis prefix, PostgreSQL schema and port, with `extra`
 * merged into its config, started and ready. Teardown kills it and removes the prefix, the
 * schema and the config file. What the test starts besides (simulators, receivers) it stops itself.
 */
export async function startChildHub(
  t: { teardown(fn: () => unknown): void },
  extra: (ctx: { port: number; prefix: string; schema: string }) => Record<string, unknown>,
  options: { entry?: string[] } = {},
): Promise<ChildHub> {
  const suffix = randomBytes(4).toString('hex')
  const prefix = `test:${suffix}:`
  const schema = `t_${suffix}`
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'lgsp-child-hub-'))
  const configPath = join(dir, 'config.json')
  writeFileSync(configPath, JSON.stringify(merge({
    server: { host: '127.0.0.1', port },
    log: { level: process.env.CRASH_LOG ?? 'warn' },
    redis: { url: TEST_REDIS_URL, keyPrefix: prefix },
    database: { url: TEST_DATABASE_URL, schema },
    audit: { hashKey: 'crash-test-audit-key-not-a-secret' },
  }, extra({ port, prefix, schema }))))
  const start = () => spawnHub(configPath, {}, options.entry)
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
  await hub.ready
  return {
    prefix, schema, port, url: `http://127.0.0.1:${port}`,
    get hub() { return hub },
    async restart() {
      hub = start()
      await hub.ready
    },
  }
}
