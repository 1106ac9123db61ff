/**
 * The `DongBoHoSoMC` dossier record, field by field (reference `dvcqg-sync.md` §2): ONE table
 * per record level, each row the wire field, where its value comes from, and how it is encoded.
 * docs/sync.md repeats these tables (a test keeps the wire names in step). Every field is always
 * sent, as peers do: '' or [] when the snapshot has nothing. Values are strings, as peers send
 * them, except the counts of `DanhSachTepDinhKemKhac` (integers in the peers' DTOs).
 *
 * Personal data: the applicant's ID goes only in `SoGiayToChuHoSo` and `DinhDanhCHS`; the
 * portal account id (not the personal ID) in `MaDoiTuong`; a result's document code (which
 * starts with its owner's ID) is never sent.
 */
import { UpstreamError } from '../../src/upstream/errors.js'
import type { DossierStatus } from '../../schemas/dossier.js'
import type { Channel } from './config.js'
import type { DossierRecordInput } from '../../schemas/portal.js'
import { toPortalTime } from './vn-time.js'
import { dossierDatabases, dossierHasDigitizedComponent, paperDigitized, paperReused } from '../../src/sync/hub-facts.js'

export interface RecordTables {
  statusCodes: Record<DossierStatus, number>
  /** KenhThucHien per channel. */
  channelCodes: Record<Channel, number>
  /** MaCSDL per national database; a database without a code is not listed. */
  databaseCodes: Partial<Record<string, string>>
}

type D = DossierRecordInput
type Paper = NonNullable<D['documents']>[number]
type Fee = NonNullable<D['fees']>[number]
type Supplement = NonNullable<D['supplements']>[number]
type Result = NonNullable<D['results']>[number]
type OtherPaper = NonNullable<D['otherPapers']>[number]

/** One wire field: its name, what it carries (for docs), and its value. */
export interface FieldRow<T> {
  wire: string
  from: string
  value: (source: T, ctx: Ctx) => unknown
}

interface Ctx {
  d: D
  tables: RecordTables
  /** Where in the snapshot, for the message of a time that is no date-time. */
  at: string
  /** Position in its list (0 for the dossier itself). */
  index: number
}

/** LoaiDoiTuong per applicant type. */
const APPLICANT_TYPE = { citizen: '1', business: '2', agency: '3', organisation: '4' } as const
/** HinhThuc: how the result is returned (0 at the desk, 1 by public postal service). */
const RESULT_DELIVERY = { desk: '0', post: '1' } as const
/** NoiNopHoSo (unconfirmed: HV always sends 2 for its own system). */
const SUBMITTED_VIA = { portal: '1', local: '2' } as const
/** DuocThanhToanTrucTuyen (766 §3.6: 1 on the portal, 2 through a ministry or provincial gateway). */
const ONLINE_PAYMENT = { none: '0', portal: '1', gateway: '2' } as const
/** LoaiPhiLePhi (unverified): 1 phí (a charge), 2 lệ phí (a fee). */
const FEE_KIND = { charge: '1', fee: '2' } as const
/** DinhDanhCHS.LoaiDinhDanh: 1 = 12-digit personal ID, 2 = 9-digit ID card. */
const ID_KIND = (id: string) => (/^[0-9]{12}$/.test(id) ? '1' : /^[0-9]{9}$/.test(id) ? '2' : undefined)

const flag = (b: boolean) => (b ? '1' : '0')
const opt = (v: string | undefined) => v ?? ''

/** An absent time is sent as '' (the portal's "not set"); a value that is no date-time stops the call. */
export function time(value: string | undefined, field: string): string {
  if (value === undefined) return ''
  const t = toPortalTime(value)
  if (t === undefined) throw new UpstreamError('rejected', `The value of ${field} is not an RFC 3339 date-time; nothing was sent to the national portal.`)
  return t
}

/** DuocSoHoa and DuocTaiSuDung: the hub's one definition (src/sync/hub-facts.ts), shared with the indicators. */
const digitized = (p: Paper) => paperDigitized(p)
const reused = (p: Paper, ctx: Ctx) => paperReused(p, ctx.d.facts)

