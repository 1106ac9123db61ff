import t from 'tap'
import { DEFAULT_CHANNEL_CODES, DEFAULT_DATABASE_CODES, DEFAULT_STATUS_CODES } from '../../../connectors/national-portal/config.js'
import {
  parseAgencyList, parseDossierState, parseProcedure, parseProcedureList, readBatchReply, readLogin, readReply, SessionRejectedError, type ErrorCodeSets, type WireTables,
} from '../../../connectors/national-portal/wire.js'
import { renderProcedure } from '../../../connectors/national-portal/simulator-portal.js'
import { sandboxProcedures, SANDBOX_PROCEDURES } from '../../../connectors/national-portal/sandbox-catalogue.js'

const codes: ErrorCodeSets = { session: new Set(['-1']), transient: new Set(['-9', '503']) }
const tables: WireTables = { statusCodes: { ...DEFAULT_STATUS_CODES }, channelCodes: { ...DEFAULT_CHANNEL_CODES }, databaseCodes: { ...DEFAULT_DATABASE_CODES } }
const json = (v: unknown) => Buffer.from(JSON.stringify(v))

/** kind, upstreamCode, upstreamReason of a failed read; 'ok' otherwise. */
function outcome(r: ReturnType<typeof readReply>): unknown {
  if (r.ok) return 'ok'
  return { kind: r.error.kind, upstreamCode: r.error.upstreamCode, upstreamReason: r.error.upstreamReason, session: r.error instanceof SessionRejectedError }
}

t.test('success is error_code 0 or "00", as a number or a string; data (or OpenCPS\'s result) is handed on', async (t) => {
  t.strictSame(readReply(json({ error_code: 0, data: [1] }), codes, 'getDossier'), { ok: true, value: [1] })
  t.strictSame(readReply(json({ error_code: '00', data: { a: 1 } }), codes, 'getDossier'), { ok: true, value: { a: 1 } })
  t.strictSame(readReply(json({ error_code: '0', result: [2] }), codes, 'getDossier'), { ok: true, value: [2] })
  t.strictSame(readReply(json({ error_code: ' 00 ' }), codes, 'syncDossier'), { ok: true, value: undefined })
})

t.test('error codes: session → re-login signal, transient → unavailable, anything else → rejected with the portal\'s reason', async (t) => {
  t.strictSame(outcome(readReply(json({ error_code: -1, message: 'Phiên hết hạn' }), codes, 'syncDossier')), { kind: 'unauthorized', upstreamCode: '-1', upstreamReason: undefined, session: true })
  t.strictSame(outcome(readReply(json({ error_code: '-1' }), codes, 'syncDossier')), { kind: 'unauthorized', upstreamCode: '-1', upstreamReason: undefined, session: true }, 'string and number are the same code')
  t.strictSame(outcome(readReply(json({ error_code: '-9', message: 'bận' }), codes, 'syncDossier')), { kind: 'unavailable', upstreamCode: '-9', upstreamReason: undefined, session: false })
  t.strictSame(outcome(readReply(json({ error_code: 503 }), codes, 'getProcedure')), { kind: 'unavailable', upstreamCode: '503', upstreamReason: undefined, session: false })
  t.strictSame(outcome(readReply(json({ error_code: '2', message: ' Thiếu thông tin\n bắt buộc: NgayTiepNhan ' }), codes, 'syncDossier')),
    { kind: 'rejected', upstreamCode: '2', upstreamReason: 'Thiếu thông tin bắt buộc: NgayTiepNhan', session: false })
  const r = readReply(json({ error_code: 'E<1>', message: 'x'.repeat(900) }), codes, 'updateProgress')
  t.match(r, { ok: false, error: { kind: 'rejected', upstreamCode: 'E?1?', message: 'The national portal refused the progress update (error code E?1?).' } })
  t.equal(!r.ok && r.error.upstreamReason?.length, 500, 'the reason is bounded')
  const custom = { session: new Set(['401']), transient: new Set(['-1']) }
  t.strictSame(outcome(readReply(json({ error_code: -1 }), custom, 'getDossier')), { kind: 'unavailable', upstreamCode: '-1', upstreamReason: undefined, session: false }, 'the code lists are config')
})

