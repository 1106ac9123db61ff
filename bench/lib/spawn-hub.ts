/**
 * A hub child process as deployed: `node --import tsx src/main.ts start` with `LGSP_CONFIG`
 * pointing at a JSON file (the shape of test/integration/sync-crash.test.ts), for any config the
 * caller builds. Used by the prefill and webhook-ingest benchmarks (the name only follows the
 * bench file naming). The dossier-sync preload (sync-hub-preload.ts) is loaded too: it stops the
 * hub when the benchmark dies, lets the parent profile it, and counts its PostgreSQL statements and
 * Redis commands (one counter increment per call). Warn/error log lines are counted and the first
 * ones echoed.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadConfig } from '../../src/config/load.js'
import type { CallCounts } from './sync-hub-preload.js'

export type Ledger = { kind: 'postgres'; url: string; schema: string } | { kind: 'pglite'; dir: string }

export interface HubProcess {
  url: string
  pid: number
  exited(): string | undefined
  logSummary(): { warn: number; error: number; samples: string[] }
  counts(): Promise<CallCounts>
  startProfile(): Promise<void>
  stopProfile(file: string): Promise<void>
  /** SIGTERM (graceful shutdown), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>
}

/** The hub's audit.hashKey in every benchmark config (the prefill baseline hashes document owners with it too). */
export const BENCH_AUDIT_KEY = 'bench-audit-key-not-a-secret'
const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const PRELOAD = new URL('./sync-hub-preload.ts', import.meta.url).href
/** Variables the hub reads as config overrides: none may leak in from the caller's shell. */
const CONFIG_ENV = /^(LGSP_|AUDIT_HASH_KEY|DATABASE_URL$|REDIS_URL$|PORT$|HOST$|LOG_LEVEL$)/
const live = new Set<ChildProcess>()
let exitHook = false

/** The parts every benchmark hub shares; every connector in config/default.json is off unless `connectors` turns it on. */
export function benchHubConfig(o: {
  redisUrl: string; redisPrefix: string; ledger: Ledger; clients: unknown[]; connectors?: Record<string, unknown>; extra?: Record<string, unknown>
}): Record<string, unknown> {
  const off = Object.keys(loadConfig({ env: {} }).connectors).filter((id) => !(o.connectors && id in o.connectors))
  return {
    server: { host: '127.0.0.1', port: 0, shutdownGraceMs: 2000 },
    log: { level: 'warn' },
    redis: { url: o.redisUrl, keyPrefix: o.redisPrefix },
    database: o.ledger.kind === 'postgres' ? { url: o.ledger.url, schema: o.ledger.schema } : { pgliteDir: o.ledger.dir },
    audit: { hashKey: BENCH_AUDIT_KEY },
    sandbox: { enabled: false },
    clients: o.clients,
    connectors: { ...Object.fromEntries(off.map((id) => [id, { enabled: false }])), ...o.connectors },
    // No dossier delivery queues: nothing here syncs dossiers, and an idle worker would only add noise.
    sync: { targets: {} },
    ...o.extra,
  }
}

function stopProcess(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    child.kill('SIGTERM')
  })
}

export async function startHubProcess(config: Record<string, unknown>, workDir: string, readyTimeoutMs = 90_000): Promise<HubProcess> {
  if (!exitHook) {
    exitHook = true
    process.on('exit', () => {
      for (const child of live) child.kill('SIGKILL')
    })
  }
  const configPath = join(workDir, 'hub-config.json')
  writeFileSync(configPath, JSON.stringify(config, null, 2))
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !CONFIG_ENV.test(k)))
  env.LGSP_CONFIG = configPath
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', PRELOAD, 'src/main.ts', 'start'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] })
  live.add(child)
  let exitNote: string | undefined
  child.once('exit', (code, signal) => {
    live.delete(child)
    exitNote = signal ? `killed by ${signal}` : `exit code ${code}`
  })

  let output = ''
  const logs = { warn: 0, error: 0, samples: [] as string[] }
  const onLine = (line: string) => {
    if (line.trim() === '') return
    let level: number
    try {
      level = Number((JSON.parse(line) as { level?: number }).level ?? 0)
    } catch {
      level = /listening on|^Console|^OpenAPI/.test(line) ? 0 : 50 // not JSON and not the banner: treat as an error
    }
    if (level >= 50) logs.error++
    else if (level >= 40) logs.warn++
    else return
    if (logs.samples.length < 10) {
      logs.samples.push(line.slice(0, 500))
      process.stderr.write(`hub| ${line.slice(0, 500)}\n`)
    }
  }
  for (const stream of [child.stdout!, child.stderr!]) {
    let rest = ''
    stream.on('data', (chunk: Buffer) => {
      if (output.length < 20_000) output += chunk.toString('utf8')
      const lines = (rest + chunk.toString('utf8')).split('\n')
      rest = lines.pop() ?? ''
      for (const line of lines) onLine(line)
    })
  }

  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`hub not ready after ${readyTimeoutMs} ms:\n${output.slice(-2000)}`)), readyTimeoutMs)
      const check = () => {
        const m = /listening on (http:\/\/\S+)/.exec(output)
        if (!m) return
        clearTimeout(timer)
        child.stdout!.off('data', check)
        resolve(m[1]!)
      }
      child.stdout!.on('data', check)
      child.once('exit', (code, signal) => {
        clearTimeout(timer)
        reject(new Error(`hub exited before it was ready (${signal ?? `code ${code}`}):\n${output.slice(-2000)}`))
      })
    })
    let nextId = 0
    const call = <T = void>(type: string, file?: string) => new Promise<T>((resolve, reject) => {
      const id = ++nextId
      const onReply = (msg: { type?: string; id?: number; error?: string; data?: unknown }) => {
        if (msg?.type !== 'reply' || msg.id !== id) return
        child.off('message', onReply)
        if (msg.error) reject(new Error(`hub: ${type} failed: ${msg.error}`))
        else resolve(msg.data as T)
      }
      child.on('message', onReply)
      child.send({ type, id, file })
    })
    return {
      url, pid: child.pid!,
      exited: () => exitNote,
      logSummary: () => ({ warn: logs.warn, error: logs.error, samples: [...logs.samples] }),
      counts: () => call<CallCounts>('counts'),
      startProfile: () => call('profile:start'),
      stopProfile: (file) => call('profile:stop', file),
      stop: (graceMs = 15_000) => stopProcess(child, graceMs),
    }
  } catch (err) {
    await stopProcess(child, 2000)
    throw err
  }
}
