/**
 * The shared services a benchmark's hub uses (Redis, PostgreSQL), where to find them, and the
 * names that keep one run's traces apart from another's (other engineers run benchmarks and
 * tests on the same services).
 */
import { randomBytes } from 'node:crypto'
import { Redis } from 'ioredis'
import { processCpuMs } from './cpu-usage.js'

export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379'
export const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

/** A random run suffix, the Redis key prefix and PostgreSQL schema named after it, and a fresh API key. */
export function runNames() {
  const suffix = randomBytes(4).toString('hex')
  return { suffix, redisPrefix: `bench:${suffix}:`, schema: `bench_${suffix}`, key: `bench-${randomBytes(16).toString('hex')}` }
}

/** Redis's pid when it runs on this machine (for CPU accounting), else undefined. */
export async function redisPid(): Promise<number | undefined> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 })
  try {
    const pid = Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1])
    return Number.isInteger(pid) && processCpuMs(pid) !== undefined ? pid : undefined
  } finally {
    redis.disconnect()
  }
}