export const PAPER_FIELDS: ReadonlyArray<FieldRow<Paper>> = [
  { wire: 'TepDinhKemId', from: 'documents[].id', value: (p) => p.id },
  { wire: 'TenTepDinhKem', from: 'documents[].name', value: (p) => p.name },
  { wire: 'IsDeleted', from: 'documents[].deleted → "True" / "False"', value: (p) => (p.deleted === true ? 'True' : 'False') },
  { wire: 'MaThanhPhanHoSo', from: 'documents[].componentCode', value: (p) => opt(p.componentCode) },
  { wire: 'DuongDanTaiTepTin', from: 'documents[].url', value: (p) => opt(p.url) },
  { wire: 'DuocSoHoa', from: 'documents[].digitized, else url + sha256 given → "1"/"0"', value: (p) => flag(digitized(p)) },
  { wire: 'DuocTaiSuDung', from: 'documents[].reused, else documentCode + sha256 in the document store → "1"/"0"', value: (p, ctx) => flag(reused(p, ctx)) },
  { wire: 'DuocLayTuKhoDMQG', from: 'documents[].fromPortalDataStore → "1"/"0"', value: (p) => flag(p.fromPortalDataStore === true) },
  { wire: 'MaKetQuaThayThe', from: 'documents[].replacesResult', value: (p) => opt(p.replacesResult) },
]

export const FEE_FIELDS: ReadonlyArray<FieldRow<Fee>> = [
  { wire: 'TenPhiLePhi', from: 'fees[].name', value: (f) => f.name },
  { wire: 'MaPhiLePhi', from: 'fees[].code', value: (f) => opt(f.code) },
  { wire: 'HinhThucThu', from: 'fees[].paymentMethod', value: (f) => opt(f.paymentMethod) },
  { wire: 'Gia', from: 'fees[].amount, as a string of VND', value: (f) => String(f.amount) },
  { wire: 'LoaiPhiLePhi', from: 'fees[].kind: charge "1", fee "2"', value: (f) => (f.kind === undefined ? '' : FEE_KIND[f.kind]) },
]

/** One record: its fields in table order (a loop: it runs for every field of every dossier delivered). */
function rows<T>(table: ReadonlyArray<FieldRow<T>>, source: T, ctx: Ctx): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const f of table) out[f.wire] = f.value(source, ctx)
  return out
}
const each = <T>(table: ReadonlyArray<FieldRow<T>>, items: readonly T[] | undefined, ctx: Ctx, where: string) =>
  (items ?? []).map((item, i) => rows(table, item, { ...ctx, at: `${where}[${i}]`, index: i }))

export const SUPPLEMENT_FIELDS: ReadonlyArray<FieldRow<Supplement>> = [
  { wire: 'HoSoBoSungId', from: 'supplements[].id, else its position (1, 2, …)', value: (s, c) => s.id ?? String(c.index + 1) },
  { wire: 'NguoiYeuCauBoSung', from: 'supplements[].requestedBy', value: (s) => opt(s.requestedBy) },
  { wire: 'NoiDungBoSung', from: 'supplements[].reason', value: (s) => s.reason },
  { wire: 'NgayBoSung', from: 'supplements[].requestedAt', value: (s, c) => time(s.requestedAt, `${c.at}.requestedAt`) },
  { wire: 'NguoiTiepNhanBoSung', from: 'supplements[].receivedBy', value: (s) => opt(s.receivedBy) },
  { wire: 'ThongTinTiepNhan', from: 'supplements[].receiptNote', value: (s) => opt(s.receiptNote) },
  { wire: 'NgayTiepNhanBoSung', from: 'supplements[].suppliedAt', value: (s, c) => time(s.suppliedAt, `${c.at}.suppliedAt`) },
  { wire: 'TrangThaiBoSung', from: '"1" once suppliedAt is set, else "0"', value: (s) => flag(s.suppliedAt !== undefined) },
  { wire: 'DanhSachGiayToBoSung', from: 'supplements[].papers, each as a TaiLieuNop item', value: (s, c) => each(PAPER_FIELDS, s.papers, c, `${c.at}.papers`) },
  { wire: 'DanhSachLePhiBoSung', from: 'supplements[].fees, each as a DanhSachLePhi item', value: (s, c) => each(FEE_FIELDS, s.fees, c, `${c.at}.fees`) },
  { wire: 'NgayHenTraTruoc', from: 'supplements[].previousDossierDueAt', value: (s, c) => time(s.previousDossierDueAt, `${c.at}.previousDossierDueAt`) },
  { wire: 'NgayHenTraMoi', from: 'supplements[].newDossierDueAt', value: (s, c) => time(s.newDossierDueAt, `${c.at}.newDossierDueAt`) },
]

