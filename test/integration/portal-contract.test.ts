/**
 * The DongBoHoSoMC contract end to end, through a sandbox hub on PostgreSQL with real Redis and
 * the simulators: what the portal simulator records for an in-person dossier, the flags the hub
 * fills in from its own records (a real population lookup with X-Purpose = the dossier code, a
 * paper registered in the document store), and a dossier sent with a pre-merger Kon Tum code.
 */
import t from 'tap'
import { createHash } from 'node:crypto'
import { startTestHub } from '../helpers/hub.js'
import { newCode, portalSim, putDossier, snapshot, syncState, waitFor } from '../helpers/dossier.js'
import { SANDBOX_PROCEDURES, SANDBOX_PROVINCE_CODE } from '../../connectors/national-portal/simulator.js'
import { sha256Hex } from '../../src/plugins/auth.js'

const sha = (s: string) => createHash('sha256').update(s).digest('hex')
const AN = { personalId: '062090001234', fullName: 'Nguyễn Văn An', dateOfBirth: '1990-05-15' }
const MERGED_KEY = 'merged-province-key-not-a-secret'
const OLD_PATTERN_KEY = 'old-kontum-pattern-key-not-a-secret'
const base = { procedureCode: SANDBOX_PROCEDURES.birthRegistration, agencyCode: SANDBOX_PROVINCE_CODE }

/** Paths of every exact 12-digit number in a payload (dates are 14 digits and do not count). */
function twelveDigitPaths(v: unknown, path = ''): string[] {
  if (Array.isArray(v)) return v.flatMap((item) => twelveDigitPaths(item, path))
  if (typeof v === 'object' && v !== null) return Object.entries(v).flatMap(([k, x]) => twelveDigitPaths(x, path ? `${path}.${k}` : k))
  return /(?<![0-9])[0-9]{12}(?![0-9])/.test(String(v)) ? [path] : []
}

