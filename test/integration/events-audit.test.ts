/**
 * Finding 4 (events half): `GET /v1/events` and `/admin/events/unrouted` returned applicants'
 * IDs, phones and addresses with neither officer nor purpose and no audit record.
 */
import t from 'tap'
import { signWebhook } from '../../src/webhooks/signature.js'
import { SANDBOX_WEBHOOK_SECRET } from '../../src/server.js'
import { sampleEvent } from '../../connectors/national-portal/simulator-push.js'
import { startTestHub } from '../helpers/hub.js'

t.test('reading events needs officer and purpose and is audited per applicant', async (t) => {
  const hub = await startTestHub('pglite')
  t.teardown(() => hub.close())
  const event = sampleEvent('dossier.submitted')
  const applicantId = (event.data as { applicant: { id: string } }).applicant.id
  const body = JSON.stringify({ ...event, timestamp: new Date().toISOString() })
  const headers = signWebhook({ id: 'msg_events_audit_1', timestamp: Math.floor(Date.now() / 1000), body, secrets: [SANDBOX_WEBHOOK_SECRET] })
  const pushed = await hub.call('/v1/webhooks/national-portal', { body, headers: { authorization: '', 'x-officer-id': '', 'x-purpose': '', ...headers } })
  t.equal(pushed.status, 202)

  for (const path of ['/v1/events', '/admin/events/unrouted']) {
    const bare = await hub.call(path, { headers: { 'x-officer-id': '', 'x-purpose': '' } })
    t.equal(bare.status, 400, `${path} without officer and purpose`)
    t.notMatch(JSON.stringify(bare.body), applicantId, 'and nothing of the applicant')
    const read = await hub.call(path, { headers: { 'x-request-id': `req-events-${path.length}` } })
    t.equal(read.status, 200)
    t.match(JSON.stringify(read.body), applicantId, `${path} does carry the applicant`)
  }
  const audit = await hub.call('/admin/audit/search', { body: { personalId: applicantId } })
  const reads = audit.body.records.filter((r: { connector: string }) => r.connector === 'inbox')
    .map((r: { requestId: string; operation: string; officerId: string; purpose: string; subjectMasked: string }) => [r.requestId, r.operation, r.officerId, r.purpose, r.subjectMasked])
  const masked = `${applicantId.slice(0, 3)}${'*'.repeat(applicantId.length - 5)}${applicantId.slice(-2)}`
  t.strictSame(reads, [
    ['req-events-10', 'events.read', 'CB-0001', 'HS-TEST-0001', masked],
    ['req-events-22', 'events.unrouted.read', 'CB-0001', 'HS-TEST-0001', masked],
  ])
})
