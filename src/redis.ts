/**
 * The one place the hub makes Redis connections. `createRedisConnector` turns the `redis` config
 * into a factory for a plain URL, Redis Sentinel (ioredis asks the Sentinels for the current
 * master and follows a failover) or Redis Cluster; the circuit breaker, rate limiter, caches and
 * every BullMQ queue and worker get their connections from it. Which to choose and why:
 * docs/high-availability.md.
 *
 * `findRedis` finds Redis as DESIGN §1 says: the configured Redis (URL, Sentinel or Cluster) when
 * given; otherwise 127.0.0.1:6379 when something answers there; otherwise a private
 * `redis-server` child with its data under ./data/redis when the binary is installed; otherwise a
 * one-line explanation of what to install or set.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import type { ConnectionOptions as TlsOptions } from 'node:tls'
import { resolve } from 'node:path'
import { Cluster, Redis, type RedisOptions } from 'ioredis'
import type { Logger } from 'pino'

/** A connection from the factory: one Redis (plain or through Sentinel) or a Cluster client. */
export type RedisClient = Redis | Cluster

/** What the `redis` config section says about where Redis is (see schemas/config.ts). */
export interface RedisSettings {
  url?: string | undefined
  sentinel?: { name: string; sentinels: string[]; username?: string | undefined; password?: string | undefined; tls?: boolean | undefined } | undefined
  cluster?: { nodes: string[] } | undefined
  username?: string | undefined
  password?: string | undefined
  tls?: { caFile?: string | undefined; serverName?: string | undefined; rejectUnauthorized?: boolean | undefined } | undefined
}

/** Per-connection behaviour: what a caller needs when Redis is away (fail fast or wait). */
export interface RedisTuning {
  /** null = wait for Redis forever (BullMQ workers need this); 0 = fail at once. */
  maxRetriesPerRequest?: number | null
  enableOfflineQueue?: boolean
  enableAutoPipelining?: boolean
  lazyConnect?: boolean
  connectTimeout?: number
  /** null = do not reconnect (probes). */
  retryStrategy?: ((times: number) => number | null) | undefined
}

export interface RedisConnector {
  readonly mode: 'standalone' | 'sentinel' | 'cluster'
  /** Where it connects, without secrets: for logs and error messages. */
  readonly describe: string
  /**
   * The BullMQ key prefix for a hub key prefix. On Cluster it is a hash tag (`{lgsp:bull}`) so
   * that every key of a queue hashes to one slot, as BullMQ's Lua scripts need
   * (docs.bullmq.io/patterns/redis-cluster); elsewhere `<keyPrefix>bull` as before.
   */
  bullPrefix(keyPrefix: string): string
  /** A new connection; the caller owns it and closes it. */
  connect(tuning?: RedisTuning): RedisClient
}

export interface RedisHandle {
  connector: RedisConnector
  /** Set when the hub started its own redis-server. */
  child?: ChildProcess
  stop(): Promise<void>
}

export class RedisUnavailableError extends Error {
  override name = 'RedisUnavailableError'
}

/** `host:port` or `[v6]:port` → ioredis' `{ host, port }`. */
export function hostPort(text: string): { host: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(text.trim())
  if (!m) throw new RedisUnavailableError(`"${text}" is not host:port`)
  return { host: m[1]!, port: Number(m[2]) }
}

/** Where several Redis settings contradict each other; one line each, for the boot check. */
export function redisSettingProblems(s: RedisSettings): string[] {
  const problems: string[] = []
  const given = [s.url && 'url', s.sentinel && 'sentinel', s.cluster && 'cluster'].filter(Boolean)
  if (given.length > 1) problems.push(`config /redis: set one of url, sentinel and cluster, not ${given.join(' and ')}`)
  for (const [path, list] of [['sentinel/sentinels', s.sentinel?.sentinels], ['cluster/nodes', s.cluster?.nodes]] as const) {
    for (const item of list ?? []) {
      try {
        hostPort(item)
      } catch {
        problems.push(`config /redis/${path}: "${item}" is not host:port`)
      }
    }
  }
  if (s.tls?.caFile) {
    try {
      readFileSync(s.tls.caFile)
    } catch (err) {
      problems.push(`config /redis/tls/caFile: cannot read ${s.tls.caFile} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`)
    }
  }
  return problems
}

function tlsOptions(tls: RedisSettings['tls']): TlsOptions | undefined {
  if (!tls) return undefined
  return {
    ...(tls.caFile && { ca: readFileSync(tls.caFile) }),
    ...(tls.serverName && { servername: tls.serverName }),
    rejectUnauthorized: tls.rejectUnauthorized ?? true,
  }
}

/**
 * After a failover the old master may come back as a replica; a connection still on it answers
 * writes with READONLY. Reconnecting (through the Sentinels) and resending reaches the new master.
 */
const reconnectOnError = (err: Error): 2 | false => (err.message.startsWith('READONLY') ? 2 : false)

