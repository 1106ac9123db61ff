import t, { type Test } from 'tap'
import { pino } from 'pino'
import {
  PORTAL_CODE, SANDBOX_AGENCY_CODE, SANDBOX_CREDENTIALS, SANDBOX_DSTCODE, SANDBOX_PROCEDURES, startNationalPortalSimulator,
  type NationalPortalSimulator, type SimulatorOptions,
} from '../../../connectors/national-portal/simulator.js'
import { sandboxProcedures } from '../../../connectors/national-portal/sandbox-catalogue.js'
import { DEFAULT_CHANNEL_CODES, DEFAULT_DATABASE_CODES, DEFAULT_STATUS_CODES } from '../../../connectors/national-portal/config.js'
import { buildCallBody, buildDossierRecord, buildProgressRecord, type ServiceKey } from '../../../connectors/national-portal/wire.js'
import { MINIMAL_DOSSIER } from './fixtures.js'

const silent = pino({ level: 'silent' })
const tables = { statusCodes: { ...DEFAULT_STATUS_CODES }, channelCodes: { ...DEFAULT_CHANNEL_CODES }, databaseCodes: { ...DEFAULT_DATABASE_CODES } }
const CATALOGUE: ReadonlySet<ServiceKey> = new Set(['getProcedure', 'listProcedures', 'listAgencies'])
type Json = Record<string, unknown>

async function start(t: Test, options: SimulatorOptions = {}): Promise<NationalPortalSimulator> {
  const sim = await startNationalPortalSimulator({ log: silent, ...options })
  t.teardown(() => sim.close())
  return sim
}

async function post(sim: NationalPortalSimulator, path: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal) {
  const res = await fetch(`${sim.url}${path}`, {
    method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), ...(signal && { signal }),
    headers: { 'content-type': 'application/json', dstcode: SANDBOX_DSTCODE, ...headers },
  })
  return { status: res.status, text: await res.text(), headers: res.headers }
}
const login = async (sim: NationalPortalSimulator) => (JSON.parse((await post(sim, '/api/login', SANDBOX_CREDENTIALS)).text) as { session: string }).session

/** A call built by the connector's own wire.ts, as the connector would send it. */
async function call(sim: NationalPortalSimulator, session: string, service: ServiceKey, params: Json, o: { agency?: string; path?: string; headers?: Record<string, string> } = {}): Promise<Json> {
  const path = o.path ?? (CATALOGUE.has(service) ? '/api/danhmuc' : '/api/dongbo')
  const r = await post(sim, path, buildCallBody(session, o.agency ?? SANDBOX_AGENCY_CODE, service, params), o.headers)
  return JSON.parse(r.text) as Json
}
const sync = (sim: NationalPortalSimulator, session: string, data: unknown[], isUpdating = 'False') => call(sim, session, 'syncDossier', { isUpdating, data })
const record = (overrides: Json = {}) => ({ ...buildDossierRecord(MINIMAL_DOSSIER, tables), ...overrides })

t.test('login checks username, password and dstcode, and issues a random session', async (t) => {
  const sim = await start(t)
  const ok = JSON.parse((await post(sim, '/api/login', SANDBOX_CREDENTIALS)).text)
  t.match(ok, { error_code: 0, session: /^[A-Za-z0-9_-]{32}$/ })
  t.not(await login(sim), ok.session, 'a new token per login')
  t.strictSame(JSON.parse((await post(sim, '/api/login', { ...SANDBOX_CREDENTIALS, password: 'guess' })).text), { error_code: '1', message: 'Tên đăng nhập hoặc mật khẩu không đúng' })
  t.strictSame(JSON.parse((await post(sim, '/api/login', SANDBOX_CREDENTIALS, { dstcode: 'OTHER' })).text), { error_code: '1', message: 'Mã dstcode không hợp lệ' })
  t.match(sim.stats(), { requests: 4, logins: 2, loginFailures: 2 })
})

