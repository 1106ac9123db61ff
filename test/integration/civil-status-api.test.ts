/**
 * The civil-status routes the connector declares (connectors/civil-status), mounted by the
 * gateway's generic src/routes/declared.ts: API → registry → connector → simulator over real
 * HTTP, officer and purpose required, every call audited on PostgreSQL, no personal ID in a reply.
 */
import t from 'tap'
import { startTestHub } from '../helpers/hub.js'
import { openDatabase } from '../../src/db/index.js'
import { SANDBOX_RECORDS, UNKNOWN_OFFICE } from '../../connectors/civil-status/simulator.js'

const BIRTH = { ...SANDBOX_RECORDS.birth }

t.test('civil-status lookup and verify', async (t) => {
  const hub = await startTestHub('postgres')
  t.teardown(() => hub.close())
  t.ok(hub.simulators['civil-status'], 'the sandbox started the civil-status simulator')

  await t.test('lookup: the entry by its register coordinates, without the ID numbers the register holds', async (t) => {
    const res = await hub.call('/v1/civil-status/records/lookup', { body: BIRTH })
    t.equal(res.status, 200, JSON.stringify(res.body))
    t.strictSame(res.body, {
      record: {
        kind: 'birth',
        registration: { officeCode: '23284', book: '01/1990', number: '125', page: '63', registeredOn: '1990-05-20' },
        person: {
          fullName: 'Nguyễn Văn An', gender: 'male', dateOfBirth: '1990-05-15', ethnicity: '01', nationality: 'VN',
          placeOfBirth: { provinceCode: '62', districtCode: '608', wardCode: '23284', detail: 'Bệnh viện Đa khoa tỉnh Kon Tum' },
        },
        mother: { fullName: 'Lê Thị Cúc' },
        father: { fullName: 'Nguyễn Văn Bình' },
      },
    })
    t.notMatch(JSON.stringify(res.body), /[0-9]{12}/)
    const death = await hub.call('/v1/civil-status/records/lookup', { body: SANDBOX_RECORDS.death })
    t.match(death.body.record, { kind: 'death', person: { fullName: 'Phạm Văn Đức' }, death: { date: '2024-03-08', cause: 'Già yếu' } })
    const marriage = await hub.call('/v1/civil-status/records/lookup', { body: SANDBOX_RECORDS.marriage })
    t.match(marriage.body.record, { kind: 'marriage', husband: { fullName: 'Nguyễn Văn An' }, wife: { fullName: 'Trần Thị Hoa', dateOfBirth: '1992-09-02' } })
  })

  await t.test('no such entry is a 404; an office the database refuses is a 422; bad input a 400 before any call', async (t) => {
    const none = await hub.call('/v1/civil-status/records/lookup', { body: { ...BIRTH, number: '999' } })
    t.equal(none.status, 404)
    t.equal(none.body.code, 'NOT_FOUND')
    const refused = await hub.call('/v1/civil-status/records/lookup', { body: { ...BIRTH, officeCode: UNKNOWN_OFFICE } })
    t.equal(refused.status, 422, JSON.stringify(refused.body))
    t.equal(refused.body.code, 'UPSTREAM_REJECTED')
    t.equal((await hub.call('/v1/civil-status/records/lookup', { body: { ...BIRTH, personalId: '062090001234' } })).status, 400, 'unknown properties are refused')
    t.equal((await hub.call('/v1/civil-status/records/lookup', { body: { ...BIRTH, kind: 'divorce' } })).status, 400)
    const noOfficer = await hub.call('/v1/civil-status/records/lookup', { body: BIRTH, headers: { 'x-officer-id': '' } })
    t.equal(noOfficer.status, 400)
  })

  await t.test('verify: the name (any case) and birth date against the entry', async (t) => {
    const yes = await hub.call('/v1/civil-status/records/verify', { body: { ...BIRTH, fullName: 'nguyễn văn  an', dateOfBirth: '1990-05-15' } })
    t.equal(yes.status, 200, JSON.stringify(yes.body))
    t.strictSame(yes.body, { found: true, match: true, mismatches: [] })
    const no = await hub.call('/v1/civil-status/records/verify', { body: { ...BIRTH, fullName: 'Nguyen Van An', dateOfBirth: '1991-05-15' } })
    t.strictSame(no.body, { found: true, match: false, mismatches: ['fullName', 'dateOfBirth'] })
    const spouse = await hub.call('/v1/civil-status/records/verify', { body: { ...SANDBOX_RECORDS.marriage, fullName: 'Trần Thị Hoa' } })
    t.strictSame(spouse.body, { found: true, match: true, mismatches: [] })
    const missing = await hub.call('/v1/civil-status/records/verify', { body: { ...BIRTH, number: '999', fullName: 'X' } })
    t.strictSame(missing.body, { found: false, match: false, mismatches: [] })
  })

  await t.test('every call left an audit record naming the connector, operation, officer, purpose and outcome', async (t) => {
    const db = await openDatabase({ url: hub.config.database.url!, schema: hub.schema })
    t.teardown(() => db.close())
    const { rows } = await db.query<{ connector: string; operation: string; outcome: string; officer_id: string; purpose: string }>(
      "SELECT connector, operation, outcome, officer_id, purpose FROM audit_log WHERE connector = 'civil-status' ORDER BY seq")
    t.strictSame(rows.map((r) => `${r.operation} ${r.outcome}`), [
      'getRecord ok', 'getRecord ok', 'getRecord ok', 'getRecord not_found', 'getRecord UPSTREAM_REJECTED',
      'verifyRecord match', 'verifyRecord mismatch', 'verifyRecord match', 'verifyRecord not_found',
    ])
    t.ok(rows.every((r) => r.officer_id === 'CB-0001' && r.purpose === 'HS-TEST-0001'))
  })
})