t.test('unusable replies are bad_response', async (t) => {
  const kinds = ['{"error_code":0,"data":[{"MaHo', '[]', 'null', '{"data":[]}', '{"error_code":null}', '{"error_code":""}', '{"error_code":1.5}', '<html>502</html>']
    .map((body) => { const r = readReply(Buffer.from(body), codes, 'getDossier'); return r.ok ? 'ok' : r.error.kind })
  t.strictSame(kinds, Array(8).fill('bad_response'))
  const invalidUtf8 = readReply(Buffer.from([0x7b, 0xff, 0x7d]), codes, 'getDossier')
  t.match(invalidUtf8, { ok: false, error: { kind: 'bad_response', message: /UTF-8 JSON/ } })
})

t.test('login: the token, or unauthorized with the code (transient codes stay unavailable)', async (t) => {
  t.strictSame(readLogin(json({ error_code: 0, session: 'abc' }), codes), { ok: true, value: 'abc' })
  t.strictSame(readLogin(json({ error_code: '00', session: 'abc' }), codes), { ok: true, value: 'abc' })
  t.match(readLogin(json({ error_code: 1, message: 'Sai mật khẩu' }), codes), { ok: false, error: { kind: 'unauthorized', upstreamCode: '1', upstreamReason: 'Sai mật khẩu', message: /check connectors\.national-portal username, password and dstcode/ } })
  t.match(readLogin(json({ error_code: '-1' }), codes), { ok: false, error: { kind: 'unauthorized', upstreamCode: '-1' } })
  t.match(readLogin(json({ error_code: '-9' }), codes), { ok: false, error: { kind: 'unavailable', upstreamCode: '-9' } })
  t.match(readLogin(json({ error_code: 0 }), codes), { ok: false, error: { kind: 'bad_response', message: /without a session token/ } })
  t.match(readLogin(json({ error_code: 0, session: 42 }), codes), { ok: false, error: { kind: 'bad_response' } })
})

t.test('TraCuuHoSo: status through the table (reverse), dates back to RFC 3339 +07:00, none = null', async (t) => {
  const record = { MaHoSo: 'HS-1', TrangThaiHoSo: '10', NgayTiepNhan: '20240301083000', NgayHenTra: '', NgayTra: '20240305071500' }
  t.strictSame(parseDossierState([record], 'HS-1', tables), { code: 'HS-1', statusCode: 10, status: 'returned', receivedAt: '2024-03-01T08:30:00+07:00', returnedAt: '2024-03-05T07:15:00+07:00' })
  t.strictSame(parseDossierState({ ...record, TrangThaiHoSo: 4 }, 'HS-1', tables), { code: 'HS-1', statusCode: 4, status: 'processing', receivedAt: '2024-03-01T08:30:00+07:00', returnedAt: '2024-03-05T07:15:00+07:00' }, 'a single object, a numeric code')
  t.strictSame(parseDossierState([{ MaHoSo: 'HS-1', TrangThaiHoSo: '42' }], 'HS-1', tables), { code: 'HS-1', statusCode: 42 }, 'a code outside the table has no status')
  t.equal(parseDossierState([], 'HS-1', tables), null)
  t.equal(parseDossierState(null, 'HS-1', tables), null)
  t.throws(() => parseDossierState([{ ...record, MaHoSo: 'HS-2' }], 'HS-1', tables), { kind: 'bad_response', message: /not the one asked for/ })
  t.throws(() => parseDossierState([{ ...record, NgayTiepNhan: '2024-03-01' }], 'HS-1', tables), { kind: 'bad_response', message: /NgayTiepNhan is not a yyyyMMddHHmmss time/ })
  t.throws(() => parseDossierState([{ MaHoSo: 'HS-1' }], 'HS-1', tables), { kind: 'bad_response', message: /TrangThaiHoSo is missing/ })
  t.throws(() => parseDossierState('nope', 'HS-1', tables), { kind: 'bad_response', message: /not a record list/ })
})

