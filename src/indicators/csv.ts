/**
 * The indicators as CSV (RFC 4180) for the quarterly and yearly reports: one line per row and
 * indicator, so an unavailable indicator keeps its reason beside it. Spreadsheet formula
 * injection is avoided: no cell starts with =, +, - or @ unless it is a number.
 */
import type { IndicatorRow } from './query.js'

const HEADER = ['from', 'to', 'groupBy', 'key', 'indicator', 'available', 'value', 'numerator', 'denominator', 'needs']

function cell(v: string | number | boolean | undefined): string {
  if (v === undefined) return ''
  if (typeof v !== 'string') return String(v)
  const safe = /^([=+@\t\r]|-.)/.test(v) ? `'${v}` : v
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe
}

export function toCsv(from: string, to: string, groupBy: string, rows: readonly IndicatorRow[]): string {
  const lines = [HEADER.join(',')]
  for (const row of rows) {
    for (const [id, v] of Object.entries(row.indicators)) {
      const values = v.available ? [true, v.value, v.numerator, v.denominator, undefined] : [false, undefined, undefined, undefined, v.needs]
      lines.push([from, to, groupBy, row.key, id, ...values].map(cell).join(','))
    }
  }
  return `${lines.join('\r\n')}\r\n`
}
