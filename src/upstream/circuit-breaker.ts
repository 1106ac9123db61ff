/**
 * A circuit breaker per upstream whose state lives in Redis, so every replica stops calling a
 * failing upstream together (DESIGN §7) and exactly one of them probes it when the open period
 * ends. Transitions are small Lua scripts, atomic across replicas, timed by the Redis clock so
 * replicas with skewed clocks still agree on when a circuit half-opens.
 *
 * Redis layout (one hash tag per upstream so it works on Redis Cluster):
 *   <prefix>circuit:{<name>}           hash {state: 'open', until: <ms>}; absent = closed
 *   <prefix>circuit:{<name>}:failures  sorted set of failure times in the rolling window
 *   <prefix>circuit:{<name>}:probe     the half-open probe lock (SET NX PX), value = probe token
 * Half-open is not stored: it is "open and `until` has passed".
 *
 * Hot path: the last state read is cached for `stateCacheMs`; a success while closed writes
 * nothing. Only failures, probes and cache refreshes touch Redis.
 *
 * Redis trouble never becomes an upstream outage: any Redis error or slow answer lets the call
 * through (fail open), logged once per outage.
 */
import { randomUUID } from 'node:crypto'
import type { RedisClient } from '../redis.js'
import type { Logger } from 'pino'

export type CircuitState = 'closed' | 'open' | 'half_open'

/** How an attempt went, as far as the breaker cares. */
export type CircuitOutcome =
  /** Upstream answered usefully. */
  | 'success'
  /** timeout, unavailable or bad_response: counts towards opening. */
  | 'failure'
  /** Upstream answered but refused (rejected, not_found, unauthorized): it is alive, nothing to count. */
  | 'answered'
  /** The caller went away: tells nothing about the upstream. */
  | 'neutral'

export interface CircuitBreakerOptions {
  redis: RedisClient
  /** Upstream name (connector id); one circuit per name. */
  name: string
  /** Key prefix. Default `lgsp:`. */
  prefix?: string
  log?: Logger
  /** Failures within `windowMs` that open the circuit. Default 5. */
  failureThreshold?: number
  /** Rolling window for counting failures in ms. Default 10000. */
  windowMs?: number
  /** How long the circuit stays open before one probe is let through, in ms. Default 5000. */
  openMs?: number
  /** How long a probe may hold the half-open lock before another replica may probe. Default 30000. */
  probeTtlMs?: number
  /** How long a state read is trusted locally, in ms. Default 250. */
  stateCacheMs?: number
  /** Longest wait for a Redis answer before failing open, in ms. Default 250. */
  redisTimeoutMs?: number
  /** After a Redis failure, skip Redis (fail open) for this long before trying again, in ms. Default 1000. */
  redisRetryMs?: number
  /** Called whenever the state this replica knows of changes. */
  onStateChange?: StateChangeListener
}

export type StateChangeListener = (to: CircuitState, from: CircuitState, name: string) => void

/** Permission to make one attempt; hand it back to `record()`. */
export interface CircuitTicket {
  allowed: boolean
  /** This attempt is THE half-open probe; its outcome closes or reopens the circuit. */
  probe: boolean
  /** When denied: roughly how long until a probe may go, in ms. */
  retryAfterMs?: number
  token?: string
}

export interface CircuitBreaker {
  readonly name: string
  /** Asks to make one attempt. Never throws (fails open). */
  acquire(): Promise<CircuitTicket>
  /** Reports the attempt's outcome. Never throws. */
  record(ticket: CircuitTicket, outcome: CircuitOutcome): Promise<void>
  /** The state as Redis has it now (no probe is taken). Falls back to the last known state. */
  state(): Promise<CircuitState>
  /** Subscribes to state changes; returns the unsubscribe function. */
  stateChanges(listener: StateChangeListener): () => void
}

const NOW_LUA = `local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`

/** KEYS: state, failures, probe. ARGV: take probe (1/0), probe token, probe ttl. → {decision, state, ms} */
const ACQUIRE_LUA = `${NOW_LUA}
local s = redis.call('HMGET', KEYS[1], 'state', 'until')
if s[1] ~= 'open' then return {'allow', 'closed', 0} end
local untilMs = tonumber(s[2]) or 0
if now < untilMs then return {'deny', 'open', untilMs - now} end
if ARGV[1] == '1' and redis.call('SET', KEYS[3], ARGV[2], 'NX', 'PX', ARGV[3]) then
  return {'probe', 'half_open', 0}
end
return {'deny', 'half_open', math.max(redis.call('PTTL', KEYS[3]), 0)}`