t.test('every seeded procedure survives the simulator\'s rendering and the connector\'s parsing unchanged', async (t) => {
  const broken = sandboxProcedures().filter((p) => JSON.stringify(parseProcedure([renderProcedure(p)], p.code, tables)) !== JSON.stringify(p))
  t.strictSame(broken.map((p) => p.code), [])
})

t.test('LayThuTuc record mapping', async (t) => {
  const wire = {
    MATTHC: '1.001193', TENTTHC: 'Đăng ký khai sinh', MACOQUANCONGBO: '',
    LINHVUCTHUCHIEN: [{ MALINHVUC: 'HT', TENLINHVUC: 'Hộ tịch' }],
    CACHTHUCTHUCHIEN: [{ KENH: 2, THOIGIAN: '1 ngày' }, { KENH: '9', THOIGIAN: 'x' }, { KENH: '3', PHILEPHI: '0 đồng' }],
    THANHPHANHOSO: [{ MAGIAYTO: 'GT.001', TENGIAYTO: 'CCCD', MALOAIGIAYTO: 'CCCD' }, { MAGIAYTO: 'GT.002', TENGIAYTO: 'Tờ khai' }],
    KETQUATHUCHIEN: [{ MAKETQUA: 'KQ.001', TENKETQUA: 'Giấy khai sinh' }],
    COQUANTHUCHIEN: [{ MACOQUAN: '000.01.20.H34', TENCOQUAN: 'UBND phường' }],
    TRANGTHAI: 0,
  }
  t.strictSame(parseProcedure({ result: 'ignored', ...wire }, '1.001193', tables), {
    code: '1.001193', name: 'Đăng ký khai sinh',
    fields: [{ code: 'HT', name: 'Hộ tịch' }],
    channels: [{ channel: 'online', timeLimit: '1 ngày' }, { channel: 'post', fee: '0 đồng' }],
    requiredPapers: [{ code: 'GT.001', name: 'CCCD', documentType: 'CCCD' }, { code: 'GT.002', name: 'Tờ khai' }],
    results: [{ code: 'KQ.001', name: 'Giấy khai sinh' }],
    agencies: [{ code: '000.01.20.H34', name: 'UBND phường' }],
    active: false,
  })
  const { LINHVUCTHUCHIEN: _l, CACHTHUCTHUCHIEN: _c, THANHPHANHOSO: _p, KETQUATHUCHIEN: _k, COQUANTHUCHIEN: _a, TRANGTHAI: _s, ...bare } = wire
  t.strictSame(parseProcedure([bare], '1.001193', tables), { code: '1.001193', name: 'Đăng ký khai sinh', fields: [], channels: [], requiredPapers: [], results: [], agencies: [], active: true }, 'absent lists are empty, absent TRANGTHAI is in force')
  t.equal(parseProcedure([], '1.001193', tables), null)
  t.throws(() => parseProcedure([{ ...wire, THANHPHANHOSO: [{ TENGIAYTO: 'x' }] }], '1.001193', tables), { kind: 'bad_response', message: /MAGIAYTO is missing/ })
  t.throws(() => parseProcedure([{ ...wire, KETQUATHUCHIEN: 'x' }], '1.001193', tables), { kind: 'bad_response', message: /KETQUATHUCHIEN is not a list/ })
  t.throws(() => parseProcedure([{ ...wire, MATTHC: '1.000894' }], '1.001193', tables), { kind: 'bad_response', message: /not the one asked for/ })
  t.equal(parseProcedure([renderProcedure(sandboxProcedures().find((p) => p.code === SANDBOX_PROCEDURES.withdrawn)!)], SANDBOX_PROCEDURES.withdrawn, tables)?.active, false)
})