t.test('unknown, expired and force-expired sessions get the session error code', async (t) => {
  const sim = await start(t, { sessionTtlMs: 150 })
  const session = await login(sim)
  t.match(await call(sim, session, 'listAgencies', {}), { error_code: 0 })
  t.strictSame(await call(sim, 'made-up', 'listAgencies', {}), { error_code: '-1', message: 'Phiên làm việc không hợp lệ hoặc đã hết hạn' })
  await new Promise((r) => setTimeout(r, 200))
  t.match(await call(sim, session, 'listAgencies', {}), { error_code: '-1' }, 'expired after sessionTtlMs')
  const fresh = await login(sim)
  sim.expireSessions()
  t.match(await call(sim, fresh, 'listAgencies', {}), { error_code: '-1' }, 'expireSessions()')
  const third = await login(sim)
  t.equal((await fetch(`${sim.url}/__sim/sessions/expire`, { method: 'POST' })).status, 200)
  t.match(await call(sim, third, 'listAgencies', {}), { error_code: '-1' }, 'POST /__sim/sessions/expire')
  t.match(sim.stats(), { sessionErrors: 4, services: { LayDanhMucCoQuan: 1 } })
})

t.test('DongBoHoSoMC validation: refused with code 2 and a Vietnamese reason naming the field; nothing is stored', async (t) => {
  const sim = await start(t)
  const session = await login(sim)
  const { NgayTiepNhan: _n, ...noReceived } = record()
  const cases: Array<[unknown[], string]> = [
    [[noReceived], 'Thiếu thông tin bắt buộc: NgayTiepNhan'],
    [[record({ ChuHoSo: '' })], 'Thiếu thông tin bắt buộc: ChuHoSo'],
    [[record({ NgayHenTra: '2024-03-05' })], 'Trường NgayHenTra không đúng định dạng yyyyMMddHHmmss'],
    [[record({ NgayTiepNhan: '20240230080000' })], 'Trường NgayTiepNhan không đúng định dạng yyyyMMddHHmmss'],
    [[record({ NgayTra: '20240301246000' })], 'Trường NgayTra không đúng định dạng yyyyMMddHHmmss'],
    [[record({ TrangThaiHoSo: '11' })], 'Trường TrangThaiHoSo không hợp lệ (giá trị từ 1 đến 10)'],
    [[record({ TrangThaiHoSo: 4 })], 'Trường TrangThaiHoSo phải là chuỗi ký tự'],
    [[record({ LoaiDoiTuong: '5' })], 'Trường LoaiDoiTuong không hợp lệ (giá trị cho phép: 1, 2, 3, 4)'],
    [[record({ HinhThuc: '3' })], 'Trường HinhThuc không hợp lệ (giá trị cho phép: 0, 1)'],
    [[record({ KenhThucHien: '0' })], 'Trường KenhThucHien không hợp lệ (giá trị cho phép: 1, 2, 3)'],
    [[record({ DanhSachLePhi: [{ TenPhiLePhi: 'Lệ phí', Gia: 8000 }] })], 'Trường DanhSachLePhi[0].Gia phải là chuỗi ký tự'],
    [[record({ DinhDanhCHS: [{ LoaiDinhDanh: '1', SoDinhDanh: '212345678' }] })], 'Trường DinhDanhCHS[0].SoDinhDanh không đúng loại định danh'],
    [[record({ DSKetNoiCSDL: [{ MaCSDL: '' }] })], 'Thiếu thông tin bắt buộc: DSKetNoiCSDL[0].MaCSDL'],
    [[record({ DanhSachTepDinhKemKhac: [{ TenGiayTo: 'x', SoLuong: '2' }] })], 'Trường DanhSachTepDinhKemKhac[0].SoLuong phải là số nguyên'],
    [[record({ TaiLieuNop: [{ TenTepDinhKem: 'a.pdf', DuocSoHoa: 'yes' }] })], 'Trường TaiLieuNop[0].DuocSoHoa không hợp lệ (giá trị cho phép: 0, 1)'],
    [[record({ NgayNopHoSo: '2024-03-01' })], 'Trường NgayNopHoSo không đúng định dạng yyyyMMddHHmmss'],
    [[record({ MaTTHC: '9.999999' })], 'Mã thủ tục hành chính (MaTTHC) không tồn tại trong danh mục TTHC của Cổng DVCQG'],
    [[record({ MaHoSoCu: 'x' })], 'Trường MaHoSoCu không được hỗ trợ'],
    [[record({ ChuHoSo: { ten: 'x' } })], 'Trường ChuHoSo phải là chuỗi ký tự'],
    [[record({ TaiLieuNop: [{ TepDinhKemId: 'a' }] })], 'Thiếu thông tin bắt buộc: TaiLieuNop[0].TenTepDinhKem'],
    [[record({ DanhSachHoSoBoSung: [{ NoiDungBoSung: 'x', NgayBoSung: '2024' }] })], 'Trường DanhSachHoSoBoSung[0].NgayBoSung không đúng định dạng yyyyMMddHHmmss'],
    [[record({ DanhSachLePhi: {} })], 'Trường DanhSachLePhi phải là danh sách'],
    [[], 'Trường data phải là danh sách hồ sơ, không được rỗng'],
  ]
  const answers = []
  for (const [data] of cases) answers.push(await sync(sim, session, data))
  t.strictSame(answers, cases.map(([, message]) => ({ error_code: '2', message })))
  t.strictSame(await sync(sim, session, [record()], 'true'), { error_code: '2', message: 'Trường isUpdating phải là "True" hoặc "False"' })
  t.strictSame(sim.received(MINIMAL_DOSSIER.code), [], 'a refused dossier is not stored')
  t.equal(sim.stats().rejected, cases.length + 1)
})

