/**
 * Payments of a dossier's fees through the national portal's payment platform (src/payments):
 * start one, read its status, fetch the e-receipt, and the platform's callback (public: its
 * MaXacThuc checksum is the authentication; a replay is refused).
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import type { Logger } from 'pino'
import { PersonalDataHeaders } from '../../schemas/api/common.js'
import { DossierParams } from '../../schemas/api/dossiers.js'
import type { DossierSnapshot } from '../../schemas/dossier.js'
import { forbidden, GatewayError, notFound } from '../errors.js'
import { agencyMatcher } from '../agencies.js'
import { auditedCall } from '../audited-call.js'
import { PaymentStart } from '../contracts/portal.js'
import { isUpstreamError } from '../upstream/errors.js'
import type { ConnectorRegistry } from '../upstream/registry.js'
import type { AuditLog } from '../audit/types.js'
import type { SyncService } from '../sync/index.js'
import type { PaymentService } from '../payments/index.js'

const problem = (description: string) => ({ ...Type.Ref('Problem'), description })
const Payment = Type.Object({
  reference: Type.String({ description: 'MaThamChieu on the payment platform' }),
  dossierCode: Type.String(), agencyCode: Type.String(), amount: Type.Integer({ description: 'VND' }),
  state: Type.Enum(['started', 'pending', 'paid', 'failed']),
  transactionId: Type.Union([Type.String(), Type.Null()]), payUrl: Type.Union([Type.String(), Type.Null()], { description: 'The payment page to send the payer to' }),
  createdAt: Type.String(), updatedAt: Type.String(),
})

interface Deps { payments: PaymentService; sync: SyncService; registry: ConnectorRegistry; audit: AuditLog; connector: string }

const paymentsRoutes: FastifyPluginAsync<Deps> = async (fastify, deps) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>()
  const ctx = (request: FastifyRequest) => ({ requestId: request.id, log: request.log as Logger })

  /** The dossier, when the client may act for its agency. */
  async function dossierFor(request: FastifyRequest, code: string) {
    const dossier = await deps.sync.getDossier(code)
    if (!dossier) throw notFound(`No dossier ${code} has been accepted.`)
    if (!agencyMatcher(request.client)(dossier.agencyCode)) throw forbidden(`The client "${request.client!.name}" may not act for agency ${dossier.agencyCode}.`)
    return dossier
  }

  app.post('/v1/dossiers/:code/payment', {
    config: { scope: 'payments:write' },
    schema: {
      tags: ['payments'],
      operationId: 'startPayment',
      summary: 'Start paying a dossier\'s fees on the national portal\'s payment platform',
      description: 'The amount is the sum of the snapshot\'s `fees`; the payer is its applicant (sent to the platform for the receipt, so the call is audited and needs `X-Officer-Id` and `X-Purpose`). Answers the payment with the page to send the payer to.',
      params: DossierParams, headers: PersonalDataHeaders,
      response: { 201: Payment, 400: problem('The dossier has no fee to pay'), 403: problem('Missing scope or agency'), 404: problem('No such dossier'), 422: problem('The platform refused'), 502: problem('The platform failed') },
    },
  }, async (request, reply) => {
    const dossier = await dossierFor(request, request.params.code)
    const snapshot = dossier.snapshot as unknown as DossierSnapshot
    const fees = snapshot.fees ?? []
    const amount = fees.reduce((sum, f) => sum + f.amount, 0)
    if (amount <= 0) throw new GatewayError('VALIDATION_FAILED', `Dossier ${dossier.code} has no fee to pay (its snapshot's fees sum to 0).`)
    const reference = deps.payments.newReference(dossier.code)
    const headers = request.headers as Record<string, string>
    const { payUrl } = await auditedCall(deps, {
      client: request.client!.name, officerId: headers['x-officer-id']!, purpose: headers['x-purpose']!, requestId: request.id,
      contract: PaymentStart, connector: deps.connector, subject: snapshot.applicant.id, signal: AbortSignal.timeout(15_000), log: request.log as Logger,
      input: {
        reference, amount, description: `Thanh toan phi, le phi ho so ${dossier.code}`.slice(0, 200), dossierCode: dossier.code, procedureCode: snapshot.procedureCode,
        agencyCode: dossier.agencyCode, payerName: snapshot.applicant.name, payerId: snapshot.applicant.id, fees: fees.map((f) => ({ name: f.name, amount: f.amount, code: f.code })),
        ip: request.ip, at: new Date().toISOString(),
      },
    })
    reply.code(201)
    return deps.payments.record({ reference, dossierCode: dossier.code, agencyCode: dossier.agencyCode, amount, payUrl, client: request.client!.name })
  })

  app.get('/v1/dossiers/:code/payment', {
    config: { scope: 'payments:read' },
    schema: {
      operationId: 'getPayment',
      tags: ['payments'], summary: 'The dossier\'s latest payment; asks the platform (QUERY) while it is not paid or failed',
      params: DossierParams,
      response: { 200: Payment, 403: problem('Missing scope or agency'), 404: problem('No such dossier, or no payment for it') },
    },
  }, async (request) => {
    const dossier = await dossierFor(request, request.params.code)
    const payment = await deps.payments.status(dossier.code, ctx(request))
    if (!payment) throw notFound(`No payment was started for dossier ${dossier.code}.`)
    return payment
  })

  app.get('/v1/dossiers/:code/payment/receipt', {
    config: { scope: 'payments:read' },
    schema: {
      operationId: 'getPaymentReceipt',
      tags: ['payments'], summary: 'The e-receipt (PDF) of the dossier\'s paid payment (GET_BILL)', params: DossierParams,
      response: { 200: Type.Unsafe({ description: 'The e-receipt (application/pdf)' }), 403: problem('Missing scope or agency'), 404: problem('No paid payment') },
    },
  }, async (request, reply) => {
    const dossier = await dossierFor(request, request.params.code)
    const pdf = await deps.payments.receipt(dossier.code, ctx(request))
    return reply.type('application/pdf').header('content-disposition', `attachment; filename="bien-lai-${dossier.code}.pdf"`).send(pdf)
  })

  app.post('/v1/payments/callback', {
    schema: {
      tags: ['payments'],
      operationId: 'receivePaymentCallback',
      summary: 'The payment platform\'s callback (its own field names); authenticated by its MaXacThuc checksum',
      description: 'Applies the payment\'s new state and emits `dossier.payment_updated`. A callback already taken is refused (409); a wrong checksum 401.',
      body: Type.Unknown(),
      response: { 200: Type.Object({ MaLoi: Type.String(), MoTaLoi: Type.String() }), 400: problem('Unreadable callback'), 401: problem('MaXacThuc does not match'), 404: problem('Unknown payment'), 409: problem('Replay') },
    },
  }, async (request) => {
    try {
      await deps.payments.callback(request.body, ctx(request))
    } catch (err) {
      if (isUpstreamError(err) && err.kind === 'unauthorized') throw new GatewayError('UNAUTHORIZED', err.message)
      if (isUpstreamError(err) && err.kind === 'rejected') throw new GatewayError('VALIDATION_FAILED', err.message)
      throw err
    }
    return { MaLoi: '00', MoTaLoi: 'Thành công' }
  })
}

export default paymentsRoutes
