/**
 * The enterprise-code check (schemas/enterprise.ts): shape, check digit, the remainder edge case
 * (no valid check digit: never issued, so invalid), branch suffixes.
 */
import t from 'tap'
import { Value } from 'typebox/value'
import { checkEnterpriseCode, enterpriseCheckDigit, EnterpriseCode, isValidEnterpriseCode } from '../../../schemas/enterprise.js'

const FORMAT = 'must be 10 digits, or 13 written NNNNNNNNNN-BBB for a branch (digits only, one hyphen)'
const CHECK = 'the check digit (10th digit) does not match the first nine digits'
const NO_CHECK = 'no check digit fits the first nine digits, so no such code is ever issued'
const BRANCH_000 = 'branch number 000 is not a branch: use the 10-digit code of the head office'
const SEQUENCE = 'digits 3–9 (the sequence number) cannot all be zero'

t.test('valid codes: the reference example, published examples and codes computed by hand', async (t) => {
  // 0100109106: reference. 0100233488, 0314409058-002: python-stdnum's doctests.
  // 0312345673: 0·31+3·29+1·23+2·19+3·17+4·13+5·7+6·5+7·3 = 337; 337 mod 11 = 7; 10 − 7 = 3.
  // 6101234566: 6·31+1·29+0·23+1·19+2·17+3·13+4·7+5·5+6·3 = 378; 378 mod 11 = 4; 10 − 4 = 6.
  for (const code of ['0100109106', '0100233488', '0314409058-002', '0312345673', '0312345673-001', '0312345673-999', '6101234566', '0104567890']) {
    t.strictSame(checkEnterpriseCode(code), [], code)
    t.ok(isValidEnterpriseCode(code), `${code} is valid`)
    t.ok(Value.Check(EnterpriseCode, code), `${code} matches the schema pattern`)
  }
})

t.test('the check digit is 10 − (Σ digit·weight mod 11) with weights 31 29 23 19 17 13 7 5 3', async (t) => {
  const weights = [31, 29, 23, 19, 17, 13, 7, 5, 3]
  const byHand = (nine: string) => 10 - (nine.split('').reduce((s, d, i) => s + Number(d) * weights[i]!, 0) % 11)
  t.equal(byHand('031234567'), 3)
  t.equal(enterpriseCheckDigit('031234567'), 3)
  t.equal(enterpriseCheckDigit('010010910'), 6)
  t.equal(enterpriseCheckDigit('610123456'), 6)
  t.equal(enterpriseCheckDigit('010456789'), 0, 'remainder 10 gives 0')
  // Exactly one of the ten possible 10th digits passes, and it is the computed one.
  for (const nine of ['031234567', '010010910', '590567890']) {
    const passing = [...'0123456789'].filter((d) => checkEnterpriseCode(`${nine}${d}`).length === 0)
    t.strictSame(passing, [String(byHand(nine))], `${nine}: only ${byHand(nine)} passes`)
  }
  t.equal(enterpriseCheckDigit('01234567'), undefined, 'eight digits have no check digit')
  t.equal(enterpriseCheckDigit('01234567a'), undefined, 'nor do non-digits')
})

t.test('a wrong check digit is reported; on a branch code too', async (t) => {
  t.strictSame(checkEnterpriseCode('0100233480'), [CHECK])
  t.strictSame(checkEnterpriseCode('0312345670'), [CHECK])
  t.strictSame(checkEnterpriseCode('0100109107'), [CHECK])
  t.strictSame(checkEnterpriseCode('0312345670-001'), [CHECK], 'the head office part of a branch code is checked')
  t.notOk(isValidEnterpriseCode('0312345670'))
})

t.test('remainder edge case: when the formula gives 10 no code on that base is valid (never issued), 10 is not mapped to 0', async (t) => {
  // 0·31+1·29+1·23+0+0+0+0+0+1·3 = 55 = 5·11: remainder 0, the formula gives 10.
  t.equal(enterpriseCheckDigit('011000001'), undefined)
  for (const d of '0123456789') t.strictSame(checkEnterpriseCode(`011000001${d}`), [NO_CHECK], `011000001${d}`)
  t.strictSame(checkEnterpriseCode('0110000010-001'), [NO_CHECK], 'nor any branch of it')
  t.strictSame(checkEnterpriseCode('0110000130'), [NO_CHECK], 'another base with remainder 0 (011000013)')
})

t.test('branch suffixes: any three digits except 000; the suffix carries no checksum', async (t) => {
  t.strictSame(checkEnterpriseCode('0100109106-000'), [BRANCH_000])
  t.strictSame(checkEnterpriseCode('0100109107-000'), [CHECK, BRANCH_000], 'every problem is listed')
  for (const b of ['001', '002', '010', '123', '999']) t.strictSame(checkEnterpriseCode(`0100109106-${b}`), [], b)
})

t.test('an all-zero sequence (digits 3–9) is never issued', async (t) => {
  t.equal(enterpriseCheckDigit('010000000'), 3)
  t.strictSame(checkEnterpriseCode('0100000003'), [SEQUENCE])
})

t.test('wrong lengths and characters are one format problem, before any digit check', async (t) => {
  const bad = [
    '', '010010910', '01001091061', '010010910600', '0100109106001', '0100109106-01', '0100109106-0001', '0100109106--001',
    ' 0100109106', '0100109106 ', '010010910A', '0100-109106', '0100109106_001', '0100109106-00A', '０１００１０９１０６', '01001091０6', '-0100109106',
  ]
  for (const code of bad) {
    t.strictSame(checkEnterpriseCode(code), [FORMAT], JSON.stringify(code))
    t.notOk(Value.Check(EnterpriseCode, code), `${JSON.stringify(code)} fails the schema pattern`)
  }
  t.strictSame(checkEnterpriseCode(undefined as unknown as string), [FORMAT], 'not a string')
})

t.test('problems never repeat the code', async (t) => {
  for (const code of ['0312345670', '0110000010', '0100109106-000', '0100000003', '12345']) {
    for (const p of checkEnterpriseCode(code)) t.notOk(p.includes(code), p)
  }
})