t.test('DongBoHoSoMC with several dossiers answers per record: the valid ones are kept, each refusal names its record', async (t) => {
  const sim = await start(t)
  const session = await login(sim)
  const a = record({ MaHoSo: 'HS-MANY-1' })
  const b = record({ MaHoSo: 'HS-MANY-2', HinhThuc: '' })
  const c = record({ MaHoSo: 'HS-MANY-3' })
  t.strictSame(await sync(sim, session, [a, b, c]), {
    error_code: '2', message: 'Hồ sơ thứ 2: Thiếu thông tin bắt buộc: HinhThuc',
    data: [
      { MaHoSo: 'HS-MANY-1', error_code: '00', message: 'Thành công' },
      { MaHoSo: 'HS-MANY-2', error_code: '2', message: 'Thiếu thông tin bắt buộc: HinhThuc' },
      { MaHoSo: 'HS-MANY-3', error_code: '00', message: 'Thành công' },
    ],
  })
  t.strictSame([a, b, c].map((r) => sim.received(String(r['MaHoSo'])).map((v) => v.record)), [[a], [], [c]], 'only the refused record is left out')
  t.equal(sim.stats().rejected, 1)
  t.strictSame(await sync(sim, session, [a, c], 'True'), {
    error_code: '00', message: 'Thành công',
    data: [{ MaHoSo: 'HS-MANY-1', error_code: '00', message: 'Thành công' }, { MaHoSo: 'HS-MANY-3', error_code: '00', message: 'Thành công' }],
  })
  t.strictSame(sim.received('HS-MANY-3').map((v) => v.isUpdating), [false, true])
})

t.test('madonvi must be a known agency; a service must be asked at its own endpoint', async (t) => {
  const sim = await start(t)
  const session = await login(sim)
  t.strictSame(await call(sim, session, 'syncDossier', { isUpdating: 'False', data: [record()] }, { agency: '000.00.00.H99' }), { error_code: '4', message: 'Mã đơn vị (madonvi) không tồn tại' })
  t.strictSame(await call(sim, session, 'getProcedure', { maTTHC: SANDBOX_PROCEDURES.birthRegistration }, { path: '/api/dongbo' }), { error_code: '5', message: 'Dịch vụ (service) không được hỗ trợ tại địa chỉ này' })
  t.match(await call(sim, session, 'listAgencies', {}, { headers: { dstcode: 'OTHER' } }), { error_code: '1' })
  t.match(JSON.parse((await post(sim, '/api/dongbo', '{"session":')).text), { error_code: PORTAL_CODE.refused })
})

