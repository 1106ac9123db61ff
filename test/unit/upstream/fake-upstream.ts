/**
 * Test fixtures for the upstream layer: a loopback `node:http` server playing the upstream, a
 * real Redis connection with a private key prefix, and a logger that keeps its lines.
 * (Not a test file itself; tap runs it and finds no tests.)
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { randomBytes } from 'node:crypto'
import { Writable } from 'node:stream'
import { Redis } from 'ioredis'
import { pino, type Logger } from 'pino'

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

export interface RecordedRequest {
  method: string
  url: string
  headers: IncomingMessage['headers']
  body: string
}

export type Handler = (req: IncomingMessage, res: ServerResponse, n: number, body: string) => void | Promise<void>

export interface FakeUpstream {
  url: string
  requests: RecordedRequest[]
  /** Replaceable at any time; `n` counts requests from 1. */
  handler: Handler
  /** Resolves when the response of request `n` (from 1) closes before it was ended (client went away). */
  closedEarly(n: number): Promise<void>
  close(): Promise<void>
}

export async function startFakeUpstream(handler: Handler): Promise<FakeUpstream> {
  const early = new Map<number, { promise: Promise<void>; resolve: () => void }>()
  const slot = (n: number) => {
    let s = early.get(n)
    if (s === undefined) {
      let resolve!: () => void
      const promise = new Promise<void>((r) => (resolve = r))
      s = { promise, resolve }
      early.set(n, s)
    }
    return s
  }
  const fake: FakeUpstream = {
    url: '',
    requests: [],
    handler,
    closedEarly: (n) => slot(n).promise,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8')
      fake.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body })
      const n = fake.requests.length
      res.on('close', () => {
        if (!res.writableEnded) slot(n).resolve()
      })
      Promise.resolve(fake.handler(req, res, n, body)).catch(() => res.destroy())
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return fake
}

export function reply(res: ServerResponse, status: number, body = '', headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain', ...headers })
  res.end(body)
}

export interface TestRedis {
  redis: Redis
  prefix: string
  /** Another connection to the same Redis: a second "replica". */
  another(): Redis
  cleanup(): Promise<void>
}

export async function testRedis(): Promise<TestRedis> {
  const prefix = `test:upstream:${randomBytes(6).toString('hex')}:`
  const connections: Redis[] = []
  const connect = () => {
    const r = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 })
    connections.push(r)
    return r
  }
  const redis = connect()
  await redis.ping()
  return {
    redis,
    prefix,
    another: connect,
    async cleanup() {
      let cursor = '0'
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500)
        if (keys.length > 0) await redis.del(...keys)
        cursor = next
      } while (cursor !== '0')
      await Promise.all(connections.map((r) => r.quit().catch(() => r.disconnect())))
    },
  }
}

/** A pino logger whose lines (parsed) land in `lines`. */
export function captureLogger(): { log: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = []
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>)
      cb()
    },
  })
  return { log: pino({ level: 'debug' }, stream), lines }
}

export const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Rejects when `promise` does not settle within `ms` (keeps a broken test from hanging). */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms)
    }),
  ])
}

/** Polls `condition` every 5 ms; rejects after `ms` (a bounded loop, never a hang). */
export async function waitFor(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms`)
    await delay(5)
  }
}
