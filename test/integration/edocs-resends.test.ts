/**
 * A sender that sends again (DESIGN §5): sending over the axis is at-least-once, and each copy gets
 * a new axis id. The province stores and announces a document or a status once, whether the copy
 * is the same bytes or a rebuilt package with another trace hop; an update of the document, or a
 * status reported again at another time, is new. Every copy leaves the mailbox.
 */
import t from 'tap'
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { TEST_DATABASE_URL, type TestHub } from '../helpers/hub.js'
import { waitFor } from '../helpers/dossier.js'
import { startAxisHub } from '../helpers/edocs.js'
import { maskIdsInText } from '../../src/logger.js'
import { createDb } from '../../src/db/create-db.js'
import { pruneDeliveredEvents } from '../../src/inbox/retention.js'
import { SANDBOX_AXIS, SANDBOX_PROVINCE_UNIT } from '../../connectors/document-axis/simulator.js'
import { buildEdoc, buildStatus } from '../../connectors/document-axis/edxml.js'
import type { Edoc, StatusPacket } from '../../connectors/document-axis/model.js'

const g22 = SANDBOX_AXIS.governmentOffice
const G22 = { organId: g22.organId, organName: g22.name }

function document(tag: string): Edoc {
  return {
    header: {
      from: G22,
      to: [{ organId: SANDBOX_PROVINCE_UNIT, organName: 'Trung tâm Phục vụ hành chính công' }],
      documentId: `${g22.organId},2026/11/26,${tag}/VPCP-KSTT`,
      code: { number: tag, notation: 'VPCP-KSTT' },
      promulgation: { place: 'Hà Nội', date: '2026-11-26' },
      documentType: { type: '1', typeName: 'Công văn' },
      subject: 'V/v rà soát thủ tục hành chính liên thông',
      signer: { fullName: 'Lê Văn Cường', position: 'Vụ trưởng' },
      trace: [],
      business: { docType: 'new' },
    },
    attachments: [{ contentId: 'a1', contentType: 'application/pdf', name: 'công văn.pdf', data: Buffer.from(`%PDF-1.7 ${tag}`) }],
  }
}

