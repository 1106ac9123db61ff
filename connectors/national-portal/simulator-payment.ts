/**
 * The simulator's payment platform (version 1.0.6, payment.ts): INIT, QUERY and GET_BILL on one
 * path, each checked for its bearer token and MaXacThuc; `POST /__sim/payments/<ref>/settle
 * {outcome, callbackUrl}` plays the payer finishing (or failing) on the payment page: the state
 * changes and the platform's signed callback is POSTed to `callbackUrl`; the answer shows what was
 * sent, so a test can replay it.
 */
import { randomBytes } from 'node:crypto'
import { CHECKSUM_FIELDS, checksum, sign } from './payment.js'
import { toPortalTime } from './vn-time.js'

export const SANDBOX_PAYMENT = Object.freeze({
  path: '/api/dvcpayment', token: 'sandbox-payment-token-not-real', secret: 'sandbox-payment-secret-not-real', partnerCode: 'SANDBOX-H48',
  serviceCode: 'DVC-H48', beneficiaryAccount: '0000000000000', beneficiaryBank: 'SANDBOXBANK',
})

type Json = Record<string, unknown>
interface Payment { amount: string; state: '1' | '3' | '4'; transactionId: string; at: string }
const reply = (status: number, body: unknown) => ({ status, body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body), type: Buffer.isBuffer(body) ? 'application/pdf' : 'application/json; charset=utf-8' })

/** A one-page PDF: enough for a client to recognise and store. */
const receipt = (ref: string) => Buffer.from(`%PDF-1.4\n% Bien lai dien tu ${ref}\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n`, 'latin1')

export function createPaymentPlatform() {
  const payments = new Map<string, Payment>()
  const now = () => toPortalTime(new Date().toISOString())!

  function handle(route: string, authorization: string | undefined, body: unknown, selfUrl: string) {
    if (route !== SANDBOX_PAYMENT.path) return undefined
    if (authorization !== `Bearer ${SANDBOX_PAYMENT.token}`) return reply(401, { error_code: '401', message: 'Unauthorized' })
    const m = (body ?? {}) as Json
    const kind = m['LoaiBanTin'] as keyof typeof CHECKSUM_FIELDS
    if (!['INIT', 'QUERY', 'GET_BILL'].includes(String(kind))) return reply(200, { error_code: '99', message: 'LoaiBanTin không hợp lệ' })
    if (m['MaXacThuc'] !== checksum(m, CHECKSUM_FIELDS[kind], SANDBOX_PAYMENT.secret)) return reply(200, { error_code: '02', MaLoi: '02', message: 'Sai mã xác thực' })
    const ref = String(m['MaThamChieu'] ?? '')
    if (kind === 'INIT') {
      if (payments.has(ref)) return reply(200, { error_code: '03', message: 'Mã tham chiếu đã tồn tại' })
      if (!/^\d+$/.test(String(m['SoTien']))) return reply(200, { error_code: '04', message: 'Số tiền không hợp lệ' })
      payments.set(ref, { amount: String(m['SoTien']), state: '3', transactionId: '', at: now() })
      return reply(200, { error_code: '0', message: JSON.stringify({ UrlThanhToan: `${selfUrl}/__sim/payments/${encodeURIComponent(ref)}/page` }) })
    }
    const p = payments.get(ref)
    if (!p) return reply(200, { MaLoi: '01', MoTaLoi: 'Không tìm thấy giao dịch' })
    if (kind === 'GET_BILL') return p.state === '1' ? reply(200, receipt(ref)) : reply(200, { MaLoi: '05', MoTaLoi: 'Giao dịch chưa thanh toán' })
    return reply(200, { MaLoi: '00', MoTaLoi: 'Thành công', MaThamChieu: ref, SoTien: p.amount, MaGiaoDich: p.transactionId, MaNganHang: 'SANDBOXBANK', ThoiGianGD: p.at, TrangThaiGD: p.state })
  }

  /** The payer finished on the payment page: new state, and the signed callback to send. */
  function settle(ref: string, outcome: 'paid' | 'failed'): Json | undefined {
    const p = payments.get(ref)
    if (!p) return undefined
    p.state = outcome === 'paid' ? '1' : '4'
    p.transactionId = `GD${randomBytes(6).toString('hex').toUpperCase()}`
    p.at = now()
    return sign({
      LoaiBanTin: 'CONFIRM', MaLoi: outcome === 'paid' ? '00' : '09', MaDoiTac: SANDBOX_PAYMENT.partnerCode, MaThamChieu: ref, SoTien: p.amount,
      MaTienTe: 'VND', MaGiaoDich: p.transactionId, MaNganHang: 'SANDBOXBANK', ThoiGianGD: p.at, ThongTinGiaoDich: `Thanh toan ${ref}`,
    }, 'CALLBACK', SANDBOX_PAYMENT.secret)
  }

  return { handle, settle }
}
