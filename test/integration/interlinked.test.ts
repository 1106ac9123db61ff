/**
 * The national portal's pulled interlinked flow (birth/death registrations filed through VNeID),
 * end to end through real HTTP: the sandbox portal simulator plays the interlinked platform (items
 * in the nesting HV's `KhaiSinhKhaiTuService.cs` reads, status reports validated and recorded),
 * a receiver plays the one-stop software. A pulled item becomes a routed `dossier.submitted`
 * event, its files are served by the hub, and moving the dossier on reports its status back with
 * the right `trangThai` and time format, through the outbox: a fault is retried and the report
 * lands once; a report the platform refuses is a dead letter.
 */
import t from 'tap'
import pg from 'pg'
import { createHash, randomBytes } from 'node:crypto'
import { DEMO_KEY, startTestHub, TEST_DATABASE_URL } from '../helpers/hub.js'
import { startReceiver } from '../helpers/receiver.js'
import { sha256Hex } from '../../src/plugins/auth.js'
import { snapshot, waitFor } from '../helpers/dossier.js'

const ONE_STOP = `whsec_${Buffer.from(`one-stop-${randomBytes(8).toString('hex')}`).toString('base64')}`
const OTHER_KEY = 'other-province-key-not-a-secret'
const STATUS_PATH = '/api/lienthongdvclt/hosolienthong/capnhattrangthai'

/** `dd/MM/yyyy HH:mm:ss` read as Vietnam time (UTC+7) → epoch ms. */
const vnMs = (v: string) => {
  const m = /^(\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2}):(\d{2})$/.exec(v)
  return m ? Date.UTC(+m[3]!, +m[2]! - 1, +m[1]!, +m[4]! - 7, +m[5]!, +m[6]!) : NaN
}

