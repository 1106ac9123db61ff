/**
 * The indicator model on both back ends, fed by the real paths (the accept batch, the inbox
 * store, the axis store) with a known stream: due dates met and missed, online and in person,
 * papers reused or not, results digitized or not, documents over the axis, feedback. Every
 * indicator is compared with its hand-computed value (docs/indicators.md), then the rebuild
 * command's model is compared with the live one.
 */
import t from 'tap'
import { acceptSnapshots, type SnapshotRequest } from '../../../src/sync/accept-batch.js'
import { createInboxStore } from '../../../src/inbox/store.js'
import { createEdocStore } from '../../../src/edocs/store.js'
import { createIndicatorService } from '../../../src/indicators/index.js'
import { queryIndicators, type IndicatorQuery } from '../../../src/indicators/query.js'
import { rebuildIndicators } from '../../../src/indicators/rebuild.js'
import { vnDay } from '../../../src/indicators/contribution.js'
import { NEEDS } from '../../../src/indicators/definitions.js'
import { createFactsReader } from '../../../src/sync/hub-facts.js'
import { createAgencyMapping } from '../../../src/agency-mapping.js'
import type { HubConfig } from '../../../schemas/config.js'
import type { DossierSnapshot } from '../../../schemas/dossier.js'
import { openTestDb } from '../../helpers/db.js'

const A = '000.00.61.H48'
const B = '000.00.10.H48'
const OLD_B = '000.00.10.H34' // the merger mapping turns it into B
const SHA = (c: string) => c.repeat(64)
const TARGET = 'national-portal'
const agencies = createAgencyMapping({ version: 't', effectiveFrom: '2025-07-01', basis: 'test', agencies: [{ from: OLD_B, to: B, name: 'B' }] })
const config = { indicators: { enabled: true, summary: {} } } as unknown as HubConfig

const base = (o: Partial<DossierSnapshot>): DossierSnapshot => ({
  version: 1, procedureCode: '1.001193', agencyCode: A, channel: 'in_person', applicant: { type: 'citizen', id: '062090001234', name: 'An' },
  receivedAt: '2026-11-02T08:00:00+07:00', status: 'processing', ...o,
})
const D1 = (version: number) => base({
  version, channel: 'online', dueAt: '2026-11-04T17:00:00+07:00', status: 'processed', processedAt: '2026-11-03T10:00:00+07:00',
  documents: [{ id: 'd1-1', name: 'Form', url: 'https://x.invalid/1', sha256: SHA('a') }, { id: 'd1-2', name: 'ID', reused: true }],
  results: [{ name: 'Certificate', url: 'https://x.invalid/r1', sha256: SHA('b') }], fees: [{ name: 'Fee', amount: 8000 }], onlinePayment: 'portal',
  connectedDatabases: ['population'],
})
const D2 = base({
  receivedAt: '2026-11-02T09:00:00+07:00', dueAt: '2026-11-03T17:00:00+07:00', status: 'returned', returnedAt: '2026-11-05T09:00:00+07:00',
  documents: [{ id: 'd2-1', name: 'Form' }, { id: 'd2-2', name: 'Photo', url: 'https://x.invalid/2' }], fees: [{ name: 'Fee', amount: 0 }],
  connectedDatabases: ['business-registry'],
})
const D3 = base({
  procedureCode: '2.000815', agencyCode: OLD_B, channel: 'online', receivedAt: '2026-11-03T08:00:00+07:00', dueAt: '2026-11-10T17:00:00+07:00',
  documents: [{ id: 'd3-1', name: 'Copy', url: 'https://x.invalid/3', sha256: SHA('c'), fromPortalDataStore: true }],
  fees: [{ name: 'Fee', amount: 5000 }], onlinePayment: 'none', connectedDatabases: ['population', 'business-registry'],
})
// D4 is first accepted in A, in person, processed; its second version moves it to B, by post, open.
const D4v1 = base({ procedureCode: '2.000815', receivedAt: '2026-11-03T10:00:00+07:00', status: 'processed', processedAt: '2026-11-04T10:00:00+07:00' })
const D4v2 = base({ version: 2, procedureCode: '2.000815', agencyCode: B, channel: 'post', receivedAt: '2026-11-03T10:00:00+07:00', dueAt: '2026-11-30T17:00:00+07:00' })
// Received before the period: counted on its own day only.
const D5 = base({ receivedAt: '2026-10-31T08:00:00+07:00', dueAt: '2026-11-02T17:00:00+07:00', status: 'processed', processedAt: '2026-11-01T08:00:00+07:00' })

const r = (value: number, numerator: number, denominator: number) => ({ available: true, value, numerator, denominator })
const na = (needs: string) => ({ available: false, needs })
const NOTHING_FINISHED = na('a dossier received in the period that was finished and had a due date')
const NO_LAG = na('a snapshot of a dossier received in the period delivered to the portal (delivered rows are kept sync.keepFinishedMs, 30 days by default)')

