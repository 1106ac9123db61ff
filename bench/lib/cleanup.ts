/**
 * Removing what a benchmark's hub leaves in shared services: its Redis keys and its private
 * PostgreSQL schema. Both the hub child (on close, which also runs when the parent was killed)
 * and the parent (backstop, e.g. when the hub crashed) call these; repeating them is harmless.
 */
import { rmSync } from 'node:fs'
import { Redis } from 'ioredis'
import pg from 'pg'
import { stopAllChildren } from './child.js'
import type { Ledger } from './hub-config.js'
import type { HubProcess } from './spawn-hub.js'

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

/** `ANALYZE` of every table of a private schema (a benchmark's ledger brought to a steady state). */
export async function analyzeSchema(url: string, schema: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`refusing to analyze schema "${schema}"`)
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const { rows } = await client.query<{ t: string }>('SELECT quote_ident(tablename) AS t FROM pg_tables WHERE schemaname = $1', [schema])
    if (rows.length > 0) await client.query(`ANALYZE ${rows.map((r) => `${schema}.${r.t}`).join(', ')}`)
  } finally {
    await client.end()
  }
}

/** The parent's backstop: `deleteRedisPrefix` that logs a failure instead of throwing (the run's own error matters more); 0 then. */
export const tryDeleteRedisPrefix = (url: string, prefix: string, log: (line: string) => void): Promise<number> =>
  deleteRedisPrefix(url, prefix).catch((err: Error) => (log(`could not delete Redis keys ${prefix}*: ${err.message}`), 0))

/** Likewise `dropSchema`. */
export const tryDropSchema = (url: string, schema: string, log: (line: string) => void): Promise<void> =>
  dropSchema(url, schema).catch((err: Error) => log(`could not drop schema ${schema}: ${err.message}`))

/**
 * The parent's cleanup of a spawn-hub.ts run (prefill, webhook-ingest): stops the hub and every
 * spawnChild child, then removes the Redis keys, the private schema (a PGlite ledger lives in
 * `workDir`) and `workDir`; one line says what went.
 */
export async function cleanUpHubRun(o: {
  hub: HubProcess | undefined; graceMs?: number; redisUrl: string; redisPrefix: string; ledger: Ledger; workDir: string; log: (line: string) => void
}): Promise<void> {
  await Promise.all([o.hub?.stop(o.graceMs), stopAllChildren(o.graceMs)])
  const deleted = await tryDeleteRedisPrefix(o.redisUrl, o.redisPrefix, o.log)
  if (o.ledger.kind === 'postgres') await tryDropSchema(o.ledger.url, o.ledger.schema, o.log)
  rmSync(o.workDir, { recursive: true, force: true })
  o.log(`cleaned up: children stopped, ${deleted} Redis keys under ${o.redisPrefix} deleted, ${o.ledger.kind === 'postgres' ? `schema ${o.ledger.schema} dropped` : `${o.workDir} removed`}`)
}
