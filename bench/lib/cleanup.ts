/**
 * Removing what a benchmark's hub leaves in shared services: its Redis keys and its private
 * PostgreSQL schema. Both the hub child (on close, which also runs when the parent was killed)
 * and the parent (backstop, e.g. when the hub crashed) call these; repeating them is harmless.
 */
import { Redis } from 'ioredis'
import pg from 'pg'

/** Deletes every key under `prefix`; returns how many there were. */
export async function deleteRedisPrefix(url: string, prefix: string): Promise<number> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 })
  let deleted = 0
  try {
    let cursor = '0'
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500)
      cursor = next
      if (keys.length > 0) deleted += await redis.del(...keys)
    } while (cursor !== '0')
  } finally {
    redis.disconnect()
  }
  return deleted
}

export async function dropSchema(url: string, schema: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`refusing to drop schema "${schema}"`)
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
  } finally {
    await client.end()
  }
}
