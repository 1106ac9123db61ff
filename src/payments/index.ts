/**
 * Payments of a dossier's fees through the national portal's payment platform (the connector
 * speaks its wire format): start one, look its status up (asking the platform while it is not
 * final), take the platform's callback (checksum checked by the connector, a replay refused here),
 * and fetch the e-receipt. A change to paid or failed becomes a routed `dossier.payment_updated`
 * event, once per (payment, state) whichever of the callback or a lookup saw it first.
 */
import { randomBytes } from 'node:crypto'
import type { Logger } from 'pino'
import type { Db } from '../db/types.js'
import type { InboxService } from '../inbox/index.js'
import type { Static } from 'typebox'
import type { ConnectorRegistry } from '../upstream/registry.js'
import type { Contract } from '../upstream/types.js'
import { PaymentCallbackRead, PaymentQuery, ReceiptGet } from '../contracts/portal.js'
import { GatewayError, notFound } from '../errors.js'

export interface PaymentView {
  reference: string
  dossierCode: string
  agencyCode: string
  amount: number
  state: 'started' | 'pending' | 'paid' | 'failed'
  transactionId: string | null
  payUrl: string | null
  createdAt: string
  updatedAt: string
}

interface Row {
  reference: string
  dossier_code: string
  agency_code: string
  amount: string
  state: PaymentView['state']
  transaction_id: string | null
  pay_url: string | null
  created_at: Date
  updated_at: Date
}

interface Status { reference: string; state: 'paid' | 'pending' | 'failed'; amount: number; transactionId: string | null; at: string | null }

const view = (r: Row): PaymentView => ({
  reference: r.reference, dossierCode: r.dossier_code, agencyCode: r.agency_code, amount: Number(r.amount), state: r.state,
  transactionId: r.transaction_id, payUrl: r.pay_url, createdAt: r.created_at.toISOString(), updatedAt: r.updated_at.toISOString(),
})

export interface PaymentService {
  /** Inserts a started payment after the platform gave its page (the caller made the INIT call). */
  record(p: { reference: string; dossierCode: string; agencyCode: string; amount: number; payUrl: string; client: string }): Promise<PaymentView>
  newReference(dossierCode: string): string
  /** The dossier's latest payment, refreshed from the platform while not final; null when none. */
  status(dossierCode: string, ctx: { requestId: string; log: Logger }): Promise<PaymentView | null>
  /** The platform's callback: checked, replay refused (409), applied, event emitted. */
  callback(body: unknown, ctx: { requestId: string; log: Logger }): Promise<PaymentView>
  receipt(dossierCode: string, ctx: { requestId: string; log: Logger }): Promise<Buffer>
}

export function createPaymentService(deps: { db: Db; registry: ConnectorRegistry; inbox: InboxService; connector: string }): PaymentService {
  const { db } = deps
  const call = <C extends Contract>(contract: C, input: Static<C['input']>, ctx: { requestId: string; log: Logger }) =>
    deps.registry.call(contract, input, { connector: deps.connector, signal: AbortSignal.timeout(15_000), requestId: ctx.requestId, log: ctx.log })

  const latest = async (dossierCode: string) =>
    (await db.query<Row>('SELECT * FROM portal_payments WHERE dossier_code = $1 ORDER BY created_at DESC, reference DESC LIMIT 1', [dossierCode])).rows[0]

  /** Applies a status; a new final state emits the event (its id makes a second emission a duplicate). */
  async function apply(row: Row, s: Status): Promise<Row> {
    if (s.state === row.state || (row.state === 'paid' && s.state !== 'paid')) return row
    const { rows } = await db.query<Row>(
      'UPDATE portal_payments SET state = $2, transaction_id = coalesce($3, transaction_id), updated_at = now() WHERE reference = $1 RETURNING *',
      [row.reference, s.state, s.transactionId],
    )
    const updated = rows[0]!
    if (s.state === 'paid' || s.state === 'failed') {
      const data = {
        dossierCode: row.dossier_code, agencyCode: row.agency_code, amount: s.amount, status: s.state,
        transactionId: s.transactionId ?? row.reference, paidAt: s.at ?? new Date().toISOString(),
      }
      await deps.inbox.ingest({
        eventId: `pay_${row.reference}_${s.state}`.replace(/[^A-Za-z0-9_-]/g, '_'), source: 'national-portal', type: 'dossier.payment_updated',
        agencyCode: row.agency_code, dossierCode: row.dossier_code, body: { type: 'dossier.payment_updated', timestamp: new Date().toISOString(), data },
      })
    }
    return updated
  }

  return {
    newReference: (dossierCode) => `${dossierCode.slice(0, 40)}.${Date.now().toString(36)}${randomBytes(3).toString('hex')}`,

    async record(p) {
      const { rows } = await db.query<Row>(
        `INSERT INTO portal_payments (reference, dossier_code, agency_code, amount, state, pay_url, client) VALUES ($1, $2, $3, $4, 'started', $5, $6) RETURNING *`,
        [p.reference, p.dossierCode, p.agencyCode, p.amount, p.payUrl, p.client],
      )
      return view(rows[0]!)
    },

    async status(dossierCode, ctx) {
      let row = await latest(dossierCode)
      if (!row) return null
      if (row.state === 'started' || row.state === 'pending') {
        const s = await call(PaymentQuery, { reference: row.reference }, ctx)
        if (s) row = await apply(row, s)
      }
      return view(row)
    },

    async callback(body, ctx) {
      const s = await call(PaymentCallbackRead, { body }, ctx)
      const { rows } = await db.query<Row>('SELECT * FROM portal_payments WHERE reference = $1', [s.reference])
      if (!rows[0]) throw notFound(`No payment ${s.reference} was started by the hub.`)
      const fresh = await db.query('INSERT INTO portal_payment_callbacks (key, reference) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING RETURNING key', [s.key, s.reference])
      if (fresh.rowCount === 0) throw new GatewayError('IDEMPOTENCY_CONFLICT', 'This callback was already taken: a replay is refused.')
      if (s.amount !== Number(rows[0].amount)) throw new GatewayError('VALIDATION_FAILED', `The callback's amount ${s.amount} is not the payment's ${rows[0].amount}.`)
      return view(await apply(rows[0], s))
    },

    async receipt(dossierCode, ctx) {
      const row = await latest(dossierCode)
      if (!row || row.state !== 'paid') throw notFound(`Dossier ${dossierCode} has no paid payment, so no receipt.`)
      const { pdfBase64 } = await call(ReceiptGet, { reference: row.reference }, ctx)
      return Buffer.from(pdfBase64, 'base64')
    },
  }
}
