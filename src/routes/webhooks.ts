/**
 * POST /v1/webhooks/national-portal: signed pushes from the national portal (DESIGN §4). The raw
 * body is verified (Standard Webhooks) before it is parsed; the event is committed to the inbox
 * — deduplicated by `webhook-id` — before the 2xx. Known event types are checked against their
 * schema; an unknown type is stored and delivered as it came. Every refusal is a problem+json 4xx
 * with the reason, counted in `lgsp_webhooks_received_total`.
 */
import { BlockList, isIP } from 'node:net'
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import { Compile } from 'typebox/compile'
import { EVENT_DATA_SCHEMAS, EVENT_TYPES, EventEnvelope, type EventType } from '../../schemas/events.js'
import { verifyWebhook } from '../webhooks/signature.js'
import { GatewayError, forbidden, unauthorized, validationFailed } from '../errors.js'
import { unstorableAt } from '../plugins/input-guard.js'
import type { InboxService } from '../inbox/index.js'

/** Compiled once: interpreting the schemas per request cost about a fifth of ingest CPU (bench/README.md). */
const envelopeValidator = Compile(EventEnvelope)
const dataValidators = Object.fromEntries(EVENT_TYPES.map((type) => [type, Compile(EVENT_DATA_SCHEMAS[type])])) as { [K in EventType]: ReturnType<typeof Compile> }

export interface WebhookRouteDeps {
  inbox: InboxService
  /** HMAC keys of the configured `whsec_` secrets, parsed at boot (a bad one stops the boot: src/config/check.ts). */
  secrets: Buffer[]
  toleranceS: number
  allowIps?: string[]
  bodyLimitBytes: number
  /** Old → new agency codes: an event naming an old code is routed by the new one, the old kept as `originalAgencyCode`. */
  currentAgency?: (code: string) => string
}

const problem = (description: string) => ({ ...Type.Ref('Problem'), description })

function allowList(entries: string[] | undefined): ((ip: string) => boolean) | undefined {
  if (!entries || entries.length === 0) return undefined
  const list = new BlockList()
  for (const e of entries) {
    const [addr, bits] = e.split('/')
    const family = isIP(addr!) === 6 ? 'ipv6' : 'ipv4'
    if (bits !== undefined) list.addSubnet(addr!, Number(bits), family)
    else list.addAddress(addr!, family)
  }
  return (ip) => {
    const plain = ip.startsWith('::ffff:') ? ip.slice(7) : ip
    return list.check(plain, isIP(plain) === 6 ? 'ipv6' : 'ipv4')
  }
}

