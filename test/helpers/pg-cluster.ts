/**
 * A throwaway PostgreSQL cluster for fault tests: initdb in a temp dir, started on a free port
 * with pg_ctl, stopped and started at will, removed in teardown. The shared server on 5432 is
 * never touched. initdb refuses to run as root, so as root the cluster runs as `postgres`.
 */
import { execFile } from 'node:child_process'
import { chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { freePort } from './processes.js'

const run = promisify(execFile)

export function binDir(): string {
  const root = '/usr/lib/postgresql'
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a))
  if (versions.length === 0) throw new Error('no PostgreSQL under /usr/lib/postgresql')
  return join(root, versions[0]!, 'bin')
}

export interface PgCluster {
  url: string
  port: number
  start(): Promise<void>
  /** `fast`: disconnect clients and shut down (what an operator's restart does). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>
  remove(): Promise<void>
}

/** A temp dir the PostgreSQL tools may write, and a runner of those tools (as `postgres` when we are root). */
export async function pgWorkspace(): Promise<{ dir: string; pg(tool: string, args: string[]): Promise<{ stdout: string }> }> {
  const bin = binDir()
  const dir = mkdtempSync(join(tmpdir(), 'lgsp-pg-'))
  const asRoot = process.getuid?.() === 0
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres'])
    const { stdout: gid } = await run('id', ['-g', 'postgres'])
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()))
  }
  const pg = (tool: string, args: string[]) => asRoot ? run('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]) : run(join(bin, tool), args)
  return { dir, pg }
}

export async function startPgCluster(): Promise<PgCluster> {
  const { dir, pg } = await pgWorkspace()
  const data = join(dir, 'data')
  const port = await freePort()
  await pg('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-N', '-E', 'UTF8', '--locale=C'])
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c shared_buffers=16MB -c max_connections=40`
  let running = false
  const cluster: PgCluster = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    async start() {
      await pg('pg_ctl', ['-D', data, '-o', opts, '-l', join(dir, 'log'), '-w', 'start'])
      running = true
    },
    async stop(mode = 'fast') {
      await pg('pg_ctl', ['-D', data, '-m', mode, '-w', 'stop'])
      running = false
    },
    async remove() {
      if (running) await cluster.stop('immediate').catch(() => undefined)
      rmSync(dir, { recursive: true, force: true })
    },
  }
  await cluster.start()
  return cluster
}
