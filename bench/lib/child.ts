/**
 * Child processes for benchmarks. The parent side (`spawnChild`, `stopAllChildren`) forks a
 * TypeScript entry under tsx with an IPC channel and waits for it to report its URL; the child
 * side (`childMain`) starts a server, reports `{type: 'ready', url}` and shuts down cleanly on
 * SIGTERM, SIGINT or when the IPC channel closes (the parent died), so no child outlives a run.
 * The parent can also switch a CPU profiler on and off in the child over the same channel.
 * `stopProcess`, `watchChild` and `ipcCaller` are the parent-side pieces spawn-hub.ts reuses for
 * the hub, which it starts differently (spawn, ready on its log line, the preload's commands).
 */
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { cpuProfiler } from './profiler.js'

export interface ChildHandle {
  name: string
  url: string
  pid: number
  /** Set once the process has exited, with how. */
  exited(): string | undefined
  /** Starts the V8 CPU profiler on the child's main thread (only the load window gets profiled). */
  startProfile(): Promise<void>
  /** Stops it and writes the `.cpuprofile` to `file`. */
  stopProfile(file: string): Promise<void>
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>
}

export interface SpawnOptions {
  /** Extra node flags. */
  execArgv?: string[]
  /** Default 60 s: a hub's first start compiles TypeScript and migrates the database. */
  readyTimeoutMs?: number
}

const PARAMS_ENV = 'BENCH_CHILD_PARAMS'
/** The `spawnChild` children, for `stopAllChildren` (hub processes from spawn-hub.ts are stopped by their owner). */
const live = new Set<ChildProcess>()
/** Every child of this process, spawnChild's and spawn-hub.ts's: SIGKILLed if this process exits first. */
const orphans = new Set<ChildProcess>()
let exitHookInstalled = false

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
export function stopProcess(child: ChildProcess, graceMs = 10_000): Promise<void> {
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

/** Registers a freshly started child: killed on this process's exit; returns how it exited, once it has. */
export function watchChild(child: ChildProcess): () => string | undefined {
  if (!exitHookInstalled) {
    exitHookInstalled = true
    // Last resort for any exit path that skipped the orderly stop: never leave a child behind.
    process.on('exit', () => {
      for (const c of orphans) c.kill('SIGKILL')
    })
  }
  orphans.add(child)
  let exitNote: string | undefined
  child.once('exit', (code, signal) => {
    orphans.delete(child)
    exitNote = signal ? `killed by ${signal}` : `exit code ${code}`
  })
  return () => exitNote
}

/**
 * Request/reply over the IPC channel: sends `{type, id, ...fields}` and settles on the child's
 * `{type: 'reply', id, error?, data?}` (childMain's commands below, or the hub preload's).
 */
export function ipcCaller(child: ChildProcess, name: string): <T = void>(type: string, fields?: Record<string, unknown>) => Promise<T> {
  let nextId = 0
  return <T>(type: string, fields?: Record<string, unknown>) => new Promise<T>((resolve, reject) => {
    const id = ++nextId
    const onReply = (msg: { type?: string; id?: number; error?: string; data?: unknown }) => {
      if (msg?.type !== 'reply' || msg.id !== id) return
      child.off('message', onReply)
      if (msg.error) reject(new Error(`${name}: ${type} failed: ${msg.error}`))
      else resolve(msg.data as T)
    }
    child.on('message', onReply)
    child.send({ type, id, ...fields })
  })
}

/** Forks `script` (a .ts file run under tsx) with `params` and resolves once it is listening. */
export async function spawnChild(name: string, script: URL, params: unknown, options: SpawnOptions = {}): Promise<ChildHandle> {
  const child = fork(fileURLToPath(script), [], {
    execArgv: ['--import', 'tsx', ...(options.execArgv ?? [])],
    env: { ...process.env, [PARAMS_ENV]: JSON.stringify(params) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const exited = watchChild(child)
  live.add(child)
  child.once('exit', () => live.delete(child))
  const readyTimeoutMs = options.readyTimeoutMs ?? 60_000
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name}: not ready after ${readyTimeoutMs} ms`)), readyTimeoutMs)
      child.on('message', (msg: { type?: string; url?: string }) => {
        if (msg?.type !== 'ready' || typeof msg.url !== 'string') return
        clearTimeout(timer)
        resolve(msg.url)
      })
      child.once('exit', (code, signal) => {
        clearTimeout(timer)
        reject(new Error(`${name} exited before it was ready (${signal ? `signal ${signal}` : `code ${code}`}); its output is above`))
      })
      child.once('error', (err) => {
        clearTimeout(timer)
        reject(err)
      })
    })
    const call = ipcCaller(child, name)
    return {
      name, url, pid: child.pid!, exited,
      stop: (graceMs) => stopProcess(child, graceMs),
      startProfile: () => call('profile:start'),
      stopProfile: (file) => call('profile:stop', { payload: file }),
    }
  } catch (err) {
    await stopProcess(child, 2000)
    throw err
  }
}

/** Stops every child still running, all at once. */
export async function stopAllChildren(graceMs?: number): Promise<void> {
  await Promise.all([...live].map((child) => stopProcess(child, graceMs)))
}

export interface ChildServer {
  url: string
  close(): Promise<void>
}

/** Child side: runs `start` with the parent's params, reports ready, and stops cleanly on request. */
export function childMain<P>(name: string, start: (params: P) => Promise<ChildServer>): void {
  const params = JSON.parse(process.env[PARAMS_ENV] ?? '{}') as P
  let server: ChildServer | undefined
  let stopping = false
  const stop = async () => {
    if (stopping) return
    stopping = true
    let code = 0
    // A close that hangs must not keep the process (and its ports) alive.
    setTimeout(() => {
      process.stderr.write(`${name}: close did not finish in 8 s; exiting anyway\n`)
      process.exit(1)
    }, 8000).unref()
    try {
      await server?.close()
    } catch (err) {
      process.stderr.write(`${name}: close failed: ${(err as Error).stack ?? String(err)}\n`)
      code = 1
    }
    process.exit(code)
  }
  process.on('SIGTERM', () => void stop())
  process.on('SIGINT', () => void stop())
  process.on('disconnect', () => void stop())
  const profiler = cpuProfiler()
  const commands: Record<string, (payload: unknown) => Promise<void>> = {
    'profile:start': () => profiler.start(),
    'profile:stop': (file) => profiler.stop(String(file)),
  }
  process.on('message', (msg: { type?: string; id?: number; payload?: unknown }) => {
    const command = msg?.type === undefined ? undefined : commands[msg.type]
    if (!command) return
    command(msg.payload).then(
      () => process.send?.({ type: 'reply', id: msg.id }),
      (err: unknown) => process.send?.({ type: 'reply', id: msg.id, error: (err as Error).message }),
    )
  })
  start(params).then(
    (s) => {
      server = s
      if (stopping) return void s.close().finally(() => process.exit(0))
      process.send?.({ type: 'ready', url: s.url })
    },
    (err: unknown) => {
      process.stderr.write(`${name} failed to start: ${(err as Error).stack ?? String(err)}\n`)
      process.exit(2)
    },
  )
}