/** ARGV: probe (1/0), probe token, threshold, windowMs, openMs, unique member. → {state, remaining ms} */
const FAILURE_LUA = `${NOW_LUA}
local s = redis.call('HMGET', KEYS[1], 'state', 'until')
local openMs = tonumber(ARGV[5])
if s[1] == 'open' then
  local untilMs = tonumber(s[2]) or 0
  if ARGV[1] == '1' then
    redis.call('HSET', KEYS[1], 'until', now + openMs)
    if redis.call('GET', KEYS[3]) == ARGV[2] then redis.call('DEL', KEYS[3]) end
    return {'open', openMs}
  end
  -- a late failure of a call let through before the circuit opened: already accounted for
  if now < untilMs then return {'open', untilMs - now} end
  return {'half_open', 0}
end
local windowMs = tonumber(ARGV[4])
redis.call('ZADD', KEYS[2], now, ARGV[6])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - windowMs)
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[3]) then
  redis.call('HSET', KEYS[1], 'state', 'open', 'until', now + openMs)
  redis.call('DEL', KEYS[2])
  return {'open', openMs}
end
redis.call('PEXPIRE', KEYS[2], windowMs)
return {'closed', 0}`

/** The probe succeeded (or the upstream at least answered): close. → 1 when it closed */
const CLOSE_LUA = `if redis.call('HGET', KEYS[1], 'state') == 'open' then
  redis.call('DEL', KEYS[1], KEYS[2], KEYS[3])
  return 1
end
return 0`

/** The probe told nothing (caller aborted): free the lock so another probe may go. ARGV: token */
const RELEASE_LUA = `if redis.call('GET', KEYS[3]) == ARGV[1] then redis.call('DEL', KEYS[3]) end
return 0`

const COMMANDS = {
  lgspCircuitAcquire: ACQUIRE_LUA,
  lgspCircuitFailure: FAILURE_LUA,
  lgspCircuitClose: CLOSE_LUA,
  lgspCircuitRelease: RELEASE_LUA,
} as const
type CommandName = keyof typeof COMMANDS
type ScriptRunner = (...args: (string | number)[]) => Promise<unknown>

/** defineCommand once per connection; ioredis then sends EVALSHA and reloads on NOSCRIPT. */
function defineCommands(redis: RedisClient): void {
  const r = redis as unknown as Record<string, unknown>
  for (const [name, lua] of Object.entries(COMMANDS)) {
    if (typeof r[name] !== 'function') redis.defineCommand(name, { numberOfKeys: 3, lua })
  }
}

const ALLOW: CircuitTicket = Object.freeze({ allowed: true, probe: false })
const REDIS_DOWN = new Set(['end', 'close', 'reconnecting'])

