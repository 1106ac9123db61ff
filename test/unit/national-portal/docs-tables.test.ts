/** docs/portal-record.md repeats the connector's field tables row for row; this keeps them in step. */
import t from 'tap'
import { readFileSync } from 'node:fs'
import { DOSSIER_FIELDS, FEE_FIELDS, OTHER_PAPER_FIELDS, PAPER_FIELDS, RESULT_FIELDS, SUPPLEMENT_FIELDS } from '../../../connectors/national-portal/record.js'

const doc = readFileSync(new URL('../../../docs/portal-record.md', import.meta.url), 'utf8')

t.test('every wire field of every table is in the doc with the same source text, in the same order', async (t) => {
  for (const [name, table] of Object.entries({ DOSSIER_FIELDS, PAPER_FIELDS, FEE_FIELDS, OTHER_PAPER_FIELDS, SUPPLEMENT_FIELDS, RESULT_FIELDS })) {
    const start = doc.indexOf(`(\`${name}\`):`)
    t.ok(start >= 0, `${name} has a table in the doc`)
    const rows = doc.slice(start).split('\n\n')[1]!.split('\n').slice(2)
    t.strictSame(rows, table.map((f) => `| \`${f.wire}\` | ${f.from.replace(/\|/g, '\\|')} |`), name)
  }
})
