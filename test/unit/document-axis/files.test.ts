/** Base64 of POST /v1/edocs attachments: strict, and linear for any size (a whole-string regex overflowed the stack at 4 MiB). */
import t from 'tap'
import { decodeBase64 } from '../../../src/edocs/files.js'

const NOT_BASE64 = 'is not base64 (RFC 4648: A–Z a–z 0–9 + /, padded with = to a multiple of 4)'

t.test('a 6 MiB file in base64, with line breaks, decodes (no stack overflow, no 500)', async (t) => {
  const file = Buffer.alloc(6 * 1024 * 1024 + 1, 0xab)
  const b64 = file.toString('base64').replace(/.{76}/g, '$&\r\n')
  const started = performance.now()
  const decoded = decodeBase64(b64)
  t.ok('data' in decoded && decoded.data.equals(file))
  t.ok(performance.now() - started < 2000, 'linear time')
  t.strictSame(decodeBase64(`${b64.slice(0, -10)}!${b64.slice(-9)}`), { problem: NOT_BASE64 }, 'one bad character at the end of 8 MB is found')
})

t.test('strict: padding, unpadded tails, base64url, empty', async (t) => {
  t.strictSame(decodeBase64('QUJD'), { data: Buffer.from('ABC') })
  t.strictSame(decodeBase64('QUI='), { data: Buffer.from('AB') })
  t.strictSame(decodeBase64('QUI'), { data: Buffer.from('AB') }, 'unpadded')
  t.strictSame(decodeBase64('QQ=='), { data: Buffer.from('A') })
  for (const bad of ['Q', 'QU=I', 'QUJD====', 'QUJ==', 'QQ=', 'QUJD\tQQ==', 'ÀQUJD']) t.strictSame(decodeBase64(bad), { problem: NOT_BASE64 }, JSON.stringify(bad))
  t.strictSame(decodeBase64('a-b_'), { problem: 'is base64url; send standard base64 (+ and /)' })
  t.strictSame(decodeBase64('a-b+'), { problem: NOT_BASE64 }, 'a mix of both alphabets')
  t.strictSame(decodeBase64('\r\n'), { problem: 'is empty' })
})
