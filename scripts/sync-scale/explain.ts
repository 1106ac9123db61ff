/**
 * The statements of scripts/sync-scale-check.ts under EXPLAIN: a Db on one connection whose every
 * statement is first run under `EXPLAIN (ANALYZE, BUFFERS)` inside a savepoint that is rolled
 * back, then for real; what the plans say (time, buffers, the biggest scan) and how they print.
 */
import type pg from 'pg'
import type { Db, Queryable, QueryResult } from '../../src/db/types.js'

export interface PlanNode {
  'Node Type': string
  'Relation Name'?: string
  'Index Name'?: string
  'Actual Rows': number
  'Actual Loops': number
  'Rows Removed by Filter'?: number
  'Rows Removed by Index Recheck'?: number
  'Shared Hit Blocks': number
  'Shared Read Blocks': number
  Plans?: PlanNode[]
}

export interface Explained {
  sql: string
  ms: number
  planningMs: number
  blocks: number
  /** The scan that read the most rows: "Seq Scan outbox 3,000,000". */
  biggest: { label: string; rows: number; seq: boolean }
  plan: PlanNode
}

/** The plan as a tree: node, relation or index, conditions, rows × loops. */
export function planTree(node: PlanNode, depth = 0, out: string[] = []): string[] {
  const n = node as PlanNode & Record<string, unknown>
  const on = n['Index Name'] ?? n['Relation Name'] ?? n['CTE Name'] ?? ''
  const cond = [n['Index Cond'], n['Filter'], n['One-Time Filter']].filter(Boolean).map((c) => String(c).replace(/\s+/g, ' ')).join(' / ')
  out.push(`${'  '.repeat(depth + 2)}${n['Node Type']}${n['Subplan Name'] ? ` (${String(n['Subplan Name'])})` : ''}${on ? ` ${String(on)}` : ''}: ${node['Actual Rows']} rows × ${node['Actual Loops']}${cond ? `  [${cond.slice(0, 110)}]` : ''}`)
  for (const child of node.Plans ?? []) planTree(child, depth + 1, out)
  return out
}

function scans(node: PlanNode, out: Array<{ label: string; rows: number; seq: boolean }> = []) {
  if (node['Relation Name'] !== undefined || node['Index Name'] !== undefined) {
    const rows = (node['Actual Rows'] + (node['Rows Removed by Filter'] ?? 0) + (node['Rows Removed by Index Recheck'] ?? 0)) * node['Actual Loops']
    const how = `${node['Node Type']} ${node['Index Name'] ?? node['Relation Name']}`
    out.push({ label: how, rows, seq: node['Node Type'] === 'Seq Scan' })
  }
  for (const child of node.Plans ?? []) scans(child, out)
  return out
}

/** A Db on the one connection: each statement is EXPLAINed (and rolled back) then run for real. */
export function explainingDb(client: pg.Client, sink: Explained[]): Db {
  let n = 0
  const query = async <R>(sql: string, params?: unknown[]): Promise<QueryResult<R>> => {
    const sp = `x${n++}`
    await client.query(`SAVEPOINT ${sp}`)
    const { rows } = await client.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`, params)
    await client.query(`ROLLBACK TO SAVEPOINT ${sp}`)
    const plan = (rows[0] as { 'QUERY PLAN': Array<{ Plan: PlanNode; 'Execution Time': number; 'Planning Time': number }> })['QUERY PLAN'][0]!
    const all = scans(plan.Plan)
    const biggest = all.reduce((a, b) => (b.rows > a.rows ? b : a), { label: '-', rows: 0, seq: false })
    sink.push({ sql, ms: plan['Execution Time'], planningMs: plan['Planning Time'], blocks: plan.Plan['Shared Hit Blocks'] + plan.Plan['Shared Read Blocks'], biggest, plan: plan.Plan })
    const result = await client.query(sql, params)
    return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 }
  }
  const tx: Queryable = { query }
  return {
    kind: 'postgres',
    query,
    async transaction(fn) {
      // Already inside the scenario's transaction: a savepoint stands for the nested one.
      const sp = `t${n++}`
      await client.query(`SAVEPOINT ${sp}`)
      try {
        const value = await fn(tx)
        await client.query(`RELEASE SAVEPOINT ${sp}`)
        return value
      } catch (err) {
        await client.query(`ROLLBACK TO SAVEPOINT ${sp}`)
        throw err
      }
    },
    async ping() {},
    async close() {},
  }
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
/** The read model's listing walks by name (src/sync/read-model.ts), other statements by their start. */
export function firstLine(sql: string): string {
  const looked = sql.includes('x.looked')
  if (sql.includes('RECURSIVE agencies')) return looked ? 'listing: by agency, a window (skip scan, merge)' : 'listing: by agency (skip scan, merge)'
  if (sql.includes('FROM sync_state s WHERE s.state')) return looked ? 'listing: by sync state, a window' : 'listing: by sync state'
  if (looked) return 'listing: in code order, a window'
  return sql.replace(/\s+/g, ' ').trim().slice(0, 60)
}