const tuned = (t: RedisTuning): Partial<RedisOptions> => ({
  ...(t.maxRetriesPerRequest !== undefined && { maxRetriesPerRequest: t.maxRetriesPerRequest }),
  ...(t.enableOfflineQueue !== undefined && { enableOfflineQueue: t.enableOfflineQueue }),
  ...(t.enableAutoPipelining !== undefined && { enableAutoPipelining: t.enableAutoPipelining }),
  ...(t.lazyConnect !== undefined && { lazyConnect: t.lazyConnect }),
  ...(t.connectTimeout !== undefined && { connectTimeout: t.connectTimeout }),
  ...(t.retryStrategy !== undefined && { retryStrategy: t.retryStrategy }),
})

export function createRedisConnector(settings: RedisSettings & { url?: string }): RedisConnector {
  const tls = tlsOptions(settings.tls)
  const auth: Partial<RedisOptions> = {
    ...(settings.username && { username: settings.username }),
    ...(settings.password && { password: settings.password }),
  }
  if (settings.cluster) {
    const nodes = settings.cluster.nodes.map(hostPort)
    return {
      mode: 'cluster',
      describe: `Redis Cluster (${settings.cluster.nodes.join(', ')})`,
      bullPrefix: (keyPrefix) => `{${keyPrefix}bull}`,
      connect: (t = {}) => new Cluster(nodes, {
        redisOptions: {
          ...auth, ...(tls && { tls }), reconnectOnError,
          ...(t.maxRetriesPerRequest !== undefined && { maxRetriesPerRequest: t.maxRetriesPerRequest }),
          ...(t.connectTimeout !== undefined && { connectTimeout: t.connectTimeout }),
        },
        ...(t.enableOfflineQueue !== undefined && { enableOfflineQueue: t.enableOfflineQueue }),
        ...(t.enableAutoPipelining !== undefined && { enableAutoPipelining: t.enableAutoPipelining }),
        ...(t.lazyConnect !== undefined && { lazyConnect: t.lazyConnect }),
        ...(t.retryStrategy !== undefined && { clusterRetryStrategy: t.retryStrategy }),
        // Writes and BullMQ's scripts go to masters; a failover moves slots, ioredis follows MOVED.
        scaleReads: 'master',
      }),
    }
  }
  if (settings.sentinel) {
    const s = settings.sentinel
    const sentinels = s.sentinels.map(hostPort)
    return {
      mode: 'sentinel',
      describe: `Redis Sentinel master "${s.name}" (sentinels ${s.sentinels.join(', ')})`,
      bullPrefix: (keyPrefix) => `${keyPrefix}bull`,
      connect: (t = {}) => new Redis({
        sentinels,
        name: s.name,
        ...(s.username && { sentinelUsername: s.username }),
        ...(s.password && { sentinelPassword: s.password }),
        ...(s.tls && { sentinelTLS: tls ?? {} }),
        ...(tls && { tls, enableTLSForSentinelMode: true }),
        ...auth,
        // No `failoverDetector`: its Sentinel subscriptions outlived quit() (ioredis 5.11) and kept
        // the process reconnecting after shutdown. A crashed master breaks the socket, and one
        // demoted by a switchover answers READONLY: both reconnect through the Sentinels.
        reconnectOnError,
        ...tuned(t),
        // A probe gives up; everything else keeps asking the Sentinels while they elect.
        ...(t.retryStrategy === undefined ? {} : { sentinelRetryStrategy: t.retryStrategy }),
      }),
    }
  }
  const url = settings.url ?? 'redis://127.0.0.1:6379'
  return {
    mode: 'standalone',
    describe: redactUrl(url),
    bullPrefix: (keyPrefix) => `${keyPrefix}bull`,
    connect: (t = {}) => new Redis(url, { ...auth, ...(tls && { tls }), reconnectOnError, ...tuned(t) }),
  }
}

async function answers(connector: RedisConnector, timeoutMs = 1000): Promise<boolean> {
  const probe = connector.connect({ lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: timeoutMs, retryStrategy: () => null })
  probe.on('error', () => {})
  let timer: NodeJS.Timeout | undefined
  try {
    await Promise.race([
      (async () => {
        await probe.connect()
        await probe.ping()
      })(),
      new Promise((_, fail) => { timer = setTimeout(() => fail(new Error('no answer')), timeoutMs + 500) }),
    ])
    return true
  } catch {
    return false // the probe's answer is the point: the caller says what to do when nothing answers
  } finally {
    clearTimeout(timer)
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

export async function findRedis(options: { settings: RedisSettings; dataDir?: string; log: Logger }): Promise<RedisHandle> {
  const { settings } = options
  if (settings.url || settings.sentinel || settings.cluster) {
    const connector = createRedisConnector(settings)
    if (await answers(connector, 3000)) return { connector, stop: async () => {} }
    const fix = settings.sentinel ? 'check /redis/sentinel (name, sentinels, passwords)' : settings.cluster ? 'check /redis/cluster/nodes' : 'start it or fix REDIS_URL'
    throw new RedisUnavailableError(`${connector.describe} does not answer; ${fix}.`)
  }
  const local = createRedisConnector({ ...settings, url: 'redis://127.0.0.1:6379' })
  if (await answers(local)) return { connector: local, stop: async () => {} }

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
  const connector = createRedisConnector({ ...settings, url: `redis://127.0.0.1:${port}` })
  for (let i = 0; i < 50; i++) {
    if (await answers(connector, 200)) {
      options.log.info({ port, dir }, 'started a private redis-server for the sandbox')
      return {
        connector,
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
