/**
 * Starts a whole hub in-process for integration tests: sandbox simulators, real Redis with a
 * private key prefix, and either in-memory PGlite or PostgreSQL in a private schema (dropped in
 * teardown). Log lines are captured so tests can assert what was (not) logged.
 *
 * By default the hub does not listen: `call` goes through Fastify's `inject` (fastify/demo style,
 * no socket, no port). A test whose hub is called from outside the test's own code — a
 * simulator's push or payment callback — asks for `{ listen: true }` and gets `url`.
 */
import { randomBytes } from 'node:crypto'
import { Writable } from 'node:stream'
import pg from 'pg'
import { Redis } from 'ioredis'
import { loadConfig, merge } from '../../src/config/load.js'
import { startHub, type HubHandle } from '../../src/server.js'
import { pgliteTemplate } from './pglite-template.js'

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'
export const DEMO_KEY = 'lgsp-demo-key-0000-not-a-secret'

export type DbKind = 'pglite' | 'postgres'
export const DB_KINDS: DbKind[] = ['pglite', 'postgres']

export interface TestHub extends HubHandle {
  logs: string[]
  prefix: string
  schema: string
  /**
   * A request to the hub (injected, no socket) with the demo key and officer headers unless
   * overridden (`''` removes one); a string body is sent as is. The body comes back parsed when
   * it is JSON, as text otherwise; `raw` holds its bytes.
   */
  call(path: string, init?: { method?: string; body?: unknown; headers?: Record<string, string> }): Promise<{ status: number; headers: Headers; body: any; raw: Buffer }>
}

export interface TestHubOptions {
  /** Listen on a loopback port and expose `url` (default false: requests are injected). */
  listen?: boolean
}

export async function startTestHub(kind: DbKind, overrides: Record<string, unknown> = {}, options: TestHubOptions = {}): Promise<TestHub> {
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
  // PGlite starts from a migrated template: initdb in WASM costs seconds.
  const pgliteDump = kind === 'pglite' ? await pgliteTemplate('migrated') : undefined
  const hub = await startHub({ config, logStream, listen: options.listen === true, ...(pgliteDump && { pgliteDump }) })
  const call: TestHub['call'] = async (path, init = {}) => {
    const headers: Record<string, string> = {
      authorization: `Bearer ${DEMO_KEY}`,
      'x-officer-id': 'CB-0001',
      'x-purpose': 'HS-TEST-0001',
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...init.headers,
    }
    for (const [k, v] of Object.entries(headers)) if (v === '') delete headers[k]
    const res = await hub.app.inject({
      method: (init.method ?? (init.body !== undefined ? 'POST' : 'GET')) as 'GET',
      url: path,
      headers,
      ...(init.body !== undefined ? { payload: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) } : {}),
    })
    let body: unknown = res.body
    try {
      body = JSON.parse(res.body)
    } catch {}
    return { status: res.statusCode, headers: toHeaders(res.headers), body, raw: res.rawPayload }
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
  const testHub = Object.assign(hub, { logs, prefix, schema, call, close })
  if (options.listen !== true) {
    Object.defineProperty(testHub, 'url', {
      get() { throw new Error('this test hub does not listen: use hub.call(), or startTestHub(kind, overrides, { listen: true })') },
    })
  }
  return testHub
}

/** Node's outgoing headers (what `inject` returns) as a fetch `Headers`. */
function toHeaders(raw: Record<string, string | string[] | number | undefined>): Headers {
  const headers = new Headers()
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, String(v))
  }
  return headers
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

/** A test hub listening on a loopback port (`url`), for tests that need real HTTP: cookies, a browser, streamed downloads. */
export function startListeningHub(kind: DbKind, overrides: Record<string, unknown> = {}): Promise<TestHub> {
  return startTestHub(kind, overrides, { listen: true })
}