t.test('lists: procedure summaries and agencies with their parent', async (t) => {
  t.strictSame(parseProcedureList([{ MATTHC: '1.001193', TENTTHC: 'Đăng ký khai sinh', MACOQUANCONGBO: 'x' }]), [{ code: '1.001193', name: 'Đăng ký khai sinh' }])
  t.strictSame(parseProcedureList(null), [])
  t.strictSame(parseAgencyList([{ MACOQUAN: '000.00.00.H34', TENCOQUAN: 'UBND tỉnh', MACOQUANCHA: '' }, { MACOQUAN: '000.00.05.H34', TENCOQUAN: 'Sở Tư pháp', MACOQUANCHA: '000.00.00.H34' }]),
    [{ code: '000.00.00.H34', name: 'UBND tỉnh' }, { code: '000.00.05.H34', name: 'Sở Tư pháp', parentCode: '000.00.00.H34' }])
  t.throws(() => parseAgencyList([{ MACOQUAN: 'x' }]), { kind: 'bad_response', message: /agency\.TENCOQUAN is missing/ })
  t.throws(() => parseProcedureList([1, 2]), { kind: 'bad_response', message: /not a record list/ })
})

t.test('a per-record answer to a call of several dossiers is matched by the code each outcome echoes, else by position', async (t) => {
  const sent = ['HS-1', 'HS-2', 'HS-3']
  const per = (r: ReturnType<typeof readBatchReply>) => (r.ok ? r.value?.map((o) => (o.ok ? 'ok' : `${o.error.kind} ${o.error.upstreamCode}`)) ?? null : `whole: ${r.error.kind}`)
  const refused = { error_code: '2', message: 'sai' }
  t.strictSame(per(readBatchReply(json({ error_code: 2, data: [{ MaHoSo: 'HS-1', error_code: 0 }, { MaHoSo: 'HS-2', ...refused }, { MaHoSo: 'HS-3', error_code: '00' }] }), codes, sent)), ['ok', 'rejected 2', 'ok'])
  t.strictSame(per(readBatchReply(json({ error_code: 2, data: [{ MaHoSo: 'HS-3', error_code: 0 }, { MaHoSo: 'HS-1', ...refused }, { MaHoSo: 'HS-2', error_code: '-9' }] }), codes, sent)),
    ['rejected 2', 'unavailable -9', 'ok'], 'another order: each outcome goes to the dossier it names')
  t.strictSame(per(readBatchReply(json({ error_code: 2, data: [{ error_code: 0 }, refused, { error_code: 0 }] }), codes, sent)), ['ok', 'rejected 2', 'ok'], 'no code echoed: by position')
  t.equal(per(readBatchReply(json({ error_code: 2, data: [{ MaHoSo: 'HS-2', ...refused }] }), codes, sent)), null, 'fewer outcomes than records: unmatched')
  t.equal(per(readBatchReply(json({ error_code: 2, data: [{ MaHoSo: 'HS-1', error_code: 0 }, { MaHoSo: 'HS-1', error_code: 0 }, { MaHoSo: 'HS-3', error_code: 0 }] }), codes, sent)), null, 'a code twice: unmatched')
  t.equal(per(readBatchReply(json({ error_code: 0, data: [{ MaHoSo: 'HS-1', error_code: 0 }, { MaHoSo: 'HS-9', error_code: 0 }, { MaHoSo: 'HS-3', error_code: 0 }] }), codes, sent)), null, 'a code not sent: unmatched')
  t.strictSame(per(readBatchReply(json({ error_code: 0 }), codes, sent)), ['ok', 'ok', 'ok'], 'plain success: every record taken')
  t.equal(per(readBatchReply(json({ error_code: '-9' }), codes, sent)), 'whole: unavailable', 'a failure that names no record is the whole call\'s')
})