t.test('an unknown procedure is refused until the catalogue has it (addProcedure or POST /__sim/procedures)', async (t) => {
  const sim = await start(t)
  const session = await login(sim)
  const birth = sandboxProcedures().find((p) => p.code === SANDBOX_PROCEDURES.birthRegistration)!
  t.match(await sync(sim, session, [record({ MaTTHC: '1.900001' })]), { error_code: '2' })
  sim.addProcedure({ ...birth, code: '1.900001', name: 'Thủ tục thử nghiệm' })
  t.strictSame(await sync(sim, session, [record({ MaTTHC: '1.900001' })]), { error_code: '00', message: 'Thành công' })
  const bad = await fetch(`${sim.url}/__sim/procedures`, { method: 'POST', body: JSON.stringify({ code: '1.900002' }) })
  t.strictSame([bad.status, ((await bad.json()) as { error: string }).error.startsWith('not a Procedure')], [400, true])
  const added = await fetch(`${sim.url}/__sim/procedures`, { method: 'POST', body: JSON.stringify({ ...birth, code: '1.900002' }) })
  t.strictSame([added.status, await added.json()], [201, { code: '1.900002' }])
  t.match(await call(sim, session, 'getProcedure', { maTTHC: '1.900002' }), { error_code: 0, data: [{ MATTHC: '1.900002', TENTTHC: birth.name }] })
})

t.test('every accepted version is kept per MaHoSo in arrival order; TraCuuHoSo answers the latest', async (t) => {
  const sim = await start(t)
  const session = await login(sim)
  const v1 = record()
  const v2 = record({ TrangThaiHoSo: '4', GhiChu: 'đang xử lý' })
  t.match(await sync(sim, session, [v1], 'False'), { error_code: '00' })
  t.match(await sync(sim, session, [v2], 'True'), { error_code: '00' })
  const versions = sim.received(MINIMAL_DOSSIER.code)
  t.strictSame(versions.map((v) => ({ isUpdating: v.isUpdating, record: v.record })), [{ isUpdating: false, record: v1 }, { isUpdating: true, record: v2 }])
  t.ok(versions.every((v) => !Number.isNaN(Date.parse(v.receivedAt))), 'each has its arrival time')
  const route = await (await fetch(`${sim.url}/__sim/dossiers/${MINIMAL_DOSSIER.code}`)).json()
  t.strictSame(route, { code: MINIMAL_DOSSIER.code, versions })
  t.strictSame(await call(sim, session, 'getDossier', { mahoso: MINIMAL_DOSSIER.code }), { error_code: '00', message: 'Thành công', data: [v2] })
  t.strictSame(await call(sim, session, 'getDossier', { mahoso: 'HS-NONE' }), { error_code: '00', message: 'Không tìm thấy hồ sơ', data: [] })
  t.equal((await fetch(`${sim.url}/__sim/received`, { method: 'DELETE' })).status, 200)
  t.strictSame(sim.received(MINIMAL_DOSSIER.code), [])
  t.match(sim.stats().services, { DongBoHoSoMC: 2, TraCuuHoSo: 2 })
})

