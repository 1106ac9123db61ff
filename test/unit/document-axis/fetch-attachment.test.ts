/** Which attachment URLs the hub agrees to fetch for POST /v1/edocs. */
import t from 'tap'
import { checkAttachmentUrl } from '../../../src/edocs/fetch-attachment.js'

t.test('https anywhere unless allowHosts says otherwise; plain http on loopback only; no credentials', async (t) => {
  t.equal(checkAttachmentUrl('https://files.kontum.gov.vn/a.pdf', '/p').hostname, 'files.kontum.gov.vn')
  t.equal(checkAttachmentUrl('http://127.0.0.1:9000/a.pdf', '/p').port, '9000')
  t.equal(checkAttachmentUrl('http://localhost/a', '/p').hostname, 'localhost')
  t.throws(() => checkAttachmentUrl('http://files.kontum.gov.vn/a.pdf', '/p'), { status: 400, message: /https/ })
  t.throws(() => checkAttachmentUrl('ftp://127.0.0.1/a', '/p'), { status: 400, message: /./ })
  t.throws(() => checkAttachmentUrl('https://user:pw@files.kontum.gov.vn/a', '/p'), { status: 400, message: /credentials/ })
  t.throws(() => checkAttachmentUrl('not a url', '/p'), { status: 400, message: /./ })
  const allow = ['*.kontum.gov.vn', 'dvc.gov.vn']
  t.ok(checkAttachmentUrl('https://files.kontum.gov.vn/a', '/p', allow))
  t.ok(checkAttachmentUrl('https://a.b.kontum.gov.vn/a', '/p', allow))
  t.ok(checkAttachmentUrl('https://DVC.gov.vn/a', '/p', allow))
  t.throws(() => checkAttachmentUrl('https://kontum.gov.vn.evil.example/a', '/p', allow), { status: 400, message: /allowHosts/ })
  t.throws(() => checkAttachmentUrl('https://evilkontum.gov.vn/a', '/p', allow), { status: 400, message: /./ })
  t.throws(() => checkAttachmentUrl('https://169.254.169.254/latest', '/p', allow), { status: 400, message: /./ })
})