export const RESULT_FIELDS: ReadonlyArray<FieldRow<Result>> = [
  { wire: 'TenGiayTo', from: 'results[].name', value: (r) => r.name },
  { wire: 'MaThanhPhanHoSo', from: 'results[].componentCode', value: (r) => opt(r.componentCode) },
  { wire: 'GiayToId', from: 'results[].id (never documentCode: it starts with the owner\'s ID)', value: (r) => opt(r.id) },
  { wire: 'DuongDanTepTinKetQua', from: 'results[].url', value: (r) => opt(r.url) },
  { wire: 'MaGiayToKetQua', from: 'results[].resultCode', value: (r) => opt(r.resultCode) },
]

export const OTHER_PAPER_FIELDS: ReadonlyArray<FieldRow<OtherPaper>> = [
  { wire: 'TenGiayTo', from: 'otherPapers[].name', value: (o) => o.name },
  { wire: 'SoLuong', from: 'otherPapers[].count (integer)', value: (o) => o.count },
  { wire: 'LoaiGiayTo', from: 'otherPapers[].kind (integer)', value: (o) => o.kind },
]

const databases = (d: D) => dossierDatabases(d, d.facts)
const anyDigitized = (d: D, _ctx: Ctx) => dossierHasDigitizedComponent(d, d.facts)

