/**
 * `audit:verify [--checkpoint FILE] [--anchor]`: proves the audit chain read-only — it opens the
 * database without creating or migrating anything, in read-only transactions, and refuses a
 * schema with no audit table (a mistyped schema used to be migrated and reported "intact: 0").
 * Prints the head (seq and hash) to anchor, checks the signed checkpoints of the checkpoint file
 * (`audit.checkpointFile` or --checkpoint) and, with --anchor, appends the verified head to it.
 * Exit codes: 0 intact, 1 broken (or an anchor fails), 2 could not check.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs'
import type { HubConfig } from '../../schemas/config.js'
import { createDb } from '../db/create-db.js'
import { chainKeyFrom } from './chain.js'
import { verifyAuditChain } from './verify.js'
import { checkCheckpoints, checkpointLine, signCheckpoint } from './checkpoint.js'

export async function runAuditVerify(config: HubConfig, args: string[], out: { write(s: string): unknown }): Promise<number> {
  const flag = (name: string) => { const i = args.indexOf(name); return i >= 0 ? (args[i + 1] ?? '') : undefined }
  const checkpointFile = flag('--checkpoint') ?? config.audit.checkpointFile
  const anchor = args.includes('--anchor')
  if (anchor && !checkpointFile) {
    out.write('--anchor needs a checkpoint file: --checkpoint FILE or audit.checkpointFile (AUDIT_CHECKPOINT_FILE)\n')
    return 2
  }
  const where = config.database.url ? `schema "${config.database.schema}"` : `PGlite ${config.database.pgliteDir}, schema "${config.database.schema}"`
  const db = await createDb({
    ...(config.database.url ? { url: config.database.url } : { pgliteDir: config.database.pgliteDir }),
    schema: config.database.schema, poolSize: 1, readOnly: true,
  })
  try {
    const { rows } = await db.query<{ t: string | null }>(`SELECT to_regclass('audit_log')::text AS t`)
    if (!rows[0]?.t) {
      out.write(`no audit_log table in ${where}: a mistyped schema or a database the hub never started on; nothing was created or changed\n`)
      return 2
    }
    const chainKey = config.audit.chainKey || config.audit.hashKey ? chainKeyFrom(config.audit) : undefined
    const result = await verifyAuditChain(db, { ...(chainKey && { chainKey }) })
    const head = result.head ?? { seq: 0, hash: '' }
    const unkeyed = result.unkeyed ? ` (${result.unkeyed} unkeyed, written before the chain was keyed)` : ''
    if (result.ok) out.write(`audit chain intact: ${result.checked} records checked${unkeyed}\n`)
    else out.write(`audit chain BROKEN at record seq=${result.firstBroken?.seq} (${result.firstBroken?.reason}); ${result.checked} records before it verified${unkeyed}\n`)
    out.write(`head: seq=${head.seq} hash=${head.hash || '-'}\n`)
    let anchorsHold = true
    if (checkpointFile && existsSync(checkpointFile)) {
      if (!chainKey) throw new Error('checking checkpoints needs the chain key (AUDIT_HASH_KEY or AUDIT_CHAIN_KEY)')
      const problems = await checkCheckpoints(db, readFileSync(checkpointFile, 'utf8'), chainKey, head)
      anchorsHold = problems.length === 0
      out.write(anchorsHold ? `checkpoints in ${checkpointFile}: all hold\n` : problems.map((p) => `checkpoint ${checkpointFile}:${p.line} (seq=${p.seq}) FAILS: ${p.reason}\n`).join(''))
    } else if (checkpointFile && !anchor) {
      out.write(`checkpoint file ${checkpointFile} does not exist yet; create it with --anchor\n`)
    }
    if (anchor && result.ok && anchorsHold && result.head && chainKey) {
      appendFileSync(checkpointFile!, checkpointLine(signCheckpoint(result.head, chainKey)))
      out.write(`anchored seq=${result.head.seq} in ${checkpointFile}\n`)
    }
    return result.ok && anchorsHold ? 0 : 1
  } finally {
    await db.close()
  }
}
