import { createHmac } from 'node:crypto'
import t from 'tap'
import { maskId, subjectHash } from '../../../src/audit/subject.js'

const KEY = 'test-audit-key-0123456789'

t.test('subjectHash is the hex HMAC-SHA256 of the ID under the key', async (t) => {
  const expected = createHmac('sha256', KEY).update('062123456734').digest('hex')
  t.equal(subjectHash(KEY, '062123456734'), expected)
  t.match(subjectHash(KEY, '062123456734'), /^[0-9a-f]{64}$/)
})

t.test('subjectHash depends on the key, so a plain hash of every ID does not reveal it', async (t) => {
  t.not(subjectHash(KEY, '062123456734'), subjectHash(`${KEY}x`, '062123456734'))
  t.not(subjectHash(KEY, '062123456734'), subjectHash(KEY, '062123456735'))
})

t.test('subjectHash refuses an empty key', async (t) => {
  t.throws(() => subjectHash('', '062123456734'), /hash key is empty/)
})

t.test('maskId keeps the first 3 and last 2 characters of IDs', async (t) => {
  t.strictSame(
    ['062123456734', '012345678', '0100109106-001', '0100109106'].map(maskId),
    ['062*******34', '012****78', '010*********01', '010*****06'],
  )
})

t.test('maskId reveals less of short values and nothing of very short ones', async (t) => {
  t.strictSame(
    ['12345678', '123456', '12345', '1', ''].map(maskId),
    ['1******8', '1****6', '*****', '*', ''],
  )
})

t.test('maskId preserves length, reveals at most 5 characters and hides at least 4', async (t) => {
  for (let n = 0; n <= 20; n++) {
    const id = 'ABCDEFGHIJKLMNOPQRSTU'.slice(0, n)
    const masked = maskId(id)
    t.equal(masked.length, n, `length ${n}`)
    const shown = masked.replace(/\*/g, '').length
    t.ok(shown <= 5 && n - shown >= Math.min(n, 4), `${n} characters: ${masked}`)
    t.equal(masked.slice(0, shown > 0 ? 1 : 0), id.slice(0, shown > 0 ? 1 : 0), 'shown characters are the real ones')
  }
})
