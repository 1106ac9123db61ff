/**
 * The portal's payment platform, version 1.0.6 (reference `dvcqg-sync.md` §5, from HV's
 * `DvcPaymentService.cs`): JSON POSTs with `Authorization: Bearer`, messages `INIT` (start; the
 * reply's `message` is JSON text holding `UrlThanhToan`), `QUERY` (status: `TrangThaiGD` 1 paid,
 * 3 pending, 4 failed) and `GET_BILL` (the PDF e-receipt), and the platform's callback. Each
 * message carries `MaXacThuc`: lowercase hex SHA-256 (a plain hash, not an HMAC) of its fields in
 * the listed order, `ThongTinBienLai` and `MaXacThuc` left out, joined by `|`, with the shared
 * secret as the last field. `ThoiGianGD` is `yyyyMMddHHmmss` in Vietnam time (HV formats it with a
 * 12-hour clock, which we take for a bug).
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import { UpstreamError } from '../../src/upstream/errors.js'
import { fromPortalTime, toPortalTime } from './vn-time.js'

export const PAYMENT_VERSION = '1.0.6'

/** Field order of each message, as the checksum reads them. */
export const CHECKSUM_FIELDS = {
  INIT: ['LoaiBanTin', 'PhienBan', 'MaDoiTac', 'MaThamChieu', 'SoTien', 'LoaiHinhThanhToan', 'MaKenhThanhToan', 'MaThietBi', 'NgonNgu', 'MaTienTe', 'MaNganHang', 'ThongTinGiaoDich', 'ThoiGianGD', 'Ip'],
  QUERY: ['LoaiBanTin', 'PhienBan', 'MaDoiTac', 'MaThamChieu', 'ThoiGianGD'],
  GET_BILL: ['LoaiBanTin', 'PhienBan', 'MaDoiTac', 'MaThamChieu', 'ThoiGianGD'],
  CALLBACK: ['LoaiBanTin', 'MaLoi', 'MaDoiTac', 'MaThamChieu', 'SoTien', 'MaTienTe', 'MaGiaoDich', 'MaNganHang', 'ThoiGianGD', 'ThongTinGiaoDich'],
} as const

type Json = Record<string, unknown>
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const str = (v: unknown) => (typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : '')

export function checksum(message: Json, fields: readonly string[], secret: string): string {
  return createHash('sha256').update([...fields.map((f) => str(message[f])), secret].join('|'), 'utf8').digest('hex')
}

/** A message with its `MaXacThuc`. */
export function sign(message: Json, kind: keyof typeof CHECKSUM_FIELDS, secret: string): Json {
  return { ...message, MaXacThuc: checksum(message, CHECKSUM_FIELDS[kind], secret) }
}

export interface PaymentStart {
  reference: string
  amount: number
  description: string
  dossierCode: string
  procedureCode: string
  agencyCode: string
  payerName: string
  payerId: string
  fees: Array<{ name: string; amount: number; code?: string | undefined }>
  ip: string
  at: string
}

export interface PaymentParty {
  partnerCode: string
  serviceCode: string
  beneficiaryAccount: string
  beneficiaryBank: string
  secret: string
}

export function buildInit(p: PaymentStart, party: PaymentParty): Json {
  const message: Json = {
    LoaiBanTin: 'INIT', PhienBan: PAYMENT_VERSION, MaDoiTac: party.partnerCode, MaThamChieu: p.reference, SoTien: String(p.amount),
    LoaiHinhThanhToan: 'PAY', MaKenhThanhToan: '1', MaThietBi: '1', NgonNgu: 'vi-VN', MaTienTe: 'VND', MaNganHang: 'PAYMENT',
    ThongTinGiaoDich: p.description, ThoiGianGD: toPortalTime(p.at)!, Ip: p.ip,
  }
  return {
    ...sign(message, 'INIT', party.secret),
    ThongTinBienLai: {
      MaDichVu: '2', MaDVC: party.serviceCode, MaTTHC: p.procedureCode, MaDonVi: p.agencyCode, MaHoSo: p.dossierCode,
      TKThuHuong: party.beneficiaryAccount, MaNHThuHuong: party.beneficiaryBank, HoTenNguoiNop: p.payerName, SoCMNDNguoiNop: p.payerId,
      NoiDungThanhToan: p.description,
      PhiLePhi: p.fees.map((f) => ({ LoaiPhiLePhi: '2', MaPhiLePhi: f.code ?? '', TenPhiLePhi: f.name, SoTien: String(f.amount) })),
      DSKhoanNop: [],
    },
  }
}