t.test('copies a sender sent again are stored and emitted once', async (t) => {
  const { receiver, axis, own, start } = await startAxisHub(t)
  const hub: TestHub = await start()
  t.teardown(() => hub.close())
  const db = new pg.Client({ connectionString: TEST_DATABASE_URL })
  await db.connect()
  t.teardown(() => db.end())
  const count = async (sql: string, params: unknown[]) => (await db.query(`SELECT count(*)::int AS n FROM ${hub.schema}.${sql}`, params)).rows[0].n as number
  const acknowledged = (docIds: string[]) => waitFor('every copy acknowledged', async () => {
    const entries = axis.mailbox(own.systemId).entries.filter((e) => docIds.includes(e.docId))
    return entries.length === docIds.length && entries.every((e) => e.acknowledged)
  }, 20_000)
  const settle = () => new Promise((r) => setTimeout(r, 800)) // room for a second event to show up
  const events = (type: string, match: (data: any) => boolean) => receiver.received.filter((d: any) => d.type === type && match(d.body.data))

  await t.test('a document: the same bytes twice and a rebuilt copy with a trace hop', async (t) => {
    const doc = document(`R${randomBytes(3).toString('hex')}`)
    const bytes = buildEdoc(doc)
    const rebuilt: Edoc = { ...doc, header: { ...doc.header, trace: [{ organId: g22.organId, timestamp: '2026-11-26T08:00:00.000Z' }] } }
    const copies = [axis.deliver(bytes, g22.systemId), axis.deliver(bytes, g22.systemId), axis.deliver(rebuilt, g22.systemId)].map((c) => c.docId)
    t.equal(new Set(copies).size, 3, 'the axis gave each copy its own id')
    await acknowledged(copies)
    await receiver.waitFor(1, 10_000)
    await settle()
    const documentId = doc.header.documentId
    t.equal(await count(`edocs WHERE direction = 'incoming' AND document_id = $1`, [documentId]), 1, 'stored once')
    t.equal(events('edoc.received', (d) => d.documentId === documentId).length, 1, 'emitted once')
    t.equal(await count(`inbox WHERE type = 'edoc.received' AND body->'data'->>'documentId' = $1`, [documentId]), 1, 'one event in the feed')
    t.match((await hub.call('/metrics')).body, /lgsp_edocs_polled_total\{outcome="resent"\} [2-9]/, 'the copies are counted')
    // As the logger prints it: a run of 9 or 12 digits in the axis's id (about 2% of UUIDs) is masked like a personal ID.
    t.ok(hub.logs.some((l) => l.includes('sent again') && l.includes(maskIdsInText(copies[2]!))), 'a copy is logged with its axis id')

    // An update of the same document says something else: a new document and a new event.
    const update: Edoc = { ...doc, header: { ...doc.header, subject: `${doc.header.subject} (bổ sung)`, business: { docType: 'update', docReason: 'Bổ sung phụ lục' } } }
    await acknowledged([axis.deliver(update, g22.systemId).docId])
    await waitFor('the update emitted', async () => events('edoc.received', (d) => d.documentId === documentId).length === 2, 10_000)
    t.equal(await count(`edocs WHERE direction = 'incoming' AND document_id = $1`, [documentId]), 2, 'the update is stored as its own document')
  })

  await t.test('a status: the same packet twice; the same code reported later is new', async (t) => {
    const documentId = `000.00.00.H34,2026/11/20,${randomBytes(3).toString('hex')}/UBND-VP`
    const packet: StatusPacket = {
      responseFor: { organId: '000.00.00.H34', code: 'x/UBND-VP', promulgationDate: '2026-11-20', documentId },
      from: G22, statusCode: '05', description: 'Đang xử lý', timestamp: '2026-11-26T09:00:00.000Z',
    }
    const copies = [axis.injectStatus(buildStatus(packet), g22.systemId), axis.injectStatus(packet, g22.systemId)].map((c) => c.docId)
    await acknowledged(copies)
    await waitFor('the status emitted', async () => events('edoc.status_changed', (d) => d.documentId === documentId).length >= 1, 10_000)
    await settle()
    t.equal(await count(`edoc_statuses WHERE direction = 'incoming' AND document_id = $1`, [documentId]), 1, 'stored once')
    t.equal(events('edoc.status_changed', (d) => d.documentId === documentId).length, 1, 'emitted once')

    await acknowledged([axis.injectStatus({ ...packet, timestamp: '2026-11-26T10:00:00.000Z' }, g22.systemId).docId])
    await waitFor('the later report emitted', async () => events('edoc.status_changed', (d) => d.documentId === documentId).length === 2, 10_000)
    t.equal(await count(`edoc_statuses WHERE direction = 'incoming' AND document_id = $1`, [documentId]), 2)
  })

  await t.test('a copy sent again after the first copy\'s event left the inbox (retention) is not announced again', async (t) => {
    // The inbox forgets delivered events after webhooks.keepDeliveredMs (30 days); a sender may
    // send again later than that (an operator replaying a dead letter). The stored first copy, not
    // the inbox, is what says the document was announced.
    const ledger = await createDb({ url: TEST_DATABASE_URL, schema: hub.schema, poolSize: 1 })
    t.teardown(() => ledger.close())
    const doc = document(`P${randomBytes(3).toString('hex')}`)
    const status: StatusPacket = {
      responseFor: { organId: '000.00.00.H34', code: 'y/UBND-VP', promulgationDate: '2026-11-20', documentId: `000.00.00.H34,2026/11/20,${randomBytes(3).toString('hex')}/UBND-VP` },
      from: G22, statusCode: '03', timestamp: '2026-11-26T11:00:00.000Z',
    }
    const documentId = doc.header.documentId
    const statusFor = status.responseFor.documentId
    await acknowledged([axis.deliver(doc, g22.systemId).docId, axis.injectStatus(status, g22.systemId).docId])
    await waitFor('both announced', async () => events('edoc.received', (d) => d.documentId === documentId).length === 1 && events('edoc.status_changed', (d) => d.documentId === statusFor).length === 1, 10_000)
    await waitFor('both delivered', async () => await count(`deliveries d JOIN ${hub.schema}.inbox i ON i.seq = d.seq WHERE d.state = 'delivered' AND (i.body->'data'->>'documentId') IN ($1, $2)`, [documentId, statusFor]) === 2, 10_000)
    await waitFor('both pruned', async () => {
      await pruneDeliveredEvents(ledger, 1)
      return await count(`inbox WHERE (body->'data'->>'documentId') IN ($1, $2)`, [documentId, statusFor]) === 0
    }, 10_000)

    await acknowledged([axis.deliver(doc, g22.systemId).docId, axis.injectStatus(status, g22.systemId).docId])
    await settle()
    t.equal(events('edoc.received', (d) => d.documentId === documentId).length, 1, 'the document is announced once')
    t.equal(events('edoc.status_changed', (d) => d.documentId === statusFor).length, 1, 'the status is announced once')
    t.equal(await count(`inbox WHERE (body->'data'->>'documentId') IN ($1, $2)`, [documentId, statusFor]), 0, 'nothing new in the feed')
  })
})
