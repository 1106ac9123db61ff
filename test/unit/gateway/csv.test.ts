/** CSV for files handed to people: RFC 4180 quoting, a BOM, and spreadsheet formulas neutralised. */
import t from 'tap'
import { csvCell, toCsv } from '../../../src/csv.js'

t.test('csv', async (t) => {
  t.equal(csvCell('plain'), 'plain')
  t.equal(csvCell('a,b'), '"a,b"')
  t.equal(csvCell('say "hi"'), '"say ""hi"""')
  t.equal(csvCell('two\nlines'), '"two\nlines"')
  t.equal(csvCell('=SUM(A1)'), "'=SUM(A1)")
  t.equal(csvCell('+1'), "'+1")
  t.equal(csvCell('-2'), "'-2")
  t.equal(csvCell('@cmd'), "'@cmd")
  t.equal(csvCell(-2), '-2', 'a number is not a formula')
  t.equal(csvCell(null), '')
  t.equal(csvCell('Nguyễn Văn An'), 'Nguyễn Văn An')
  t.equal(toCsv(['a', 'b'], [[1, 'x,y'], [null, '=1']]), '\ufeffa,b\r\n1,"x,y"\r\n,\'=1\r\n')
})