t.test('an interlinked item: routed event, its files, and its status reported back', async (t) => {
  const receiver = await startReceiver({ secret: ONE_STOP })
  t.teardown(() => receiver.close())
  const hub = await startTestHub('postgres', {
    subscribers: [{ name: 'one-stop', url: `${receiver.url}/hooks`, secrets: [ONE_STOP], agencies: ['*.H48'] }],
    webhooks: { scheduleMs: [0, 200, 200], timeoutMs: 2000 },
    portalInbound: { pollEveryMs: 0, maxFileBytes: 1024, statusDelivery: { retry: { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 300 } } },
    sync: { reconcileEveryMs: 300, staleAfterMs: 1000, keepFinishedMs: 3000 },
    clients: [{ name: 'other-province', keySha256: sha256Hex(OTHER_KEY), scopes: ['dossiers:read'], agencies: ['*.H44'] }],
  })
  t.teardown(() => hub.close())
  const db = new pg.Client({ connectionString: TEST_DATABASE_URL })
  await db.connect()
  t.teardown(() => db.end())
  const sim = hub.simulators['national-portal']!.url
  const simJson = async (path: string, init?: { method: string; body: unknown }) =>
    (await fetch(`${sim}${path}`, init ? { method: init.method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(init.body) } : {})).json() as Promise<any>

  const pdf = Buffer.from('%PDF-1.4 giay chung sinh')
  const sha = createHash('sha256').update(pdf).digest('hex')
  const file = (name: string, data: Buffer, withdrawn = 0) => ({ id: 7, loaiGiayTo: 1, tenGiayTo: name, tenTepDinhKem: `${name}.pdf`, huyGiayTo: withdrawn, duLieuTepDinhKem: data.toString('base64') })
  const item = (id: string, maHoSo: string, hoTich: Record<string, string>, files: unknown[]) => ({
    id, maDonVi: 23011, maTTHC: '1.001193', module: 'KS', maHoSo, ngayTiepNhan: '20261120081500', techId: 'techid-vneid-42', hoTich, fileDinhKem: files,
  })
  const requester = { nycHoTen: 'Trần Thị Mai', nycSoGiayToTuyThan: '051190001234', nycSoDienThoai: '0905123456', nksHoTen: 'Trần Minh An' }
  const good = `KS-${randomBytes(3).toString('hex')}`
  const statusesOf = async (code: string) => ((await simJson('/__sim/interlinked')).statuses as any[]).filter((s) => s.body.soHoSoLT === code).map((s) => s.body)
  const report = (trangThai: number, extra: Record<string, unknown> = {}) => ({
    maTTHC: '1.001193', soHoSoLT: good, coQuanXuLy: 5, maHoSo: good, trangThai, thoiGianThucHien: extra['thoiGianThucHien'] ?? '', ghiChu: '', ketQuaXuLy: '',
    nguoiXuLy: '', chucDanh: '', phongBanXuLy: '', noiDungXuLy: '', ngayBatDau: '', ngayKetThucTheoQuyDinh: '', ngayHenTraTruoc: '', ngayHenTraMoi: '', hanBoSungHoSo: '', ...extra,
  })

  await t.test('the poll: an event with its papers, unreadable items quarantined, all acknowledged', async (t) => {
    for (const i of [
      item('201', good, requester, [file('Giấy chứng sinh', pdf), file('Bản cũ', Buffer.from('old'), 1)]),
      item('202', `KS-${randomBytes(3).toString('hex')}`, { nksHoTen: 'no requester' }, []),
      item('203', `KS-${randomBytes(3).toString('hex')}`, requester, [file('Quá lớn', Buffer.alloc(2000, 1))]),
    ]) t.strictSame(await simJson('/__sim/interlinked/items', { method: 'POST', body: i }), { id: i.id })
    const poll = await hub.call('/admin/portal-inbound/poll', { method: 'POST' })
    t.strictSame([poll.status, poll.body], [200, { taken: 3 }])
    const [delivered] = await receiver.waitFor(1)
    t.strictSame((delivered!.body as any).data, {
      dossierCode: good, procedureCode: '1.001193', procedureName: 'Đăng ký khai sinh',
      applicant: { type: 'citizen', id: '051190001234', name: 'Trần Thị Mai', phone: '0905123456', portalAccountId: 'techid-vneid-42', vneidVerified: true },
      submittedAt: '2026-11-20T08:15:00+07:00',
      papers: [{ code: '1', name: 'Giấy chứng sinh', url: `urn:lgsp-hub:portal-file:${sha}`, sha256: sha }],
      agencyCode: '000.00.00.H48',
    }, 'the withdrawn paper (huyGiayTo 1) is left out, as HV does')
    t.strictSame((await simJson('/__sim/interlinked')).items.map((i: any) => i.acknowledged), [true, true, true])
    const quarantined = (await hub.call('/admin/portal-inbound/quarantined')).body.items.filter((i: any) => i.channel === 'interlinked')
    t.match(quarantined, [
      { name: 'KS', key: 'interlinked:202', reason: /nycHoTen, nycSoGiayToTuyThan/ },
      { name: 'KS', key: 'interlinked:203', reason: /A file cannot be kept: .*maxFileBytes/ },
    ])
  })

  await t.test('its file: served by digest with the type its bytes show, to its agency only, audited', async (t) => {
    const res = await fetch(`${hub.url}/v1/portal/files/${sha}`, { headers: { authorization: `Bearer ${DEMO_KEY}`, 'x-officer-id': 'CB-9', 'x-purpose': good } })
    t.equal(res.status, 200)
    t.equal(res.headers.get('content-type'), 'application/pdf')
    t.match(res.headers.get('content-disposition'), /Giay chung sinh\.pdf/)
    t.ok(Buffer.from(await res.arrayBuffer()).equals(pdf), 'the bytes as the platform sent them')
    t.equal((await hub.call(`/v1/portal/files/${sha}`, { headers: { authorization: `Bearer ${OTHER_KEY}` } })).status, 404, 'another province\'s client')
    t.equal((await hub.call(`/v1/portal/files/${sha}`, { headers: { 'x-purpose': '' } })).status, 400, 'no purpose')
    t.equal((await hub.call(`/v1/portal/files/${'0'.repeat(64)}`)).status, 404)
    const audit = await db.query(`SELECT client, officer_id, purpose FROM ${hub.schema}.audit_log WHERE operation = 'files.read'`)
    t.strictSame(audit.rows, [{ client: 'sandbox-demo', officer_id: 'CB-9', purpose: good }])
  })

  await t.test('moving the dossier on reports each new status, latest and once', async (t) => {
    const [taken] = await waitFor('trangThai 1 (taken)', async () => (await statusesOf(good)).length > 0 && statusesOf(good))
    t.strictSame(taken, report(1, { thoiGianThucHien: taken.thoiGianThucHien }))
    t.ok(Math.abs(vnMs(taken.thoiGianThucHien) - Date.now()) < 60_000, `thoiGianThucHien ${taken.thoiGianThucHien} is now, in Vietnam time`)

    const base = { procedureCode: '1.001193', agencyCode: '000.00.00.H48' }
    const put = (version: number, extra: Record<string, unknown>) => hub.call(`/v1/dossiers/${good}`, { method: 'PUT', body: snapshot(version, { ...base, ...extra } as any) })
    t.equal((await put(1, { status: 'received' })).status, 202)
    t.equal((await put(2, { status: 'received', note: 'same status, new version' })).status, 202)
    const step = { id: 'st-1', officer: 'Nguyễn Văn Cán', unit: 'Bộ phận tư pháp', at: '2026-11-21T09:00:00+07:00', content: 'Chuyển hồ sơ sang hệ thống hộ tịch', status: 'processing' }
    t.equal((await hub.call(`/v1/dossiers/${good}/progress`, { body: step })).status, 202)
    const got = await waitFor('trangThai 3 and 7', async () => { const s = await statusesOf(good); return s.length >= 3 && s })
    t.strictSame(got.slice(1), [
      report(3, { thoiGianThucHien: got[1].thoiGianThucHien, noiDungXuLy: 'MCĐT Tiếp nhận hồ sơ', ngayBatDau: '20/11/2026 08:30:00', ngayKetThucTheoQuyDinh: '25/11/2026 17:00:00' }),
      report(7, { thoiGianThucHien: '21/11/2026 09:00:00', nguoiXuLy: 'Nguyễn Văn Cán', phongBanXuLy: 'Bộ phận tư pháp', noiDungXuLy: 'Chuyển hồ sơ sang hệ thống hộ tịch' }),
    ], 'version 2 kept the status: no second 3')
  })

  await t.test('a fault is retried and the report lands once; a refused one is a dead letter', async (t) => {
    await simJson('/__sim/faults', { method: 'POST', body: { status: 500, count: 1, paths: [STATUS_PATH] } })
    const results = [{ name: 'Giấy khai sinh', resultCode: 'KQ.G15.000031', url: 'https://mot-cua.example.invalid/kq/1.pdf' }]
    const put = (version: number, status: string) => hub.call(`/v1/dossiers/${good}`, { method: 'PUT', body: snapshot(version, { procedureCode: '1.001193', agencyCode: '000.00.00.H48', status, results } as any) })
    t.equal((await put(3, 'processed')).status, 202)
    const done = await waitFor('trangThai 4', async () => { const s = (await statusesOf(good)).filter((b) => b.trangThai === 4); return s.length > 0 && s })
    t.equal(done.length, 1, 'delivered once')
    t.equal(JSON.parse(done[0].ketQuaXuLy)[0].maGiayToKetQua, 'KQ.G15.000031')
    t.equal((await simJson('/__sim/stats')).faults.status, 1, 'the first attempt met the fault')
    t.equal((await put(4, 'returned')).status, 202)
    await waitFor('trangThai 5', async () => (await statusesOf(good)).some((b) => b.trangThai === 5))
    t.equal((await put(5, 'rejected')).status, 202, 'after the result was returned the platform takes no more')
    const dead = await waitFor('a dead letter', async () => {
      const list = (await hub.call('/admin/dead-letters?target=interlinked-status')).body.items
      return list.length > 0 && list
    })
    t.match(dead, [{ target: 'interlinked-status', dossierCode: good, kind: 'message', lastError: /rejected.*không được cập nhật trạng thái/ }])
    const queues = (await hub.call('/admin/queues')).body.targets['interlinked-status']
    t.match(queues, { pending: 0, retrying: 0, dead: 1 })
    t.strictSame((await statusesOf(good)).map((b) => b.trangThai), [1, 3, 7, 4, 5])
  })

  await t.test('delivered reports age out after sync.keepFinishedMs; the dead one stays for operators', async (t) => {
    const rows = async () => (await db.query(`SELECT state, count(*)::int AS n FROM ${hub.schema}.outbox WHERE target = 'interlinked-status' GROUP BY state ORDER BY state`)).rows
    await waitFor('the finished reports pruned', async () => { const r = await rows(); return r.length === 1 && r }, 20_000, 200)
    t.strictSame(await rows(), [{ state: 'dead', n: 1 }])
  })
})
