/** Payment platform operations of the national-portal connector (wire format in payment.ts). */
import type { UpstreamClient } from '../../src/upstream/client.js'
import { UpstreamError } from '../../src/upstream/errors.js'
import type { OperationDef } from '../../src/upstream/types.js'
import { implement } from '../../src/upstream/contract.js'
import { PaymentCallbackRead, PaymentQuery, PaymentStart, ReceiptGet } from '../../src/contracts/portal.js'
import type { ResolvedNationalPortalConfig } from './config.js'
import { buildInit, buildLookup, readCallback, readInit, readQuery, type PaymentParty, type PaymentStart as PaymentStartFields } from './payment.js'

export function paymentOperations(config: ResolvedNationalPortalConfig, createClient: (baseUrl: string) => UpstreamClient): Record<string, OperationDef<any, any>> {
  const c = config.payment
  if (c === undefined) return {}
  const party: PaymentParty = { partnerCode: c.partnerCode, serviceCode: c.serviceCode, beneficiaryAccount: c.beneficiaryAccount, beneficiaryBank: c.beneficiaryBank, secret: c.secret }
  const client = createClient(c.baseUrl)
  const headers = { 'content-type': 'application/json; charset=utf-8', authorization: `Bearer ${c.token}` }
  const post = async (message: unknown, idempotent: boolean, signal: AbortSignal) =>
    (await client.request({ method: 'POST', path: c.path ?? '/api/dvcpayment', headers, body: JSON.stringify(message), idempotent, signal })).body

  const startPayment = implement(PaymentStart, {
    description: 'Starts a payment of a dossier\'s fees on the portal\'s payment platform (INIT); returns the page the payer goes to.',
    timeoutMs: 10_000, idempotent: false,
    run: async (input, op) => ({ payUrl: readInit(await post(buildInit(input satisfies PaymentStartFields, party), false, op.signal)) }),
  })
  const queryPayment = implement(PaymentQuery, {
    description: 'The platform\'s status of a payment (QUERY); null when it knows none with this reference.',
    timeoutMs: 5000, idempotent: true,
    run: async (input, op) => readQuery(await post(buildLookup('QUERY', input.reference, new Date().toISOString(), party), true, op.signal), input.reference),
  })
  const getReceipt = implement(ReceiptGet, {
    description: 'The e-receipt of a paid payment (GET_BILL), a PDF, base64.',
    timeoutMs: 10_000, idempotent: true,
    async run(input, op) {
      const body = await post(buildLookup('GET_BILL', input.reference, new Date().toISOString(), party), true, op.signal)
      if (body.subarray(0, 5).toString('latin1') !== '%PDF-') throw new UpstreamError('bad_response', 'The payment platform\'s receipt is not a PDF.')
      return { pdfBase64: body.toString('base64') }
    },
  })
  const readPaymentCallback = implement(PaymentCallbackRead, {
    description: 'Checks a callback of the payment platform (MaXacThuc) and reads it. Makes no call.',
    timeoutMs: 1000, idempotent: true,
    run: async (input) => readCallback(input.body, party),
  })
  return { startPayment, queryPayment, getReceipt, readPaymentCallback }
}