t.test('CapNhatTienDoHoSoMC: refused for a dossier the portal does not hold, kept per MaHoSo otherwise', async (t) => {
  const sim = await start(t)
  const session = await login(sim)
  const step = buildProgressRecord({ dossierCode: MINIMAL_DOSSIER.code, id: 's1', officer: 'Cán bộ A', unit: 'Phòng TP', at: '2024-03-02T03:00:00Z', content: 'Thẩm định' }, tables)
  t.strictSame(await call(sim, session, 'updateProgress', { data: [step] }), { error_code: '3', message: 'Hồ sơ (MaHoSo) chưa được đồng bộ lên Cổng DVCQG' })
  await sync(sim, session, [record()])
  t.strictSame(await call(sim, session, 'updateProgress', { data: [{ ...step, ThoiDiemXuLy: '' }] }), { error_code: '2', message: 'Thiếu thông tin bắt buộc: ThoiDiemXuLy' })
  t.strictSame(await call(sim, session, 'updateProgress', { data: [{ ...step, TrangThai: '12' }] }), { error_code: '2', message: 'Trường TrangThai không hợp lệ (giá trị từ 1 đến 10)' })
  t.match(await call(sim, session, 'updateProgress', { data: [step] }), { error_code: '00' })
  t.match(await call(sim, session, 'updateProgress', { data: [step] }), { error_code: '00' }, 'a repeat is a second entry: the wire has no step id')
  t.strictSame(sim.progress(MINIMAL_DOSSIER.code).map((e) => e.record), [step, step])
  t.strictSame(await (await fetch(`${sim.url}/__sim/progress/${MINIMAL_DOSSIER.code}`)).json(), { code: MINIMAL_DOSSIER.code, entries: sim.progress(MINIMAL_DOSSIER.code) })
})

t.test('seeded catalogue: 50+ procedures, 2–6 papers (some shared) and 1–2 results each, agencies that exist', async (t) => {
  const procedures = sandboxProcedures()
  t.ok(procedures.length >= 50, `${procedures.length} procedures`)
  t.equal(new Set(procedures.map((p) => p.code)).size, procedures.length, 'unique codes')
  t.strictSame(procedures.filter((p) => p.requiredPapers.length < 2 || p.requiredPapers.length > 6).map((p) => p.code), [])
  t.strictSame(procedures.filter((p) => p.results.length < 1 || p.results.length > 2).map((p) => p.code), [])
  t.ok(procedures.filter((p) => p.requiredPapers.some((d) => d.code === 'GT.001')).length >= 20, 'the identity-card copy is required by many procedures')
  t.ok(procedures.every((p) => p.requiredPapers.every((d) => d.documentType)), 'every paper has a document type code')
  t.strictSame(sandboxProcedures(), procedures, 'deterministic')
  const sim = await start(t)
  const session = await login(sim)
  const agencies = (await call(sim, session, 'listAgencies', {}))['data'] as Json[]
  const known = new Set(agencies.map((a) => a['MACOQUAN']))
  t.strictSame(procedures.flatMap((p) => [...p.agencies.map((a) => a.code), p.publishingAgencyCode]).filter((c) => !known.has(c)), [])
  t.strictSame(agencies.filter((a) => a['MACOQUANCHA'] !== '' && !known.has(a['MACOQUANCHA'])), [], 'every parent exists')
  const all = (await call(sim, session, 'listProcedures', {}))['data'] as Json[]
  t.equal(all.length, procedures.length)
  t.strictSame(all[0], { MATTHC: procedures[0]!.code, TENTTHC: procedures[0]!.name })
  const count = async (agencyCode: string) => ((await call(sim, session, 'listProcedures', { macoquan: agencyCode }))['data'] as Json[]).length
  const byCommune = procedures.filter((p) => p.agencies.some((a) => a.code === '000.00.61.H48')).length
  t.ok(byCommune > 0 && byCommune < procedures.length)
  t.strictSame([await count('000.00.00.H48'), await count('000.00.61.H48'), await count('000.00.00.H20')], [procedures.length, byCommune, 0], 'an agency filter includes the units under it')
  t.match(await call(sim, session, 'getProcedure', { maTTHC: 'none' }), { error_code: 0, data: [] })
})

