/**
 * CSV for files handed to people (RFC 4180: CRLF, fields quoted when they hold a comma, quote or
 * line break), with a UTF-8 byte order mark so spreadsheet programs read Vietnamese correctly.
 * A text cell starting with `=`, `+`, `-`, `@`, tab or CR is prefixed with `'`: purposes and
 * officer ids are typed by callers, and a spreadsheet would otherwise run them as formulas.
 */
const FORMULA = /^[=+\-@\t\r]/

export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return ''
  let text = typeof value === 'string' ? value : String(value)
  if (typeof value === 'string' && FORMULA.test(text)) text = `'${text}`
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

export function toCsv(header: string[], rows: unknown[][]): string {
  return `\ufeff${[header, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n')}\r\n`
}
