/**
 * A hub child process as deployed: `node --import tsx src/main.ts start` with `LGSP_CONFIG`
 * pointing at a JSON file (the shape of test/integration/sync-crash.test.ts), for any config the
 * caller builds (hub-config.ts). Used by the dossier-sync, prefill and webhook-ingest benchmarks.
 * The preload (sync-hub-preload.ts) is loaded too: it stops the hub when the benchmark dies, lets
 * the parent profile it, and counts its PostgreSQL statements and Redis commands (one counter
 * increment per call). Warn/error log lines are counted and the first ones echoed, since they may
 * be the only sign of trouble.
 */
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ipcCaller, stopProcess, watchChild } from './child.js'
import type { CallCounts } from './sync-hub-preload.js'

export interface HubProcess {
  url: string
  pid: number
  /** The config file the hub was started with. */
  configPath: string
  exited(): string | undefined
  /** Log lines at warn level or above, and the first few of them. */
  logSummary(): { warn: number; error: number; samples: string[] }
  /** PostgreSQL statements and Redis commands the hub issued so far (counted by the preload). */
  counts(): Promise<CallCounts>
  startProfile(): Promise<void>
  stopProfile(file: string): Promise<void>
  /** SIGTERM (graceful shutdown), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const PRELOAD = new URL('./sync-hub-preload.ts', import.meta.url).href
/** Variables the hub reads as config overrides: none may leak in from the caller's shell. */
const CONFIG_ENV = /^(LGSP_|AUDIT_HASH_KEY|DATABASE_URL$|REDIS_URL$|PORT$|HOST$|LOG_LEVEL$)/

/** Writes `config` to `workDir/hub-config.json`, starts the hub on it and resolves once it is listening. */
export async function startHubProcess(config: Record<string, unknown>, workDir: string, readyTimeoutMs = 90_000): Promise<HubProcess> {
  const configPath = join(workDir, 'hub-config.json')
  writeFileSync(configPath, JSON.stringify(config, null, 2))
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !CONFIG_ENV.test(k)))
  env.LGSP_CONFIG = configPath
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', PRELOAD, 'src/main.ts', 'start'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] })
  const exited = watchChild(child)

  let output = ''
  const logs = { warn: 0, error: 0, samples: [] as string[] }
  const onLine = (line: string) => {
    if (line.trim() === '') return
    let level: number
    try {
      level = Number((JSON.parse(line) as { level?: number }).level ?? 0)
    } catch {
      level = /listening on|^Console|^OpenAPI|^API docs:/.test(line) ? 0 : 50 // not JSON and not the banner: treat as an error
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
    const call = ipcCaller(child, 'hub')
    return {
      url, pid: child.pid!, configPath, exited,
      logSummary: () => ({ warn: logs.warn, error: logs.error, samples: [...logs.samples] }),
      counts: () => call<CallCounts>('counts'),
      startProfile: () => call('profile:start'),
      stopProfile: (file) => call('profile:stop', { file }),
      stop: (graceMs = 15_000) => stopProcess(child, graceMs),
    }
  } catch (err) {
    await stopProcess(child, 2000)
    throw err
  }
}
