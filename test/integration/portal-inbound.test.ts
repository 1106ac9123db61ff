/**
 * Inbound from the national portal in its own formats, through a sandbox hub with a one-stop
 * receiver: pushes forwarded through the data-exchange adapter (reference dvcqg-sync.md §5; the
 * bodies below are written from its field lists) become routed `dossier.submitted` /
 * `dossier.payment_updated` events, the raw body is kept, a resend is a duplicate, and what
 * cannot be read is a 400 and a quarantined item. The pulled interlinked flow is in interlinked.test.ts.
 */
import t from 'tap'
import pg from 'pg'
import { randomBytes } from 'node:crypto'
import { startTestHub, TEST_DATABASE_URL } from '../helpers/hub.js'
import { startReceiver } from '../helpers/receiver.js'
import { sha256Hex } from '../../src/plugins/auth.js'
import { pushEvents } from '../../connectors/national-portal/simulator-push.js'

const ONE_STOP = `whsec_${Buffer.from(`one-stop-${randomBytes(8).toString('hex')}`).toString('base64')}`
const ADAPTER_KEY = 'portal-adapter-key-not-a-secret'
const PORTAL = `whsec_${Buffer.from(`portal-${randomBytes(8).toString('hex')}`).toString('base64')}`

t.test('forwarded pushes become routed events', async (t) => {
  const receiver = await startReceiver({ secret: ONE_STOP })
  t.teardown(() => receiver.close())
  const hub = await startTestHub('postgres', {
    webhooks: { scheduleMs: [0, 200, 200], timeoutMs: 2000, nationalPortal: { secrets: [PORTAL] } },
    // A subscriber configured before the merger, for the old Kon Tum city: it still gets its communes' events.
    subscribers: [{ name: 'kon-tum-one-stop', url: `${receiver.url}/hooks`, secrets: [ONE_STOP], agencies: ['*.20.H34', '*.00.00.H48'] }],
    portalInbound: { pollEveryMs: 0 },
    sync: { reconcileEveryMs: 300, staleAfterMs: 1000 },
    clients: [{ name: 'portal-adapter', keySha256: sha256Hex(ADAPTER_KEY), scopes: ['portal:forward'] }],
    connectors: { 'national-portal': { enabled: true, forwardAgencies: { addtthcKhuyenMai: '000.00.20.H34', nhantbthuedvcqg: '000.00.61.H48' } } },
  })
  t.teardown(() => hub.close())
  const db = new pg.Client({ connectionString: TEST_DATABASE_URL })
  await db.connect()
  t.teardown(() => db.end())
  const forward = (name: string, body: unknown, key = ADAPTER_KEY) => hub.call(`/v1/portal/forward/${name}`, { body, headers: { authorization: `Bearer ${key}` } })
  const code = `G22.99-${randomBytes(3).toString('hex')}`

  await t.test('a trade-promotion notice (addtthcKhuyenMai) → dossier.submitted, routed by the new code, raw kept', async (t) => {
    const record = {
      MaHoSo: code, MaTTHC: '2.000002', MaSoThue: '6100123456', TenThuongNhan: 'Công ty TNHH Thương mại Ví Dụ',
      DiaChiDoanhNghiep: { MaTinh: '51', MaHuyen: '', MaXa: '21700', DiaChiChiTiet: '12 Trần Phú, phường Kon Tum' },
      DienThoai: '0260123456', Email: 'lienhe@example.vn', NguoiLienHe: 'Nguyễn Văn B', URLTepDangKy: 'https://dichvucong.example.invalid/f/dk.pdf',
      TaiLieuNop: [{ TenTepDinhKem: 'Thể lệ.pdf', Base64: Buffer.from('the le chuong trinh').toString('base64') }],
    }
    const res = await forward('addtthcKhuyenMai', record)
    t.equal(res.status, 202, JSON.stringify(res.body))
    t.match(res.body, { error_code: 0, eventId: /^fwd_addtthcKhuyenMai_/ })
    const [delivered] = await receiver.waitFor(1)
    t.equal(delivered!.type, 'dossier.submitted')
    const body = delivered!.body as any
    t.strictSame(body.data, {
      dossierCode: code, procedureCode: '2.000002', procedureName: '',
      applicant: { type: 'business', id: '6100123456', name: 'Công ty TNHH Thương mại Ví Dụ', phone: '0260123456', email: 'lienhe@example.vn', address: '12 Trần Phú, phường Kon Tum' },
      submittedAt: body.data.submittedAt,
      papers: [
        { code: 'DON', name: 'Đơn đăng ký', url: 'https://dichvucong.example.invalid/f/dk.pdf' },
        { code: 'TL1', name: 'Thể lệ.pdf', url: `urn:lgsp-hub:portal-file:${sha256Hex('the le chuong trinh')}`, sha256: sha256Hex('the le chuong trinh') },
      ],
      agencyCode: '000.00.61.H48', originalAgencyCode: '000.00.20.H34',
    })
    const raw = await db.query(`SELECT state, raw FROM ${hub.schema}.portal_inbound WHERE event_id = $1`, [res.body.eventId])
    t.strictSame(raw.rows, [{ state: 'accepted', raw: record }], 'the raw push is kept as received')
    const file = await hub.call(`/v1/portal/files/${sha256Hex('the le chuong trinh')}`)
    t.strictSame([file.status, file.body], [200, 'the le chuong trinh'], 'the inline file is served by its digest')

    const again = await forward('addtthcKhuyenMai', record)
    t.equal(again.status, 200)
    t.match(again.body, { error_code: 1, eventId: res.body.eventId })
  })

  await t.test('a land-tax payment voucher (nhantbthuedvcqg / NhanChungTuThueDat) → dossier.payment_updated', async (t) => {
    const push = {
      service: 'NhanChungTuThueDat', isUpdating: false,
      data: {
        MaHoSo: code, HoTenNguoiNopTien: 'Nguyễn Văn B', SoCMTNguoiNopTien: '062090001234', DiaChiNguoiNopTien: 'phường Kon Tum',
        UrlFileChungTu: 'https://dichvucong.example.invalid/ct.pdf',
        ThongTinThanhToan: { MaThongBaoThue: 'TB-2026-0001', ThoiGianThanhToan: '20261120093000', SoTien: 1500000, NoiDungThanhToan: 'Tiền sử dụng đất', TrangThaiThanhToan: 1 },
      },
    }
    const res = await forward('nhantbthuedvcqg', push)
    t.equal(res.status, 202, JSON.stringify(res.body))
    const events = await receiver.waitFor(2)
    const paid = events.find((e) => e.type === 'dossier.payment_updated')!.body as any
    t.strictSame(paid.data, { dossierCode: code, amount: 1500000, status: 'paid', transactionId: 'TB-2026-0001', paidAt: '2026-11-20T09:30:00+07:00', agencyCode: '000.00.61.H48' })
    t.notOk(JSON.stringify(paid).includes('062090001234'), 'the payer\'s ID is not in the event (it stays in the raw push)')
  })

  await t.test('what cannot be read: 400 problem+json, kept and listed as quarantined; a stranger is refused', async (t) => {
    const bad = await forward('nhanhsdvcqg', { service: 'X', isUpdating: true, data: { MaTTHC: '1.000001', ChuHoSo: 'A', SoGiayToChuHoSo: '062090001234' } })
    t.equal(bad.status, 400)
    t.match(bad.body, { code: 'VALIDATION_FAILED', detail: /MaHoSo is missing.*quarantined/ })
    const wrongTime = await forward('nhantbthuedvcqg', { service: 'NhanChungTuThueDat', data: { MaHoSo: 'HS-1', ThongTinThanhToan: { MaThongBaoThue: 'x', SoTien: 1, TrangThaiThanhToan: 1, ThoiGianThanhToan: 'hôm qua' } } })
    t.equal(wrongTime.status, 400)
    t.equal((await forward('khongco', {})).status, 400, 'an unknown forwarded name')
    const list = await hub.call('/admin/portal-inbound/quarantined')
    t.equal(list.status, 200)
    t.strictSame(list.body.items.map((i: any) => [i.channel, i.name, i.reason.split(':')[1]?.trim().split('.')[0]]), [
      ['forward', 'nhanhsdvcqg', 'MaHoSo is missing'],
      ['forward', 'nhantbthuedvcqg', 'ThongTinThanhToan'],
      ['forward', 'khongco', 'no forwarded service is named "khongco"'],
    ])
    const before = await db.query(`SELECT count(*)::int AS n FROM ${hub.schema}.portal_inbound`)
    const nul = await forward('addtthcKhuyenMai', { MaHoSo: `${code}-nul`, MaTTHC: '2.000002', MaSoThue: '6100123456', TenThuongNhan: 'A\u0000B', Ghi: 'x\u0000y' })
    t.equal(nul.status, 400, 'U+0000 (which PostgreSQL cannot store) is a 400 naming the field, no 5xx')
    t.match(nul.body, { code: 'VALIDATION_FAILED', errors: [{ message: /U\+0000/ }] })
    t.strictSame((await db.query(`SELECT count(*)::int AS n FROM ${hub.schema}.portal_inbound`)).rows, before.rows, 'a refused push is not taken')
    t.equal((await forward('addtthcKhuyenMai', {}, 'not-a-key')).status, 401)
    t.equal((await hub.call('/v1/portal/forward/addtthcKhuyenMai', { body: {} })).status, 400, 'the demo client has every scope; an empty record is unreadable')
  })

  await t.test('a signed webhook naming an old Kon Tum code is routed by the new code, the old one kept', async (t) => {
    const before = receiver.received.length
    const data = { dossierCode: `${code}-wh`, agencyCode: '000.01.20.H34', status: 'processing', changedAt: '2026-11-21T09:00:00+07:00' }
    const [pushed] = await pushEvents({ url: `${hub.url}/v1/webhooks/national-portal`, secret: PORTAL, events: [{ type: 'dossier.status_changed', data }] })
    t.equal(pushed!.status, 202, pushed!.body)
    const events = await receiver.waitFor(before + 1)
    t.strictSame((events.at(-1)!.body as any).data, { ...data, agencyCode: '000.00.61.H48', originalAgencyCode: '000.01.20.H34' })
  })
})
