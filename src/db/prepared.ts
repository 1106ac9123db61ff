/**
 * Names for prepared statements (`QueryOptions.prepare`): the label and a hash of the text, so
 * that a name can never come with two texts (pg refuses that) even when the text is built from
 * config (e.g. the accept statement with or without the indicator model). Compute it once per
 * text, not per run.
 */
import { createHash } from 'node:crypto'
import type { QueryOptions } from './types.js'

export function prepared(label: string, sql: string): QueryOptions {
  return { prepare: `${label}-${createHash('sha256').update(sql).digest('hex').slice(0, 16)}` }
}
