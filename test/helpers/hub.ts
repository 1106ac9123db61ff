/**
 * Starts a whole hub in-process for integration tests: sandbox simulators, real Redis with a
 * private key prefix, and either in-memory PGlite or PostgreSQL in a private schema (dropped in
 * teardown). Log lines are captured so tests can assert what was (not) logged.
 */
import { randomBytes } from 'node:crypto'
import { Writable } from 'node:stream'
import pg from 'pg'
import { Redis } from 'ioredis'
import { loadConfig, merge } from '../../src/config/load.js'
import { startHub, type HubHandle } from '../../src/server.js'

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'
export const DEMO_KEY = 'lgsp-demo-key-0000-not-a-secret'

export type DbKind = 'pglite' | 'postgres'
export const DB_KINDS: DbKind[] = ['pglite', 'postgres']

export interface TestHub extends HubHandle {
  logs: string[]
  prefix: string
  schema: string
  /** `fetch` against the hub with the demo key and officer headers unless overridden. */
  call(path: string, init?: { method?: string; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; headers: Headers; body: any }>
}

export async function startTestHub(kind: DbKind, overrides: Record<string, unknown> = {}): Promise<TestHub> {
  const suffix = randomBytes(4).toString('hex')
  const prefix = `test:${suffix}:`
  const schema = `t_${suffix}`
  const logs: string[] = []
  const logStream = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk))
      done()
    },
  })
  const base = {
    server: { port: 0, host: '127.0.0.1', shutdownGraceMs: 2000 },
    // Some tests point one connector at a simulator of their own: a deliberate partial sandbox.
    sandbox: { enabled: true },
    log: { level: 'info' },
    redis: { url: TEST_REDIS_URL, keyPrefix: prefix },
    database: kind === 'postgres' ? { url: TEST_DATABASE_URL, schema } : { pgliteDir: 'memory://' },
    audit: { hashKey: 'test-audit-key-not-a-secret', maxWaitMs: 1 },
  }
  const config = loadConfig({ env: {}, overrides: merge(base, overrides) })
  const hub = await startHub({ config, logStream })
  const call: TestHub['call'] = async (path, init = {}) => {
    const headers: Record<string, string> = {
      authorization: `Bearer ${DEMO_KEY}`,
      'x-officer-id': 'CB-0001',
      'x-purpose': 'HS-TEST-0001',
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...init.headers,
    }
    for (const [k, v] of Object.entries(headers)) if (v === '') delete headers[k]
    const res = await fetch(`${hub.url}${path}`, {
      method: init.method ?? (init.body !== undefined ? 'POST' : 'GET'),
      headers,
      ...(init.body !== undefined ? { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) } : {}),
    })
    const text = await res.text()
    let body: unknown = text
    try {
      body = JSON.parse(text)
    } catch {}
    return { status: res.status, headers: res.headers, body }
  }
  const stopHub = hub.close
  const close = async () => {
    await stopHub()
    await deleteRedisPrefix(prefix)
    if (kind === 'postgres') {
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL })
      await client.connect()
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
      await client.end()
    }
  }
  return Object.assign(hub, { logs, prefix, schema, call, close })
}

/** Removes every Redis key a test wrote under its prefix. */
export async function deleteRedisPrefix(prefix: string): Promise<void> {
  const redis = new Redis(TEST_REDIS_URL)
  try {
    let cursor = '0'
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500)
      cursor = next
      if (keys.length > 0) await redis.del(...keys)
    } while (cursor !== '0')
  } finally {
    redis.disconnect()
  }
}