t.test('faults by request header, in the portal\'s own terms', async (t) => {
  const sim = await start(t)
  const session = await login(sim)
  const body = buildCallBody(session, SANDBOX_AGENCY_CODE, 'listAgencies', {})
  const fault = async (name: string) => post(sim, '/api/danhmuc', body, { 'x-sim-fault': name })
  t.strictSame(JSON.parse((await fault('app-fault-server')).text), { error_code: '-9', message: 'Hệ thống đang bận, vui lòng thử lại sau' })
  t.strictSame(JSON.parse((await fault('app-fault-client')).text), { error_code: '99', message: 'Yêu cầu bị từ chối' })
  const malformed = await fault('malformed')
  t.strictSame([malformed.status, malformed.text], [200, '{"error_code":0,"message":"Th'])
  t.equal((await fault('error')).status, 500)
  const unavailable = await fault('http-503')
  t.strictSame([unavailable.status, unavailable.headers.get('retry-after')], [503, '1'])
  const started = Date.now()
  t.match(JSON.parse((await post(sim, '/api/danhmuc', body, { 'x-sim-latency-ms': '150' })).text), { error_code: 0 })
  t.ok(Date.now() - started >= 140, 'latency applied')
  t.strictSame(sim.stats().faults, { hang: 0, status: 1, 'app-fault': 2, malformed: 1, error: 1 })
})

t.test('control routes: faults for the next N requests (login included), stats, plain HTTP errors', async (t) => {
  const sim = await start(t)
  const control = (method: string, path: string, body?: unknown) =>
    fetch(`${sim.url}${path}`, { method, ...(body !== undefined && { body: JSON.stringify(body) }) }).then(async (r) => ({ status: r.status, body: await r.json() }))
  t.strictSame(await control('POST', '/__sim/faults', { appFault: 'server', count: 2 }), { status: 200, body: { faults: { appFault: 'server', remaining: 2 } } })
  const codes = []
  for (let i = 0; i < 3; i++) codes.push(JSON.parse((await post(sim, '/api/login', SANDBOX_CREDENTIALS)).text).error_code)
  t.strictSame(codes, ['-9', '-9', 0])
  t.strictSame(await control('POST', '/__sim/faults', { status: 502 }), { status: 200, body: { faults: { status: 502 } } })
  t.equal((await post(sim, '/api/login', SANDBOX_CREDENTIALS)).status, 502)
  t.strictSame(await control('DELETE', '/__sim/faults'), { status: 200, body: { faults: {} } })
  t.equal((await control('POST', '/__sim/faults', { appFault: 'sometimes' })).status, 400)
  t.match(await control('GET', '/__sim/stats'), { status: 200, body: { requests: 4, logins: 1, faults: { 'app-fault': 2, status: 1 }, inFlight: 0 } })
  t.match(await control('DELETE', '/__sim/stats'), { status: 200, body: { requests: 0, logins: 0, rejected: 0, services: {} } })
  t.equal((await fetch(`${sim.url}/api/login`, { method: 'POST', body: '{}' })).status, 415, 'JSON only')
  t.equal((await fetch(`${sim.url}/api/dongbo`)).status, 405)
  t.equal((await fetch(`${sim.url}/nowhere`, { method: 'POST' })).status, 404)
  t.equal((await control('GET', '/__sim/nowhere')).status, 404)
  t.equal((await post(sim, '/api/dongbo', `{"data":"${'x'.repeat(5000)}"}`)).status, 200)
  const small = await start(t, { maxRequestBytes: 1024 })
  t.equal((await post(small, '/api/dongbo', `{"data":"${'x'.repeat(5000)}"}`).catch(() => ({ status: 413 }))).status, 413, 'bounded request size')
})

t.test('hang: no answer until the client gives up; close() still ends hung connections', async (t) => {
  const sim = await startNationalPortalSimulator({ log: silent, faults: { hang: true } })
  const gaveUp = await post(sim, '/api/login', SANDBOX_CREDENTIALS, {}, AbortSignal.timeout(150)).then(() => 'answered', (e: Error) => e.name)
  t.equal(gaveUp, 'TimeoutError')
  const pending = post(sim, '/api/login', SANDBOX_CREDENTIALS).then(() => 'answered', () => 'connection closed')
  await new Promise((r) => setTimeout(r, 100))
  const started = Date.now()
  await sim.close()
  t.ok(Date.now() - started < 1000, 'close() did not wait for the hung request')
  t.equal(await pending, 'connection closed')
})