t.test('the national portal contract through the sandbox hub', async (t) => {
  const hub = await startTestHub('postgres', {
    sync: { reconcileEveryMs: 300, staleAfterMs: 1000 },
    connectors: {
      population: { enabled: true, retry: { maxAttempts: 1 } },
      'national-portal': { enabled: true, retry: { maxAttempts: 1 } },
    },
    clients: [
      { name: 'quang-ngai', keySha256: sha256Hex(MERGED_KEY), scopes: ['dossiers:write', 'dossiers:read'], agencies: ['*.H48'] },
      { name: 'old-kon-tum-pattern', keySha256: sha256Hex(OLD_PATTERN_KEY), scopes: ['dossiers:write', 'dossiers:read'], agencies: ['*.20.H34'] },
    ],
  })
  t.teardown(() => hub.close())
  const record = async (code: string) => (await portalSim(hub, 'GET', `/__sim/dossiers/${code}`)).versions.at(-1)?.record

  await t.test('in person, result at the desk: HinhThuc "0", KenhThucHien "1", the personal ID only where allowed', async (t) => {
    const code = newCode('contract')
    t.equal((await putDossier(hub, code, snapshot(1, { ...base, channel: 'in_person', results: [{ name: 'Giấy khai sinh', documentCode: '062090001234.GKS', resultCode: 'KQ.001' }] }))).status, 202)
    await waitFor('delivery', async () => (await syncState(hub, code))?.state === 'delivered')
    const r = await record(code)
    t.strictSame([r.HinhThuc, r.KenhThucHien, r.MaDoiTuong, r.LoaiDoiTuong, r.SoGiayToChuHoSo], ['0', '1', '', '1', '062090001234'])
    t.strictSame(r.DinhDanhCHS, [{ LoaiDinhDanh: '1', SoDinhDanh: '062090001234' }])
    t.strictSame(twelveDigitPaths(r), ['SoGiayToChuHoSo', 'DinhDanhCHS.SoDinhDanh'], 'no 12-digit number anywhere else')
    t.strictSame(r.DanhSachGiayToKetQua, [{ TenGiayTo: 'Giấy khai sinh', MaThanhPhanHoSo: '', GiayToId: '', DuongDanTepTinKetQua: '', MaGiayToKetQua: 'KQ.001' }])
  })

  await t.test('a lookup with X-Purpose = the code and a paper from the document store fill DSKetNoiCSDL and DuocTaiSuDung', async (t) => {
    const code = newCode('flags')
    const other = newCode('flags-other')
    const lookup = await hub.call('/v1/citizens/lookup', { body: AN, headers: { 'x-purpose': code } })
    t.equal(lookup.status, 200, 'a real lookup through the hub against the population simulator')
    t.equal((await hub.call('/v1/citizens/lookup', { body: AN, headers: { 'x-purpose': other } })).status, 200)
    const cccd = { code: '062090001234.CCCD', title: 'Căn cước', url: 'https://files.example.invalid/cccd.pdf', sha256: sha(`cccd-${code}`) }
    t.equal((await hub.call('/v1/documents', { body: cccd })).status, 201, 'registered at intake')
    const documents = [
      { id: 'att-1', name: 'CCCD.pdf', documentCode: cccd.code, sha256: cccd.sha256 },
      { id: 'att-2', name: 'To khai.pdf', url: 'https://files.example.invalid/tk.pdf', sha256: sha('tk') },
      { id: 'att-3', name: 'Khac.pdf', documentCode: cccd.code, sha256: sha('not registered') },
    ]
    t.equal((await putDossier(hub, code, snapshot(1, { ...base, documents }))).status, 202)
    // The other dossier: nothing looked up for it, and its paper says explicitly it was not reused.
    t.equal((await putDossier(hub, newCode('flags-none'), snapshot(1, { ...base, documents: [{ ...documents[0]!, reused: false }] }))).status, 202)
    await waitFor('delivery', async () => (await syncState(hub, code))?.state === 'delivered')
    const r = await record(code)
    t.strictSame(r.DSKetNoiCSDL, [{ MaCSDL: '7' }])
    t.strictSame(r.TaiLieuNop.map((p: any) => [p.TepDinhKemId, p.DuocSoHoa, p.DuocTaiSuDung]), [['att-1', '0', '1'], ['att-2', '1', '0'], ['att-3', '0', '0']])
    t.equal(r.HoSoCoThanhPhanSoHoa, '1')

    const explicit = newCode('flags-explicit')
    await hub.call('/v1/citizens/lookup', { body: AN, headers: { 'x-purpose': explicit } })
    t.equal((await putDossier(hub, explicit, snapshot(1, { ...base, connectedDatabases: [], documents: [{ ...documents[0]!, reused: false }] }))).status, 202)
    await waitFor('delivery', async () => (await syncState(hub, explicit))?.state === 'delivered')
    const e = await record(explicit)
    t.strictSame([e.DSKetNoiCSDL, e.TaiLieuNop[0].DuocTaiSuDung, e.HoSoCoThanhPhanSoHoa], [[], '0', '0'], 'explicit values from the one-stop win')
  })

  await t.test('a dossier sent with an old Kon Tum code is synced and routed under the new Quảng Ngãi code', async (t) => {
    const mapping = await hub.call('/admin/agency-mapping')
    t.equal(mapping.status, 200)
    t.match(mapping.body, { version: '2025-07-01.1', effectiveFrom: '2025-07-01' })
    t.ok(mapping.body.agencies.some((a: any) => a.from === '000.01.20.H34' && a.to === '000.00.61.H48'))

    const code = newCode('merged')
    const asMerged = { authorization: `Bearer ${MERGED_KEY}` }
    const put = await hub.call(`/v1/dossiers/${code}`, { method: 'PUT', headers: asMerged, body: snapshot(1, { ...base, agencyCode: '000.01.20.H34' }) })
    t.equal(put.status, 202, 'a client of the merged province may send the old code')
    await waitFor('delivery', async () => (await syncState(hub, code))?.state === 'delivered')
    const view = await hub.call(`/v1/dossiers/${code}`, { headers: asMerged })
    t.strictSame([view.status, view.body.agencyCode, view.body.originalAgencyCode, view.body.snapshot.agencyCode], [200, '000.00.61.H48', '000.01.20.H34', '000.01.20.H34'])
    const listed = await hub.call('/v1/dossiers?limit=500', { headers: asMerged })
    t.match(listed.body.items.find((d: any) => d.code === code), { agencyCode: '000.00.61.H48', originalAgencyCode: '000.01.20.H34' })

    const asOld = { authorization: `Bearer ${OLD_PATTERN_KEY}` }
    const old = await hub.call(`/v1/dossiers/${code}`, { headers: asOld })
    t.equal(old.status, 200, 'a pattern written for the old district still matches the commune it became')
    const fresh = newCode('merged-new')
    t.equal((await hub.call(`/v1/dossiers/${fresh}`, { method: 'PUT', headers: asOld, body: snapshot(1, { ...base, agencyCode: '000.00.61.H48' }) })).status, 202)
    t.equal((await hub.call(`/v1/dossiers/${newCode('merged-other')}`, { method: 'PUT', headers: asOld, body: snapshot(1, { ...base, agencyCode: '000.00.64.H48' }) })).status, 403, 'but not another commune')
    t.strictSame((await hub.call(`/v1/dossiers/${fresh}`)).body.originalAgencyCode, null, 'a current code has no original')
  })
})
