/** Payment platform operations of the national-portal connector (wire format in payment.ts). */
import { Type } from 'typebox'
import type { UpstreamClient } from '../../src/upstream/client.js'
import { UpstreamError } from '../../src/upstream/errors.js'
import type { OperationDef } from '../../src/upstream/types.js'
import type { ResolvedNationalPortalConfig } from './config.js'
import { buildInit, buildLookup, readCallback, readInit, readQuery, type PaymentParty, type PaymentStart } from './payment.js'

const Status = Type.Object({
  reference: Type.String(), state: Type.Enum(['paid', 'pending', 'failed']), amount: Type.Number(),
  transactionId: Type.Union([Type.String(), Type.Null()]), bank: Type.Union([Type.String(), Type.Null()]), at: Type.Union([Type.String(), Type.Null()]),
})

export function paymentOperations(config: ResolvedNationalPortalConfig, createClient: (baseUrl: string) => UpstreamClient): Record<string, OperationDef> {
  const c = config.payment
  if (c === undefined) return {}
  const party: PaymentParty = { partnerCode: c.partnerCode, serviceCode: c.serviceCode, beneficiaryAccount: c.beneficiaryAccount, beneficiaryBank: c.beneficiaryBank, secret: c.secret }
  const client = createClient(c.baseUrl)
  const headers = { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${c.token}` }
  const post = async (message: unknown, idempotent: boolean, signal: AbortSignal) =>
    (await client.request({ method: 'POST', path: c.path ?? '/api/dvcpayment', headers, body: JSON.stringify(message), idempotent, signal })).body

  const startPayment: OperationDef = {
    description: 'Starts a payment of a dossier\'s fees on the portal\'s payment platform (INIT); returns the page the payer goes to.',
    input: Type.Unknown(), output: Type.Object({ payUrl: Type.String() }), timeoutMs: 10_000, idempotent: false,
    run: async (input, op) => ({ payUrl: readInit(await post(buildInit(input as PaymentStart, party), false, op.signal)) }),
  }
  const queryPayment: OperationDef = {
    description: 'The platform\'s status of a payment (QUERY); null when it knows none with this reference.',
    input: Type.Object({ reference: Type.String() }), output: Type.Union([Status, Type.Null()]), timeoutMs: 5000, idempotent: true,
    async run(input, op) {
      const { reference } = input as { reference: string }
      return readQuery(await post(buildLookup('QUERY', reference, new Date().toISOString(), party), true, op.signal), reference)
    },
  }
  const getReceipt: OperationDef = {
    description: 'The e-receipt of a paid payment (GET_BILL), a PDF, base64.',
    input: Type.Object({ reference: Type.String() }), output: Type.Object({ pdfBase64: Type.String() }), timeoutMs: 10_000, idempotent: true,
    async run(input, op) {
      const body = await post(buildLookup('GET_BILL', (input as { reference: string }).reference, new Date().toISOString(), party), true, op.signal)
      if (body.subarray(0, 5).toString('latin1') !== '%PDF-') throw new UpstreamError('bad_response', 'The payment platform\'s receipt is not a PDF.')
      return { pdfBase64: body.toString('base64') }
    },
  }
  const readPaymentCallback: OperationDef = {
    description: 'Checks a callback of the payment platform (MaXacThuc) and reads it. Makes no call.',
    input: Type.Object({ body: Type.Unknown() }), output: Type.Unknown(), timeoutMs: 1000, idempotent: true,
    run: async (input) => readCallback((input as { body: unknown }).body, party),
  }
  return { startPayment, queryPayment, getReceipt, readPaymentCallback }
}