export const buildLookup = (kind: 'QUERY' | 'GET_BILL', reference: string, at: string, party: PaymentParty): Json =>
  sign({ LoaiBanTin: kind, PhienBan: PAYMENT_VERSION, MaDoiTac: party.partnerCode, MaThamChieu: reference, ThoiGianGD: toPortalTime(at)! }, kind, party.secret)

const bad = (what: string) => new UpstreamError('bad_response', `The payment platform sent an unusable reply: ${what}.`)

function open(body: Buffer): Json {
  let v: unknown
  try {
    v = JSON.parse(body.toString('utf8'))
  } catch {
    throw bad('not JSON')
  }
  if (!isObject(v)) throw bad('not a JSON object')
  return v
}

/** INIT reply → the payment page URL. */
export function readInit(body: Buffer): string {
  const reply = open(body)
  if (str(reply['error_code']) !== '0') throw new UpstreamError('rejected', `The payment platform refused to start the payment (error code ${str(reply['error_code']).slice(0, 10)}).`)
  let inner: unknown = reply['message']
  try {
    if (typeof inner === 'string') inner = JSON.parse(inner)
  } catch {
    throw bad('message is not JSON text')
  }
  const url = isObject(inner) ? str(inner['UrlThanhToan']) : ''
  if (!/^https?:\/\//.test(url)) throw bad('no UrlThanhToan')
  return url
}

export type PaymentState = 'paid' | 'pending' | 'failed'
const STATE: Record<string, PaymentState> = { '1': 'paid', '3': 'pending', '4': 'failed' }

export interface PaymentStatus {
  reference: string
  state: PaymentState
  amount: number
  transactionId: string | null
  bank: string | null
  at: string | null
}

/** QUERY reply → the status; `null` when the platform knows no such payment. */
export function readQuery(body: Buffer, reference: string): PaymentStatus | null {
  const r = open(body)
  const code = str(r['MaLoi'])
  if (code !== '00') {
    if (code === '01') return null
    throw new UpstreamError('rejected', `The payment platform refused the status lookup (MaLoi ${code.slice(0, 10)}).`)
  }
  if (str(r['MaThamChieu']) !== reference) throw bad('the status is of another payment')
  const state = STATE[str(r['TrangThaiGD'])]
  if (state === undefined) throw bad('TrangThaiGD is not 1, 3 or 4')
  return { reference, state, amount: Number(str(r['SoTien'])), transactionId: str(r['MaGiaoDich']) || null, bank: str(r['MaNganHang']) || null, at: fromPortalTime(str(r['ThoiGianGD'])) ?? null }
}

export interface CallbackResult extends PaymentStatus {
  /** Unique per callback message: a second arrival of it is a replay. */
  key: string
}

/** The platform's callback, its checksum checked (constant time). A bad checksum is `unauthorized`, a bad record `rejected`. */
export function readCallback(body: unknown, party: Pick<PaymentParty, 'partnerCode' | 'secret'>): CallbackResult {
  if (!isObject(body)) throw new UpstreamError('rejected', 'The payment callback is not a JSON object.')
  const given = Buffer.from(str(body['MaXacThuc']).toLowerCase(), 'utf8')
  const expected = Buffer.from(checksum(body, CHECKSUM_FIELDS.CALLBACK, party.secret), 'utf8')
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new UpstreamError('unauthorized', 'The payment callback\'s MaXacThuc does not match its fields: refused.')
  if (str(body['MaDoiTac']) !== party.partnerCode) throw new UpstreamError('rejected', 'The payment callback is for another partner (MaDoiTac).')
  const reference = str(body['MaThamChieu'])
  const amount = Number(str(body['SoTien']))
  const at = fromPortalTime(str(body['ThoiGianGD']))
  if (reference === '' || !Number.isSafeInteger(amount) || at === undefined) throw new UpstreamError('rejected', 'The payment callback lacks MaThamChieu, a whole SoTien or a yyyyMMddHHmmss ThoiGianGD.')
  return {
    reference, amount, at, state: str(body['MaLoi']) === '00' ? 'paid' : 'failed',
    transactionId: str(body['MaGiaoDich']) || null, bank: str(body['MaNganHang']) || null, key: expected.toString('utf8'),
  }
}
