/**
 * Child entry: the raw BullMQ baseline for dossier sync. One Worker, on its own ioredis
 * connection like the hub's delivery worker, whose processor only notes when it ran. The parent
 * adds the jobs (on the same Redis) and reads the notes from `GET /stats` on a small HTTP server;
 * `GET /count` answers how many jobs ran so far.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Worker } from 'bullmq'
import { Redis } from 'ioredis'
import { childMain } from './child.js'

export interface BaselineChildParams {
  redisUrl: string
  /** BullMQ key prefix (under the benchmark's Redis prefix, deleted afterwards). */
  prefix: string
  queue: string
  concurrency: number
}

childMain<BaselineChildParams>('bullmq baseline', async (p) => {
  const processed: Array<[string, number]> = []
  const connection = new Redis(p.redisUrl, { maxRetriesPerRequest: null })
  const worker = new Worker(p.queue, async (job) => {
    processed.push([String(job.id), Date.now()])
  }, { connection, prefix: p.prefix, concurrency: p.concurrency, maxStalledCount: 10 })
  worker.on('error', (err) => process.stderr.write(`baseline worker error: ${err.message}\n`))
  const server = createServer((req, res) => {
    const body = req.url === '/stats' ? JSON.stringify({ processed }) : JSON.stringify({ count: processed.length })
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  await worker.waitUntilReady()
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      await worker.close()
      await connection.quit().catch(() => connection.disconnect())
      await new Promise((resolve) => server.close(resolve))
    },
  }
})