const webhooksRoutes: FastifyPluginAsync<WebhookRouteDeps> = async (app, deps) => {
  const allowed = allowList(deps.allowIps)
  const counted = (outcome: string) => deps.inbox.metrics.received.inc({ source: 'national-portal', outcome })
  // The signature covers the exact bytes: keep them, parse only after verifying.
  app.addContentTypeParser(['application/json', 'application/*+json'], { parseAs: 'buffer', bodyLimit: deps.bodyLimitBytes }, (_req, body, done) => done(null, body))
  // Refusals before the handler runs (size, content type) are counted here; the handler counts its own.
  app.addHook('onError', async (_request, _reply, error) => {
    const code = (error as { code?: string }).code
    if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') counted('refused_too_large')
    else if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') counted('refused_content_type')
  })

  app.post('/v1/webhooks/national-portal', {
    bodyLimit: deps.bodyLimitBytes,
    schema: {
      tags: ['webhooks'],
      operationId: 'receiveNationalPortalWebhook',
      summary: 'Signed event pushes from the national portal',
      description: `Standard Webhooks: \`webhook-id\`, \`webhook-timestamp\` (Unix s, at most ${deps.toleranceS} s off), \`webhook-signature\` (\`v1,<base64 HMAC-SHA256 of "id.timestamp.body">\`, several space-separated during a key rotation). Body: \`{type, timestamp, data}\`; known types: ${EVENT_TYPES.map((t) => `\`${t}\``).join(', ')} (schemas under components). An unknown type is accepted and delivered as-is. A redelivered \`webhook-id\` answers 200 and creates nothing. 202 = committed to the inbox.`,
      headers: Type.Object({ 'webhook-id': Type.String(), 'webhook-timestamp': Type.String(), 'webhook-signature': Type.String() }),
      body: EventEnvelope,
      response: {
        202: Type.Object({ id: Type.String(), seq: Type.Integer(), duplicate: Type.Literal(false), routedTo: Type.Array(Type.String()) }),
        200: Type.Object({ id: Type.String(), seq: Type.Integer(), duplicate: Type.Literal(true), routedTo: Type.Array(Type.String()) }),
        400: problem('Not JSON, or a known event type whose data does not match its schema'),
        401: problem('Missing, malformed or wrong signature, or a timestamp too far off'),
        403: problem('Source address not allowed'),
        413: problem('Body too large'),
      },
    },
    // The body schema documents the envelope; validation happens after the signature check.
    validatorCompiler: () => () => true,
  }, async function receiveWebhook(request: FastifyRequest, reply) {
    if (allowed && !allowed(request.ip)) {
      counted('refused_ip')
      throw forbidden('This source address may not push webhooks to the hub.')
    }
    if (deps.secrets.length === 0) throw new GatewayError('SERVICE_UNAVAILABLE', 'No webhook secret is configured for the national portal (webhooks.nationalPortal.secrets).')
    const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.from('')
    const verified = verifyWebhook({ headers: request.headers, rawBody: raw, secrets: deps.secrets, toleranceS: deps.toleranceS })
    if (!verified.ok) {
      counted(`refused_${verified.reason}`)
      throw unauthorized(`Webhook refused (${verified.reason}): ${verified.message}`)
    }
    let parsed: unknown
    try {
      parsed = JSON.parse(raw.toString('utf8'))
    } catch {
      counted('refused_not_json')
      throw validationFailed([{ path: '/body', message: 'is not valid JSON' }])
    }
    const unstorable = unstorableAt(parsed, '/body')
    if (unstorable) {
      counted('refused_envelope')
      throw validationFailed([unstorable])
    }
    if (!envelopeValidator.Check(parsed)) {
      counted('refused_envelope')
      throw validationFailed(envelopeValidator.Errors(parsed).slice(0, 10).map((e) => ({ path: `/body${e.instancePath}`, message: e.message })))
    }
    const event = parsed as { type: string; data: Record<string, unknown> }
    const known = (EVENT_TYPES as readonly string[]).includes(event.type)
    if (known) {
      const validator = dataValidators[event.type as EventType]
      if (!validator.Check(event.data)) {
        counted('refused_schema')
        throw validationFailed(validator.Errors(event.data).slice(0, 10).map((e) => ({ path: `/body/data${e.instancePath}`, message: e.message })))
      }
    }
    const str = (v: unknown) => (typeof v === 'string' && v.length > 0 && v.length <= 100 ? v : null)
    const sent = str(event.data.agencyCode)
    const agencyCode = sent !== null && deps.currentAgency ? deps.currentAgency(sent) : sent
    if (agencyCode !== sent) event.data = { ...event.data, agencyCode, originalAgencyCode: sent }
    const result = await deps.inbox.ingest({
      eventId: verified.id, source: 'national-portal', type: event.type,
      agencyCode, dossierCode: str(event.data.dossierCode), body: parsed,
    })
    counted(result.duplicate ? 'duplicate' : known ? 'accepted' : 'accepted_unknown_type')
    reply.code(result.duplicate ? 200 : 202)
    return { id: verified.id, seq: result.seq, duplicate: result.duplicate, routedTo: result.routedTo.map((r) => r.subscriber) }
  })
}

export default webhooksRoutes
