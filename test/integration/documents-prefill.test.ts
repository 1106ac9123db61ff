/**
 * Digitized documents, the enterprise route and the pre-fill fan-out, through a sandbox hub on
 * PostgreSQL (a real table lock makes the document store hang on demand) with real Redis and
 * the simulators.
 */
import t from 'tap'
import pg from 'pg'
import { createHash } from 'node:crypto'
import { TEST_DATABASE_URL, startTestHub } from '../helpers/hub.js'
import { snapshot, waitFor } from '../helpers/dossier.js'
import { SANDBOX_PROCEDURES, SANDBOX_PROVINCE_CODE } from '../../connectors/national-portal/simulator.js'
import { SANDBOX_ENTERPRISES } from '../../connectors/business-registry/sandbox-enterprises.js'

const AN = { type: 'citizen', id: '062090001234', fullName: 'Nguyễn Văn An', dateOfBirth: '1990-05-15' }
const sha = (s: string) => createHash('sha256').update(s).digest('hex')

t.test('documents, enterprises and pre-fill', async (t) => {
  const hub = await startTestHub('postgres', {
    prefill: { deadlineMs: 800 },
    procedures: { cacheTtlMs: 0, staleTtlMs: 0 },
    connectors: {
      population: { enabled: true, retry: { maxAttempts: 1 } },
      'business-registry': { enabled: true, retry: { maxAttempts: 1 } },
      'national-portal': { enabled: true, retry: { maxAttempts: 1 } },
    },
  })
  t.teardown(() => hub.close())
  const faults = (id: string, body?: unknown) => fetch(`${hub.simulators[id]!.url}/__sim/faults`, body === undefined ? { method: 'DELETE' } : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  const db = new pg.Client({ connectionString: TEST_DATABASE_URL })
  await db.connect()
  t.teardown(() => db.end())

  await t.test('register is idempotent by code and hash; search rebuilds the code; expired papers are left out', async (t) => {
    const doc = { code: '062090001234.CCCD', title: 'Căn cước công dân', issuingAgency: 'Cục Cảnh sát QLHC về TTXH', issuedAt: '2021-05-01T00:00:00+07:00', validUntil: '2031-05-15T00:00:00+07:00', url: 'https://files.example.invalid/cccd.pdf', sha256: sha('cccd') }
    const first = await hub.call('/v1/documents', { body: doc })
    t.equal(first.status, 201)
    const again = await hub.call('/v1/documents', { body: doc })
    t.equal(again.status, 200)
    t.equal(again.body.id, first.body.id)
    t.equal((await hub.call('/v1/documents', { body: { ...doc, code: '062090001234.GPLX', title: 'Giấy phép lái xe cũ', validUntil: '2020-01-01T00:00:00+07:00', sha256: sha('old') } })).status, 201)
    t.equal((await hub.call('/v1/documents', { body: { ...doc, code: '0100109107.GCN' } })).status, 400, 'a bad enterprise check digit is refused')
    t.equal((await hub.call('/v1/documents', { body: { ...doc, code: '999090001234.CCCD' } })).status, 400, 'an unknown province code is refused')

    const found = await hub.call('/v1/documents/search', { body: { ownerId: '062090001234' } })
    t.equal(found.status, 200)
    t.same(found.body.documents.map((d: any) => d.code), ['062090001234.CCCD'], 'the expired paper is left out')
    t.match(found.body.documents[0], { ownerMasked: '062*******34', typeCode: 'CCCD', expired: false, source: { kind: 'intake' } })
    const all = await hub.call('/v1/documents/search', { body: { ownerId: '062090001234', includeExpired: true } })
    t.equal(all.body.documents.length, 2)
    t.equal((await hub.call('/v1/documents/search', { body: { ownerId: '062090001234' }, headers: { 'x-purpose': '' } })).status, 400, 'purpose required')

    const rows = await db.query(`SELECT row_to_json(d)::text AS j FROM ${hub.schema}.documents d`)
    t.notOk(rows.rows.some((r) => r.j.includes('062090001234')), 'the plain owner ID is not stored')
    const audit = await db.query(`SELECT operation, subject_masked FROM ${hub.schema}.audit_log WHERE operation = 'documents.search'`)
    t.ok(audit.rowCount! >= 2, 'searches are audited')
  })

  await t.test('a result synced with a dossier is indexed and satisfies a required paper in a later pre-fill', async (t) => {
    const code = `HS-PF-${hub.schema}`
    const result = { name: 'Giấy khai sinh', documentCode: '062203000777.GKS', url: 'https://files.example.invalid/gks.pdf', sha256: sha('gks'), issuedAt: '2026-11-20T10:00:00+07:00' }
    const put = await hub.call(`/v1/dossiers/${code}`, { method: 'PUT', body: snapshot(1, { procedureCode: SANDBOX_PROCEDURES.birthRegistration, agencyCode: SANDBOX_PROVINCE_CODE, status: 'returned', results: [result] }) })
    t.equal(put.status, 202)
    const pre = await hub.call('/v1/prefill', { body: { procedureCode: '1.001022', applicant: { type: 'citizen', id: '062203000777', fullName: 'Phạm Minh Đức', dateOfBirth: '2003-07-20' } } })
    t.equal(pre.status, 200)
    t.match(pre.body.sources, { identity: { status: 'ok' }, documents: { status: 'ok' }, procedure: { status: 'ok' } })
    t.equal(pre.body.applicant.data.fullName, 'PHẠM MINH ĐỨC')
    const paper = pre.body.requiredPapers.find((p: any) => p.documentType === 'GKS')
    t.ok(paper, 'the procedure requires a birth certificate copy')
    t.match(paper.satisfiedBy, { code: '062203000777.GKS', source: { kind: 'dossier-result', dossierCode: code } })
    t.ok(pre.body.requiredPapers.some((p: any) => p.satisfiedBy === null), 'papers not held are listed with null')
  })

  await t.test('pre-fill returns the applicant\'s identity fields only, and the groups in include', async (t) => {
    const sensitive = ['maritalStatus', 'ethnicity', 'religion', 'bloodType', 'householdBookNumber', 'householdHead', 'father', 'mother', 'spouse', 'guardian']
    const plain = await hub.call('/v1/prefill', { body: { procedureCode: SANDBOX_PROCEDURES.birthRegistration, applicant: AN } })
    t.equal(plain.status, 200)
    t.strictSame(Object.keys(plain.body.applicant.data).sort(), ['birthRegistrationPlace', 'currentAddress', 'dateOfBirth', 'fullName', 'gender', 'hometown', 'nationality', 'oldIdNumber', 'permanentAddress', 'personalId'])
    t.strictSame(sensitive.filter((f) => f in plain.body.applicant.data), [], 'no relative\'s ID, religion, ethnicity, blood group or guardian')
    const asked = await hub.call('/v1/prefill', { body: { procedureCode: SANDBOX_PROCEDURES.birthRegistration, applicant: { ...AN, include: ['relatives'] } } })
    t.strictSame(sensitive.filter((f) => f in asked.body.applicant.data), ['father', 'mother', 'spouse'])
    t.equal(asked.body.applicant.data.father.personalId, '062060500321')
  })

  await t.test('each source failing or hanging in turn is reported; the others still answer', async (t) => {
    const body = { procedureCode: SANDBOX_PROCEDURES.birthRegistration, applicant: AN }
    await faults('population', { hang: true })
    let r = await hub.call('/v1/prefill', { body })
    await faults('population')
    t.equal(r.status, 200)
    t.match(r.body.sources, { identity: { status: 'timeout' }, documents: { status: 'ok' }, procedure: { status: 'ok' } })
    t.ok(r.body.sources.identity.ms >= 700 && r.body.sources.identity.ms < 1500, 'the identity source was cut at the deadline')
    t.ok(r.body.documents.length >= 1 && r.body.procedure, 'documents and procedure still returned')

    await faults('national-portal', { status: 503 })
    r = await hub.call('/v1/prefill', { body })
    await faults('national-portal')
    t.match(r.body.sources, { identity: { status: 'ok' }, documents: { status: 'ok' }, procedure: { status: 'error', code: 'UPSTREAM_UNAVAILABLE' } })
    t.equal(r.body.procedure, null)
    t.same(r.body.requiredPapers, [])

    // A real hang of the document store: another session holds the table lock.
    await db.query('BEGIN')
    await db.query(`LOCK TABLE ${hub.schema}.documents IN ACCESS EXCLUSIVE MODE`)
    r = await hub.call('/v1/prefill', { body })
    await db.query('ROLLBACK')
    t.match(r.body.sources, { identity: { status: 'ok' }, documents: { status: 'timeout' }, procedure: { status: 'ok' } })
    t.equal(r.body.applicant.data.personalId, '062090001234')

    await faults('business-registry', { hang: true })
    r = await hub.call('/v1/prefill', { body: { procedureCode: SANDBOX_PROCEDURES.companyRegistration, applicant: { type: 'business', id: SANDBOX_ENTERPRISES.jointStock } } })
    await faults('business-registry')
    t.match(r.body.sources, { identity: { status: 'timeout' }, documents: { status: 'ok' }, procedure: { status: 'ok' } })
    r = await hub.call('/v1/prefill', { body: { procedureCode: SANDBOX_PROCEDURES.companyRegistration, applicant: { type: 'business', id: SANDBOX_ENTERPRISES.jointStock } } })
    t.match(r.body.sources.identity, { status: 'ok' })
    t.equal(r.body.applicant.data.code, SANDBOX_ENTERPRISES.jointStock)

    t.equal((await hub.call('/v1/prefill', { body: { ...body, applicant: { ...AN, dateOfBirth: '1991-05-15' } } })).status, 400, 'birth year disagreeing with the ID is a 400')
  })

  await t.test('GET /v1/enterprises/{code}: 400 on a bad check digit before any upstream call, cached answers say so', async (t) => {
    const statsUrl = `${hub.simulators['business-registry']!.url}/__sim/stats`
    const before = (await (await fetch(statsUrl)).json()) as any
    const bad = await hub.call('/v1/enterprises/0100109107')
    t.equal(bad.status, 400)
    t.equal(bad.body.code, 'VALIDATION_FAILED')
    t.equal(((await (await fetch(statsUrl)).json()) as any).requests, before.requests, 'no upstream call')
    const first = await hub.call(`/v1/enterprises/${SANDBOX_ENTERPRISES.branch}`)
    t.equal(first.status, 200)
    t.match(first.body, { enterprise: { code: SANDBOX_ENTERPRISES.branch }, source: { cached: false } })
    const second = await hub.call(`/v1/enterprises/${SANDBOX_ENTERPRISES.branch}`)
    t.match(second.body.source, { cached: true })
    const audited = await db.query(`SELECT operation FROM ${hub.schema}.audit_log WHERE connector = 'business-registry' AND operation LIKE 'getEnterprise%'`)
    t.ok(audited.rowCount! >= 2, 'cached and uncached accesses are both audited')
    t.equal((await hub.call('/v1/enterprises/0100109106')).status, 404, 'a valid code the registry lacks')
  })

  await t.test('an enterprise\'s members (personal data) only with ?include=members, and the audit says so', async (t) => {
    const plain = await hub.call(`/v1/enterprises/${SANDBOX_ENTERPRISES.multiMemberLlc}`)
    t.equal(plain.status, 200)
    t.notOk('members' in plain.body.enterprise)
    const withMembers = await hub.call(`/v1/enterprises/${SANDBOX_ENTERPRISES.multiMemberLlc}?include=members`)
    t.strictSame(withMembers.body.enterprise.members.map((m: { name: string }) => m.name), ['ĐỖ THANH MAI', 'BÙI HỮU NAM'])
    t.equal((await hub.call(`/v1/enterprises/${SANDBOX_ENTERPRISES.multiMemberLlc}?include=owners`)).status, 400)
    const pre = await hub.call('/v1/prefill', { body: { procedureCode: SANDBOX_PROCEDURES.companyRegistration, applicant: { type: 'business', id: SANDBOX_ENTERPRISES.multiMemberLlc } } })
    t.notOk('members' in pre.body.applicant.data, 'not in pre-fill either')
    const audited = await db.query<{ operation: string }>(`SELECT operation FROM ${hub.schema}.audit_log WHERE connector = 'business-registry' ORDER BY seq DESC LIMIT 3`)
    // Newest first: the pre-fill, the request with members (from the cache), the plain one (first access).
    t.strictSame(audited.rows.map((r) => r.operation), ['getEnterprise', 'getEnterprise+members.cached', 'getEnterprise'])
  })
})
