import { openDatabase } from '../src/db/migrate.js'
import { createAuditLog } from '../src/audit/audit-log.js'
const db: any = await (openDatabase as any)({ pgliteDir: 'memory://' })
const log = createAuditLog({ db, hashKey: 'x'.repeat(32), maxWaitMs: 0 })
const entry = () => ({ at: new Date(), requestId: 'r1', client: 'c', officerId: 'o', purpose: 'p', connector: 'population', operation: 'lookup', subject: '001099012345', outcome: 'ok', latencyMs: 3 })
for (const n of [5, 5]) {
  const t = performance.now(); let batches = 0
  while (performance.now() - t < 3000) { await Promise.all(Array.from({ length: n }, () => log.append(entry()))); batches++ }
  console.log('batch', n, ((performance.now() - t) / batches).toFixed(3), 'ms/batch')
}
const t2 = performance.now(); for (let i = 0; i < 2000; i++) await db.query('SELECT 1'); console.log('select1', ((performance.now() - t2) / 2000).toFixed(3))
const t3 = performance.now(); for (let i = 0; i < 2000; i++) await db.transaction(async () => {}); console.log('empty tx', ((performance.now() - t3) / 2000).toFixed(3))
const t4 = performance.now(); for (let i = 0; i < 2000; i++) await db.transaction(async (tx: any) => { await tx.query("SELECT set_config('lock_timeout', $1, true)", ['5000ms']) }); console.log('tx+setconfig', ((performance.now() - t4) / 2000).toFixed(3))
const t5 = performance.now(); for (let i = 0; i < 2000; i++) await db.transaction(async (tx: any) => { await tx.query('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1') }); console.log('tx+head', ((performance.now() - t5) / 2000).toFixed(3))
process.exit(0)
