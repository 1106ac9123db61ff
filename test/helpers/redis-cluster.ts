/**
 * A three-master Redis Cluster on spare loopback ports (each node's cluster bus on port + 10000),
 * created with `redis-cli --cluster create`, killed and removed in teardown. The shared Redis on
 * 6379 is never touched.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** A free port whose cluster-bus port (+10000) is free too. */
async function freeClusterPort(): Promise<number> {
  const tryListen = (port: number) => new Promise<number | undefined>((done) => {
    const srv = createServer()
    srv.unref()
    srv.once('error', () => done(undefined))
    srv.listen(port, '127.0.0.1', () => {
      const got = (srv.address() as { port: number }).port
      srv.close(() => done(got))
    })
  })
  for (let i = 0; i < 50; i++) {
    const port = await tryListen(20000 + Math.floor(Math.random() * 30000))
    if (port !== undefined && (await tryListen(port + 10000)) !== undefined) return port
  }
  throw new Error('no free port pair for a Redis Cluster node')
}

export interface RedisClusterSet {
  nodes: string[]
  stop(): Promise<void>
}

export async function startRedisCluster(): Promise<RedisClusterSet> {
  const dir = mkdtempSync(join(tmpdir(), 'lgsp-cluster-'))
  const procs: ChildProcess[] = []
  const stop = async () => {
    await Promise.all(procs.map((p) => p.exitCode !== null || p.signalCode !== null ? undefined : new Promise((r) => {
      p.once('exit', r)
      p.kill('SIGKILL')
    })))
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    const ports = [await freeClusterPort(), await freeClusterPort(), await freeClusterPort()]
    for (const port of ports) {
      const p = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`),
        '--cluster-node-timeout', '2000', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' })
      p.on('error', () => undefined)
      procs.push(p)
    }
    const nodes = ports.map((p) => `127.0.0.1:${p}`)
    for (let i = 0; ; i++) {
      const answers = await Promise.all(ports.map((p) => run('redis-cli', ['-p', String(p), 'ping']).then((r) => r.stdout.trim() === 'PONG', () => false)))
      if (answers.every(Boolean)) break
      if (i > 100) throw new Error('the cluster nodes did not start')
      await new Promise((r) => setTimeout(r, 100))
    }
    await run('redis-cli', ['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes'])
    for (let i = 0; ; i++) {
      const states = await Promise.all(ports.map((p) => run('redis-cli', ['-p', String(p), 'cluster', 'info']).then((r) => r.stdout, () => '')))
      if (states.every((s) => /cluster_state:ok/.test(s))) break
      if (i > 200) throw new Error('the cluster did not reach cluster_state:ok within 20 s')
      await new Promise((r) => setTimeout(r, 100))
    }
    return { nodes, stop }
  } catch (err) {
    await stop()
    throw err
  }
}
