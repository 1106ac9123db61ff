/**
 * Loaded with `--import` into the hub child that `spawn-hub.ts` spawns (`src/main.ts start`), so the
 * hub itself stays untouched: when the benchmark's IPC channel closes (the parent died) the hub
 * gets SIGTERM and shuts down as in production, and the parent can switch the V8 CPU profiler on
 * and off over the same channel, so only the measured window is profiled. It also counts the
 * hub's PostgreSQL statements (by leading keyword) and Redis commands (by name): one counter
 * increment per call, wrapped around pg's `Client.query` and ioredis's `sendCommand`.
 */
import pg from 'pg'
import { Redis } from 'ioredis'
import { cpuProfiler } from './profiler.js'
import { pgStatementCpu } from './pg-statement-cpu.js'

export interface CallCounts {
  pg: Record<string, number>
  redis: Record<string, number>
}

const counts: CallCounts = { pg: {}, redis: {} }
/** `BENCH_PG_STATEMENT_CPU=<file>`: the server CPU of each statement, by statement (pg-statement-cpu.ts). */
const statementCpu = process.env.BENCH_PG_STATEMENT_CPU ? pgStatementCpu(process.env.BENCH_PG_STATEMENT_CPU) : undefined
const bump = (m: Record<string, number>, k: string) => void (m[k] = (m[k] ?? 0) + 1)
const pgProto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown }
const pgQuery = pgProto.query
pgProto.query = function countedQuery(this: unknown, ...args: unknown[]) {
  const first = args[0]
  const text = typeof first === 'string' ? first : (first as { text?: unknown } | undefined)?.text
  bump(counts.pg, /^\s*(\w+)/.exec(typeof text === 'string' ? text : '')?.[1]?.toUpperCase() ?? '?')
  if (statementCpu && typeof text === 'string') return statementCpu.measure(this as { processID?: number | null }, text, args, (a) => pgQuery.apply(this, a))
  return pgQuery.apply(this, args)
}
const redisProto = Redis.prototype as unknown as { sendCommand: (command: { name?: string }, ...rest: unknown[]) => unknown }
const sendCommand = redisProto.sendCommand
redisProto.sendCommand = function countedCommand(this: unknown, command: { name?: string }, ...rest: unknown[]) {
  bump(counts.redis, command?.name ?? '?')
  return sendCommand.call(this, command, ...rest)
}

interface Command {
  type?: string
  id?: number
  file?: string
}

if (process.send) {
  process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'))
  // The channel alone must not keep the hub alive; main.ts decides when it exits.
  process.channel?.unref()
  const profiler = cpuProfiler()
  const commands: Record<string, (msg: Command) => Promise<unknown>> = {
    counts: async () => structuredClone(counts),
    'profile:start': () => profiler.start(),
    'profile:stop': (msg) => profiler.stop(String(msg.file)),
  }
  process.on('message', (msg: Command) => {
    const command = msg?.type === undefined ? undefined : commands[msg.type]
    if (!command) return
    command(msg).then(
      (data) => process.send?.({ type: 'reply', id: msg.id, data }),
      (err: unknown) => process.send?.({ type: 'reply', id: msg.id, error: (err as Error).message }),
    )
  })
}
