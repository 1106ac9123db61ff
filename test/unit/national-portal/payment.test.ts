/**
 * The payment platform's MaXacThuc (reference dvcqg-sync.md §5): SHA-256, lowercase hex, of the
 * message's fields in their listed order joined by "|", with the secret as the last field. The
 * expected digests are computed here by hand, independently of payment.ts.
 */
import t from 'tap'
import { createHash } from 'node:crypto'
import { buildInit, buildLookup, readCallback, readQuery } from '../../../connectors/national-portal/payment.js'

const sha = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex')
const party = { partnerCode: 'DT01', serviceCode: 'DVC01', beneficiaryAccount: '123', beneficiaryBank: 'BANK', secret: 'bí-mật' }

t.test('INIT and QUERY carry the checksum over their own fields; the receipt block is left out of it', async (t) => {
  const init = buildInit({
    reference: 'HS-1.a', amount: 11000, description: 'Thanh toan', dossierCode: 'HS-1', procedureCode: '1.001193', agencyCode: '000.00.61.H48',
    payerName: 'Nguyễn Văn An', payerId: '062090001234', fees: [{ name: 'Lệ phí', amount: 11000 }], ip: '10.0.0.1', at: '2026-11-20T02:30:00Z',
  }, party)
  t.equal(init['MaXacThuc'], sha('INIT|1.0.6|DT01|HS-1.a|11000|PAY|1|1|vi-VN|VND|PAYMENT|Thanh toan|20261120093000|10.0.0.1|bí-mật'))
  t.match(init['ThongTinBienLai'], { MaHoSo: 'HS-1', SoCMNDNguoiNop: '062090001234', MaDonVi: '000.00.61.H48' })
  t.strictSame(buildLookup('QUERY', 'HS-1.a', '2026-11-20T02:30:00Z', party), {
    LoaiBanTin: 'QUERY', PhienBan: '1.0.6', MaDoiTac: 'DT01', MaThamChieu: 'HS-1.a', ThoiGianGD: '20261120093000',
    MaXacThuc: sha('QUERY|1.0.6|DT01|HS-1.a|20261120093000|bí-mật'),
  })
})

t.test('a callback is taken only with its checksum; TrangThaiGD and MaLoi read', async (t) => {
  const fields = { LoaiBanTin: 'CONFIRM', MaLoi: '00', MaDoiTac: 'DT01', MaThamChieu: 'HS-1.a', SoTien: '11000', MaTienTe: 'VND', MaGiaoDich: 'GD1', MaNganHang: 'BANK', ThoiGianGD: '20261120093000', ThongTinGiaoDich: 'tt' }
  const MaXacThuc = sha('CONFIRM|00|DT01|HS-1.a|11000|VND|GD1|BANK|20261120093000|tt|bí-mật')
  t.match(readCallback({ ...fields, MaXacThuc }, party), { reference: 'HS-1.a', state: 'paid', amount: 11000, transactionId: 'GD1', at: '2026-11-20T09:30:00+07:00', key: MaXacThuc })
  t.match(readCallback({ ...fields, MaLoi: '09', MaXacThuc: sha('CONFIRM|09|DT01|HS-1.a|11000|VND|GD1|BANK|20261120093000|tt|bí-mật') }, party), { state: 'failed' })
  t.throws(() => readCallback({ ...fields, SoTien: '1', MaXacThuc }, party), { kind: 'unauthorized', message: /MaXacThuc/ })
  t.throws(() => readCallback({ ...fields, MaXacThuc: MaXacThuc.toUpperCase().slice(1) }, party), { kind: 'unauthorized', message: /MaXacThuc/ })
  const json = (v: unknown) => Buffer.from(JSON.stringify(v))
  t.match(readQuery(json({ MaLoi: '00', MaThamChieu: 'R', SoTien: '5', MaGiaoDich: 'G', TrangThaiGD: '3', ThoiGianGD: '20261120093000' }), 'R'), { state: 'pending', amount: 5 })
  t.equal(readQuery(json({ MaLoi: '01' }), 'R'), null)
  t.throws(() => readQuery(json({ MaLoi: '00', MaThamChieu: 'other', TrangThaiGD: '1' }), 'R'), { kind: 'bad_response', message: /another payment/ })
})