export const DOSSIER_FIELDS: ReadonlyArray<FieldRow<D>> = [
  { wire: 'MaHoSo', from: 'code', value: (d) => d.code },
  { wire: 'MaTTHC', from: 'procedureCode', value: (d) => d.procedureCode },
  { wire: 'TenTTHC', from: 'procedureName', value: (d) => opt(d.procedureName) },
  { wire: 'MaLinhVuc', from: 'fieldCode', value: (d) => opt(d.fieldCode) },
  { wire: 'TenLinhVuc', from: 'fieldName', value: (d) => opt(d.fieldName) },
  { wire: 'SoBienNhan', from: 'receiptNumber', value: (d) => opt(d.receiptNumber) },
  { wire: 'KenhThucHien', from: 'channel: in_person "1", online "2", post "3" (config channelCodes)', value: (d, c) => String(c.tables.channelCodes[d.channel]) },
  { wire: 'ChuHoSo', from: 'applicant.name', value: (d) => d.applicant.name },
  { wire: 'SoGiayToChuHoSo', from: 'applicant.id (personal ID or enterprise/agency code)', value: (d) => d.applicant.id },
  { wire: 'LoaiDoiTuong', from: 'applicant.type: citizen "1", business "2", agency "3", organisation "4"', value: (d) => APPLICANT_TYPE[d.applicant.type] },
  { wire: 'MaDoiTuong', from: 'applicant.portalAccountId (portal TechID), else ""', value: (d) => opt(d.applicant.portalAccountId) },
  { wire: 'DinhDanhCHS', from: 'citizen applicant.id: [{LoaiDinhDanh "1" (12 digits) / "2" (9 digits), SoDinhDanh}], else []', value: (d) => {
    const kind = d.applicant.type === 'citizen' ? ID_KIND(d.applicant.id) : undefined
    return kind === undefined ? [] : [{ LoaiDinhDanh: kind, SoDinhDanh: d.applicant.id }]
  } },
  { wire: 'ThongTinKhac', from: 'applicant.address', value: (d) => opt(d.applicant.address) },
  { wire: 'Email', from: 'applicant.email', value: (d) => opt(d.applicant.email) },
  { wire: 'Fax', from: '(none)', value: () => '' },
  { wire: 'SoDienThoai', from: 'applicant.phone', value: (d) => opt(d.applicant.phone) },
  { wire: 'TrichYeuHoSo', from: 'summary', value: (d) => opt(d.summary) },
  { wire: 'NgayNopHoSo', from: 'submittedAt, else receivedAt', value: (d) => time(d.submittedAt ?? d.receivedAt, d.submittedAt ? 'submittedAt' : 'receivedAt') },
  { wire: 'NgayTiepNhan', from: 'receivedAt', value: (d) => time(d.receivedAt, 'receivedAt') },
  { wire: 'NgayHenTra', from: 'dueAt', value: (d) => time(d.dueAt, 'dueAt') },
  { wire: 'TrangThaiHoSo', from: 'status (config statusCodes, reference §3)', value: (d, c) => String(c.tables.statusCodes[d.status]) },
  { wire: 'NgayTuChoi', from: 'rejectedAt', value: (d) => time(d.rejectedAt, 'rejectedAt') },
  { wire: 'NgayTra', from: 'returnedAt', value: (d) => time(d.returnedAt, 'returnedAt') },
  { wire: 'ThongTinTra', from: 'returnNote', value: (d) => opt(d.returnNote) },
  { wire: 'HinhThuc', from: 'resultDelivery: desk "0" (default), post "1"', value: (d) => RESULT_DELIVERY[d.resultDelivery ?? 'desk'] },
  { wire: 'NgayKetThucXuLy', from: 'processedAt', value: (d) => time(d.processedAt, 'processedAt') },
  { wire: 'DonViXuLy', from: 'handlingUnit (a unit name), else ""', value: (d) => opt(d.handlingUnit) },
  { wire: 'GhiChu', from: 'note', value: (d) => opt(d.note) },
  { wire: 'NoiNopHoSo', from: 'submittedVia: portal "1", local "2" (default; unconfirmed)', value: (d) => SUBMITTED_VIA[d.submittedVia ?? 'local'] },
  { wire: 'HoSoCoThanhPhanSoHoa', from: 'hasDigitizedComponent, else a paper with DuocSoHoa or DuocTaiSuDung "1"', value: (d, c) => flag(anyDigitized(d, c)) },
  { wire: 'TaiKhoanDuocXacThucVoiVNeID', from: 'applicant.vneidVerified → "1"/"0"', value: (d) => flag(d.applicant.vneidVerified === true) },
  { wire: 'DuocThanhToanTrucTuyen', from: 'onlinePayment: none "0" (default), portal "1", gateway "2"', value: (d) => ONLINE_PAYMENT[d.onlinePayment ?? 'none'] },
  { wire: 'DSKetNoiCSDL', from: 'connectedDatabases, else the hub\'s lookups with X-Purpose = code: [{MaCSDL}] (config databaseCodes)', value: (d, c) =>
    databases(d).flatMap((db) => (c.tables.databaseCodes[db] === undefined ? [] : [{ MaCSDL: c.tables.databaseCodes[db] }])) },
  { wire: 'TaiLieuNop', from: 'documents[] (table PAPER_FIELDS)', value: (d, c) => each(PAPER_FIELDS, d.documents, c, 'documents') },
  { wire: 'DanhSachLePhi', from: 'fees[] (table FEE_FIELDS)', value: (d, c) => each(FEE_FIELDS, d.fees, c, 'fees') },
  { wire: 'DanhSachTepDinhKemKhac', from: 'otherPapers[] (table OTHER_PAPER_FIELDS)', value: (d, c) => each(OTHER_PAPER_FIELDS, d.otherPapers, c, 'otherPapers') },
  { wire: 'DanhSachHoSoBoSung', from: 'supplements[] (table SUPPLEMENT_FIELDS)', value: (d, c) => each(SUPPLEMENT_FIELDS, d.supplements, c, 'supplements') },
  { wire: 'DanhSachGiayToKetQua', from: 'results[] (table RESULT_FIELDS)', value: (d, c) => each(RESULT_FIELDS, d.results, c, 'results') },
]

/** One `DongBoHoSoMC` dossier record. */
export function buildDossierRecord(d: D, tables: RecordTables): Record<string, unknown> {
  return rows(DOSSIER_FIELDS, d, { d, tables, at: '', index: 0 })
}
