/**
 * Fault injection against PostgreSQL for the fault suite. Sessions are terminated by their
 * application_name (which names the hub's schema), so other clients of the shared server —
 * other tests, other helpers — are never touched.
 */
import { connect, createServer, type AddressInfo } from 'node:net'
import type { Test } from 'tap'
import pg from 'pg'
import { applicationName } from '../../src/db/postgres.js'
import { TEST_DATABASE_URL } from './hub.js'

/** Terminates every session of the hub using `schema`; returns how many there were. */
export async function terminateSessions(schema: string, url = TEST_DATABASE_URL): Promise<number> {
  const admin = new pg.Client({ connectionString: url })
  await admin.connect()
  try {
    const { rows } = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()', [applicationName(schema)])
    return rows.length
  } finally {
    await admin.end()
  }
}

/**
 * A TCP proxy on a free loopback port in front of the shared PostgreSQL that cuts a connection
 * (both sides, no reply) when `cut(chunk, n)` says so for a chunk the client sends on its n-th
 * connection (from 1); closed at the test's end. `crashes` collects uncaught exceptions meanwhile:
 * a cut must never become one.
 */
export async function cuttingProxy(t: Test, cut: (chunk: Buffer, connection: number) => boolean): Promise<{ port: number; connections(): number; crashes: unknown[] }> {
  const shared = new URL(TEST_DATABASE_URL)
  let connections = 0
  const proxy = createServer((client) => {
    const n = ++connections
    const server = connect(Number(shared.port || 5432), shared.hostname)
    client.on('error', () => undefined)
    server.on('error', () => undefined)
    client.on('data', (chunk: Buffer) => {
      if (cut(chunk, n)) {
        client.destroy()
        server.destroy()
        return
      }
      server.write(chunk)
    })
    server.pipe(client)
    client.on('close', () => server.destroy())
  })
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r))
  t.teardown(() => new Promise<void>((r) => proxy.close(() => r())))
  const crashes: unknown[] = []
  const onCrash = (err: unknown) => crashes.push(err)
  process.on('uncaughtException', onCrash)
  t.teardown(() => { process.off('uncaughtException', onCrash) })
  return { port: (proxy.address() as AddressInfo).port, connections: () => connections, crashes }
}
