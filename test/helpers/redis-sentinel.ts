/**
 * A Redis primary, a replica and three Sentinels (`redis-server <conf> --sentinel`) on spare
 * loopback ports with their files in a temp dir, for the failover test. The primary can be killed
 * (SIGKILL: a crash) and the test can wait for the Sentinels to promote the replica. Everything
 * is killed and removed in teardown. The shared Redis on 6379 is never touched.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { freePort } from './processes.js'

export const MASTER_NAME = 'lgsp-test'

export interface SentinelSet {
  /** `host:port` of each Sentinel. */
  sentinels: string[]
  primaryPort: number
  replicaPort: number
  killPrimary(): Promise<void>
  /** The port the Sentinels name as master now (asks the first that answers). */
  masterPort(): Promise<number | undefined>
  stop(): Promise<void>
}

async function ask<T>(port: number, fn: (r: Redis) => Promise<T>, password?: string): Promise<T | undefined> {
  const r = new Redis({ port, host: '127.0.0.1', ...(password && { password }), lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 500 })
  r.on('error', () => undefined)
  try {
    await r.connect()
    return await fn(r)
  } catch {
    return undefined
  } finally {
    r.disconnect()
  }
}

async function until(what: string, ms: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/**
 * `password`: the data nodes require it (`requirepass`, and `masterauth` for the replica; the
 * Sentinels get it as `auth-pass`). `sentinelPassword`: the Sentinels require it of their clients
 * and of each other.
 */
export async function startSentinelSet(options: { password?: string; sentinelPassword?: string } = {}): Promise<SentinelSet> {
  const { password, sentinelPassword } = options
  const dir = mkdtempSync(join(tmpdir(), 'lgsp-sentinel-'))
  const procs: ChildProcess[] = []
  const spawnRedis = (args: string[]) => {
    const p = spawn('redis-server', args, { stdio: 'ignore' })
    p.on('error', () => undefined)
    procs.push(p)
    return p
  }
  const kill = async (p: ChildProcess) => {
    if (p.exitCode !== null || p.signalCode !== null) return
    const exited = new Promise((r) => p.once('exit', r))
    p.kill('SIGKILL')
    await exited
  }
  const stop = async () => {
    await Promise.all(procs.map(kill))
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    const primaryPort = await freePort()
    const replicaPort = await freePort()
    const sentinelPorts = [await freePort(), await freePort(), await freePort()]
    const data = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir,
      ...(password ? ['--requirepass', password, '--masterauth', password] : [])]
    const primary = spawnRedis(['--port', String(primaryPort), ...data])
    spawnRedis(['--port', String(replicaPort), ...data, '--replicaof', '127.0.0.1', String(primaryPort)])
    await until('the replica to sync', 10_000, async () =>
      /master_link_status:up/.test((await ask(replicaPort, (r) => r.info('replication'), password)) ?? ''))
    for (const [i, port] of sentinelPorts.entries()) {
      // Sentinel rewrites its config file: each gets its own, writable.
      const conf = join(dir, `sentinel-${i}.conf`)
      writeFileSync(conf, [
        `port ${port}`, 'bind 127.0.0.1', `dir ${dir}`,
        `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${primaryPort} 2`,
        `sentinel down-after-milliseconds ${MASTER_NAME} 1000`,
        `sentinel failover-timeout ${MASTER_NAME} 10000`,
        `sentinel parallel-syncs ${MASTER_NAME} 1`,
        ...(password ? [`sentinel auth-pass ${MASTER_NAME} ${password}`] : []),
        ...(sentinelPassword ? [`requirepass ${sentinelPassword}`] : []), '',
      ].join('\n'))
      spawnRedis([conf, '--sentinel'])
    }
    // Each Sentinel must know the replica and the two other Sentinels before a failover can run.
    await until('the Sentinels to find the replica and each other', 20_000, async () => {
      for (const port of sentinelPorts) {
        const seen = await ask(port, async (r) => [
          ((await r.call('SENTINEL', 'REPLICAS', MASTER_NAME)) as unknown[]).length,
          ((await r.call('SENTINEL', 'SENTINELS', MASTER_NAME)) as unknown[]).length,
        ], sentinelPassword)
        if (!seen || seen[0]! < 1 || seen[1]! < 2) return false
      }
      return true
    })
    return {
      sentinels: sentinelPorts.map((p) => `127.0.0.1:${p}`),
      primaryPort,
      replicaPort,
      killPrimary: () => kill(primary),
      async masterPort() {
        for (const port of sentinelPorts) {
          const addr = await ask(port, (r) => r.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER_NAME) as Promise<[string, string] | null>, sentinelPassword)
          if (addr) return Number(addr[1])
        }
        return undefined
      },
      stop,
    }
  } catch (err) {
    await stop()
    throw err
  }
}
