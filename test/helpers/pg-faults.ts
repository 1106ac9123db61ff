/**
 * Fault injection against PostgreSQL for the fault suite. Sessions are terminated by their
 * application_name (which names the hub's schema), so other clients of the shared server —
 * other tests, other helpers — are never touched.
 */
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