for (const kind of ['pglite', 'postgres'] as const) {
  t.test(`indicators from a known stream on ${kind}`, async (t) => {
    const { db } = await openTestDb(t, kind)
    const service = createIndicatorService({ db, config, agencies, targets: [TARGET] })
    const put = (code: string, snapshot: DossierSnapshot): SnapshotRequest => ({ code, snapshot, client: 'one-stop', mayActFor: () => true })
    const accept = (requests: SnapshotRequest[]) => acceptSnapshots(db, requests, {
      targets: [TARGET], currentAgency: agencies.current, facts: createFactsReader('test-key'), indicators: service.recordAccepted,
    })
    // Two batches; D1 twice in the first (only its last version counts), D4 changed in the second.
    await accept([put('D1', D1(1)), put('D2', D2), put('D1', D1(2)), put('D4', D4v1)])
    await accept([put('D3', D3), put('D4', D4v2), put('D5', D5), put('D2', D2)])

    // The portal received D1 v2 two seconds after its acceptance; D2 was refused (dead letter).
    await db.query(`UPDATE outbox SET state = 'superseded', done_at = created_at WHERE dossier_code = 'D1' AND version = 1`)
    await db.query(`UPDATE outbox SET state = 'delivered', done_at = created_at + interval '2 seconds' WHERE dossier_code = 'D1' AND version = 2`)
    await db.query(`UPDATE outbox SET state = 'dead', done_at = created_at WHERE dossier_code = 'D2'`)
    await db.query(`UPDATE sync_state SET state = CASE dossier_code WHEN 'D1' THEN 'delivered' WHEN 'D2' THEN 'dead' ELSE state END`)

    const inbox = createInboxStore({ db, subscribers: [], onCommit: service.recordInbox })
    const feedback = (id: string, agencyCode: string, dossierCode: string | null, rating: number, day: string) => inbox.ingest({
      eventId: id, source: 'national-portal', type: 'feedback.submitted', agencyCode, dossierCode,
      body: { type: 'feedback.submitted', timestamp: `${day}T10:00:00+07:00`, data: { ...(dossierCode && { dossierCode }), agencyCode, rating, submittedAt: `${day}T10:00:00+07:00` } },
    })
    await Promise.all([feedback('f1', A, 'D1', 5, '2026-11-05'), feedback('f2', B, 'D3', 2, '2026-11-06'), feedback('f3', A, null, 4, '2026-11-06')])
    await feedback('f1', A, 'D1', 5, '2026-11-05') // a redelivery counts once
    await inbox.ingest({ eventId: 'x1', source: 'national-portal', type: 'dossier.status_changed', agencyCode: A, dossierCode: 'D1', body: {} })
    t.teardown(() => inbox.close())

    const edocs = createEdocStore(db, 'document-axis', service.edocHooks)
    const send = (id: string) => db.transaction((tx) => edocs.insertEdoc(tx, {
      id, direction: 'outgoing', documentId: `doc-${id}`, from: A, to: ['000.00.00.H01'], subject: 'S', header: {}, files: [], pkg: Buffer.from('x'),
    }))
    const status = (edocId: string, code: string, n: number) => db.transaction((tx) => edocs.insertStatus(tx, {
      edocId, direction: 'incoming', documentId: `doc-${edocId}`, axisDocId: `st-${n}`, from: '000.00.00.H01', statusCode: code, at: '2026-11-20T10:00:00+07:00', packet: {},
    }))
    await send('E1')
    await send('E2')
    await status('E1', '01', 1)
    await status('E1', '05', 2) // a second "received" status does not count again
    await status('E2', '02', 3) // refused

    const to = vnDay(new Date()) // the axis documents count on the day they were sent: today
    const now = new Date('2026-11-20T00:00:00Z')
    const q = (o: Partial<IndicatorQuery>) => queryIndicators(db, { from: '2026-11-01', to, groupBy: 'none', targets: [TARGET], ...o }, now)

    t.strictSame(await q({}), [{
      key: 'all',
      indicators: {
        onTimeRate: r(0.5, 1, 2),
        overdueNow: r(1, 1, 2),
        avgHandlingHours: r(49, 98, 2),
        onlineShare: r(0.5, 2, 4),
        onlinePaymentShare: r(0.5, 1, 2),
        digitizedIntakeShare: r(0.5, 2, 4),
        resultsDigitizedShare: r(0.5, 1, 2),
        reuseDossierShare: r(0.75, 3, 4),
        reusePaperShare: r(0.4, 2, 5),
        nationalDbPerDossier: r(1, 4, 4),
        populationDbShare: r(0.5, 2, 4),
        edocElectronicShare: na(NEEDS.paperTransfers),
        edocReceivedShare: r(0.5, 1, 2),
        satisfactionRate: r(0.6667, 2, 3),
        syncLagP50Seconds: r(2, 2, 1),
        syncLagP95Seconds: r(2, 2, 1),
        deadLetters: r(1, 1, 4),
        inSyncShare: r(0.25, 1, 4),
      },
    }], 'province-wide: every indicator as computed by hand')

    t.strictSame(await q({ groupBy: 'agency' }), [
      {
        key: B,
        indicators: {
          onTimeRate: NOTHING_FINISHED,
          overdueNow: r(1, 1, 2),
          avgHandlingHours: na('a dossier received in the period that was finished'),
          onlineShare: r(0.5, 1, 2),
          onlinePaymentShare: r(0, 0, 1),
          digitizedIntakeShare: r(0.5, 1, 2),
          resultsDigitizedShare: na('a dossier received in the period that was processed or returned'),
          reuseDossierShare: r(0.5, 1, 2),
          reusePaperShare: r(1, 1, 1),
          nationalDbPerDossier: r(1, 2, 2),
          populationDbShare: r(0.5, 1, 2),
          edocElectronicShare: na(NEEDS.paperTransfers),
          edocReceivedShare: na('a document sent over the axis in the period'),
          satisfactionRate: r(0, 0, 1),
          syncLagP50Seconds: NO_LAG,
          syncLagP95Seconds: NO_LAG,
          deadLetters: r(0, 0, 2),
          inSyncShare: r(0, 0, 2),
        },
      },
      {
        key: A,
        indicators: {
          onTimeRate: r(0.5, 1, 2),
          overdueNow: r(0, 0, 0),
          avgHandlingHours: r(49, 98, 2),
          onlineShare: r(0.5, 1, 2),
          onlinePaymentShare: r(1, 1, 1),
          digitizedIntakeShare: r(0.5, 1, 2),
          resultsDigitizedShare: r(0.5, 1, 2),
          reuseDossierShare: r(1, 2, 2),
          reusePaperShare: r(0.25, 1, 4),
          nationalDbPerDossier: r(1, 2, 2),
          populationDbShare: r(0.5, 1, 2),
          edocElectronicShare: na(NEEDS.paperTransfers),
          edocReceivedShare: r(0.5, 1, 2),
          satisfactionRate: r(1, 2, 2),
          syncLagP50Seconds: r(2, 2, 1),
          syncLagP95Seconds: r(2, 2, 1),
          deadLetters: r(1, 1, 2),
          inSyncShare: r(0.5, 1, 2),
        },
      },
    ], 'per current agency code (D3 was sent with the old Kon Tum code; D4 moved from A to B)')

    const shares = async (o: Partial<IndicatorQuery>) => (await q(o)).map((row) => [row.key, row.indicators.onlineShare, row.indicators.onTimeRate])
    t.strictSame(await shares({ groupBy: 'channel' }), [
      ['-', na('a dossier received in the period'), NOTHING_FINISHED],
      ['in_person', r(0, 0, 1), r(0, 0, 1)],
      ['online', r(1, 2, 2), r(1, 1, 1)],
      ['post', r(0, 0, 1), NOTHING_FINISHED],
    ], 'per channel (`-`: axis documents and feedback without a dossier)')
    t.strictSame(await shares({ groupBy: 'procedure', procedure: '2.000815' }), [['2.000815', r(0.5, 1, 2), NOTHING_FINISHED]])
    t.strictSame(await shares({ from: '2026-10-01', to: '2026-10-31', groupBy: 'day' }), [['2026-10-31', r(0, 0, 1), r(1, 1, 1)]], 'D5 counts on its own day only')
    t.strictSame(await shares({ agency: '%.H48', allowed: ['000.00.10.%'] }), [['all', r(0.5, 1, 2), NOTHING_FINISHED]], 'a restricted client sees its agencies only')

    await t.test('the rebuild command gives the live model', async (t) => {
      const views = () => Promise.all((['none', 'agency', 'procedure', 'channel', 'day'] as const).map((groupBy) => q({ from: '2026-10-01', groupBy })))
      const live = await views()
      const { rows: before } = await db.query('SELECT * FROM indicator_daily ORDER BY agency_code, day, procedure_code, channel')
      const result = await rebuildIndicators({ db, agencies, facts: createFactsReader('test-key'), recordInbox: service.recordInbox, pageSize: 2 })
      t.strictSame(result, { dossiers: 5, feedback: 3, edocsSent: 2, edocStatuses: 3 })
      t.strictSame(await views(), live, 'every grouping answers the same')
      const { rows: after } = await db.query('SELECT * FROM indicator_daily ORDER BY agency_code, day, procedure_code, channel')
      t.strictSame(after.filter((row) => Object.entries(row).some(([k, v]) => !['agency_code', 'procedure_code', 'channel', 'day'].includes(k) && Number(v) !== 0)),
        before.filter((row) => Object.entries(row).some(([k, v]) => !['agency_code', 'procedure_code', 'channel', 'day'].includes(k) && Number(v) !== 0)),
        'the same sums (rows the live model emptied aside)')
    })
  })
}