export function createCircuitBreaker(options: CircuitBreakerOptions): CircuitBreaker {
  const { redis, name, log } = options
  const prefix = options.prefix ?? 'lgsp:'
  const failureThreshold = options.failureThreshold ?? 5
  const windowMs = options.windowMs ?? 10_000
  const openMs = options.openMs ?? 5000
  const probeTtlMs = options.probeTtlMs ?? 30_000
  const stateCacheMs = options.stateCacheMs ?? 250
  const redisTimeoutMs = options.redisTimeoutMs ?? 250
  const redisRetryMs = options.redisRetryMs ?? 1000
  const base = `${prefix}circuit:{${name}}`
  const keys = [base, `${base}:failures`, `${base}:probe`]
  const listeners = new Set<StateChangeListener>()
  if (options.onStateChange) listeners.add(options.onStateChange)
  defineCommands(redis)

  let known: CircuitState = 'closed'
  /** The last state read, trusted until `expiresAt`; `until` = local estimate of when a probe may go. */
  let cache: { state: CircuitState; expiresAt: number; until: number } | undefined
  let refreshing: Promise<CircuitTicket> | undefined
  let redisDownUntil = 0
  let warned = false
  let failureSeq = 0
  const replicaId = randomUUID()

  function remember(state: CircuitState, remainingMs: number): void {
    const now = Date.now()
    // An open circuit is trusted only until it is due to half-open, so the probe is not delayed.
    const ttl = state === 'open' ? Math.min(stateCacheMs, Math.max(remainingMs, 0)) : stateCacheMs
    cache = { state, expiresAt: now + ttl, until: now + Math.max(remainingMs, 0) }
    notify(state)
  }

  function notify(state: CircuitState): void {
    if (state === known) return
    const from = known
    known = state
    log?.info({ circuit: name, from, to: state }, 'circuit state changed')
    for (const listener of listeners) {
      try {
        listener(state, from, name)
      } catch (err) {
        log?.error({ err, circuit: name }, 'circuit state listener threw')
      }
    }
  }

  /** Runs one script with a bound on its latency; undefined means "Redis is not answering". */
  async function run(command: CommandName, args: (string | number)[]): Promise<unknown[] | undefined> {
    if (Date.now() < redisDownUntil || REDIS_DOWN.has(redis.status)) return redisFailed(new Error(`redis ${redis.status}`))
    let timer: NodeJS.Timeout | undefined
    try {
      const runner = (redis as unknown as Record<CommandName, ScriptRunner>)[command].bind(redis)
      const call = runner(...keys, ...args)
      call.catch(() => {}) // the timeout may win; do not leave the rejection unhandled
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`redis did not answer within ${redisTimeoutMs} ms`)), redisTimeoutMs)
      })
      const result = (await Promise.race([call, timeout])) as unknown[]
      if (warned) {
        warned = false
        log?.info({ circuit: name }, 'circuit breaker reaches Redis again')
      }
      return result
    } catch (err) {
      return redisFailed(err)
    } finally {
      clearTimeout(timer)
    }
  }

  function redisFailed(err: unknown): undefined {
    if (Date.now() >= redisDownUntil) redisDownUntil = Date.now() + redisRetryMs
    if (!warned) {
      warned = true
      log?.warn({ err, circuit: name }, 'circuit breaker cannot reach Redis; letting calls through until it is back')
    }
    return undefined
  }

  async function acquireFromRedis(): Promise<CircuitTicket> {
    const token = randomUUID()
    const r = await run('lgspCircuitAcquire', ['1', token, probeTtlMs])
    if (r === undefined) return ALLOW
    const [decision, state, ms] = r as [string, CircuitState, number]
    remember(state, Number(ms))
    if (decision === 'allow') return ALLOW
    if (decision === 'probe') return { allowed: true, probe: true, token }
    return { allowed: false, probe: false, retryAfterMs: Number(ms) }
  }

  return {
    name,

    async acquire() {
      const c = cache
      if (c !== undefined && Date.now() < c.expiresAt) {
        if (c.state === 'closed') return ALLOW
        return { allowed: false, probe: false, retryAfterMs: Math.max(0, c.until - Date.now()) }
      }
      // A probe must not be shared: concurrent callers only share the refresh while it reads "closed".
      if (refreshing === undefined) {
        refreshing = acquireFromRedis().finally(() => {
          refreshing = undefined
        })
        return refreshing
      }
      const shared = await refreshing
      return shared.probe ? { allowed: false, probe: false, retryAfterMs: 0 } : shared
    },

    async record(ticket, outcome) {
      if (!ticket.allowed) return
      if (outcome === 'failure') {
        failureSeq += 1
        const r = await run('lgspCircuitFailure', [
          ticket.probe ? '1' : '0', ticket.token ?? '', failureThreshold, windowMs, openMs, `${replicaId}:${failureSeq}`,
        ])
        if (r !== undefined) remember(r[0] as CircuitState, Number(r[1]))
        return
      }
      if (!ticket.probe) return // the hot path: nothing to write
      if (outcome === 'neutral') {
        await run('lgspCircuitRelease', [ticket.token ?? ''])
        cache = undefined // let the next caller try to probe at once
        return
      }
      const r = await run('lgspCircuitClose', [])
      if (r !== undefined) remember('closed', 0)
    },

    async state() {
      const r = await run('lgspCircuitAcquire', ['0', '', 0])
      if (r === undefined) return known
      // Only notify: caching a half-open read here would make this replica skip its chance to probe.
      notify(r[1] as CircuitState)
      return known
    },

    stateChanges(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}
