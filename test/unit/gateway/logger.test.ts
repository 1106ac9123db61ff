import t from 'tap'
import { Writable } from 'node:stream'
import { createLogger, maskIdsInText } from '../../../src/logger.js'

t.test('masks 12- and 9-digit numbers anywhere in a line', async (t) => {
  t.equal(maskIdsInText('id=062090001234 old=123456789'), 'id=062*******34 old=123****89')
  t.equal(maskIdsInText('ts=1764115200123'), 'ts=1764115200123', '13 digits are not an ID')
  t.equal(maskIdsInText('"a":"062090001234"'), '"a":"062*******34"')
})

t.test('request ids and other UUIDs are never masked, IDs next to them still are', async (t) => {
  // A 9-digit run in the last group (199123423) or a 12-digit last group made these unfindable.
  const ids = ['c0ffee00-1111-4222-8333-64a199123423', '12345678-1234-4234-9234-123456789012']
  for (const id of ids) t.equal(maskIdsInText(`{"reqId":"${id}"}`), `{"reqId":"${id}"}`)
  t.equal(maskIdsInText(`reqId=${ids[0]} subject=062090001234`), `reqId=${ids[0]} subject=062*******34`)
  t.equal(maskIdsInText('062090001234-1234-4234-9234-123456789012'), '062*******34-1234-4234-9234-123*******12', 'a 12-digit first group is no UUID: both runs are masked')
})

t.test('the logger redacts known paths and masks IDs that slip through', async (t) => {
  const lines: string[] = []
  const stream = new Writable({ write(c, _e, done) { lines.push(String(c)); done() } })
  const log = createLogger({ level: 'info', stream })
  log.info({ input: { personalId: '062090001234' }, req: { headers: { authorization: 'Bearer k' } } }, 'lookup for 062090001234')
  const line = lines.join('')
  t.notMatch(line, /062090001234/)
  t.notMatch(line, /Bearer k/)
  t.match(line, /062\*{7}34/)
})
