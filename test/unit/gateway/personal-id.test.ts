import t from 'tap'
import { checkPersonalId, parsePersonalId, parseDateOfBirth } from '../../../schemas/personal-id.js'

const NOW = new Date('2026-11-26T00:00:00Z')

t.test('parses the PPP G YY NNNNNN structure', async (t) => {
  t.strictSame(parsePersonalId('062090001234', NOW), { provinceCode: '062', gender: 'male', birthYear: 1990, sequence: '001234' })
  t.strictSame(parsePersonalId('001305123456', NOW), { provinceCode: '001', gender: 'female', birthYear: 2005, sequence: '123456' })
  t.strictSame(parsePersonalId('079185000001', NOW), { provinceCode: '079', gender: 'female', birthYear: 1985, sequence: '000001' })
})

t.test('refuses malformed IDs with a reason', async (t) => {
  const cases: Array<[string, RegExp]> = [
    ['06209000123', /exactly 12 digits/],
    ['0620900012345', /exactly 12 digits/],
    ['06209000123a', /exactly 12 digits/],
    ['003090001234', /province code 003/],
    ['097090001234', /province code 097/],
    ['000090001234', /province code 000/],
    ['062490001234', /birth year in the future \(2190\)/],
    ['062230001234', /birth year in the future \(2030\)/],
  ]
  for (const [id, message] of cases) {
    const result = parsePersonalId(id, NOW)
    t.ok('message' in result && message.test(result.message), `${id}: ${JSON.stringify(result)}`)
  }
})

t.test('the birth year must agree with the gender/century digit and YY', async (t) => {
  t.strictSame(checkPersonalId('062090001234', '1990-05-17', NOW), [])
  t.strictSame(checkPersonalId('062090001234', '1990', NOW), [])
  t.strictSame(checkPersonalId('062290001234', '1990-05-17', NOW), [
    { field: 'personalId', message: 'gender/century digit 2 with year 90 gives a birth year in the future (2090)' },
  ])
  t.strictSame(checkPersonalId('062090001234', '2090-05-17', NOW), [
    { field: 'dateOfBirth', message: 'is in the future' },
  ])
  t.strictSame(checkPersonalId('062090001234', '1991-01-01', NOW), [
    { field: 'dateOfBirth', message: 'birth year 1991 disagrees with the personal ID, which encodes 1990' },
  ])
  t.strictSame(checkPersonalId('062205001234', '2005-02-30', NOW), [
    { field: 'dateOfBirth', message: '2005-02-30 is not a calendar date' },
  ])
})

t.test('dates of birth', async (t) => {
  t.strictSame(parseDateOfBirth('2000-02-29', NOW), { year: 2000, date: '2000-02-29' })
  t.strictSame(parseDateOfBirth('1900-02-29', NOW), { field: 'dateOfBirth', message: '1900-02-29 is not a calendar date' })
  t.strictSame(parseDateOfBirth('17/05/1990', NOW), { field: 'dateOfBirth', message: 'must be YYYY-MM-DD or YYYY' })
  t.strictSame(parseDateOfBirth('1975', NOW), { year: 1975 })
})
