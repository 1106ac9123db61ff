/**
 * Inbound operations of the national-portal connector: reading a push the portal forwarded
 * through the data-exchange adapter (forward.ts). No upstream call; the gateway routes and
 * commits the event. The pulled flows are in interlinked.ts.
 */
import { Type } from 'typebox'
import type { OperationDef } from '../../src/upstream/types.js'
import { AgencyCode } from '../../schemas/dossier.js'
import { readForwarded } from './forward.js'
import type { ResolvedNationalPortalConfig } from './config.js'

export const ReadForwardedInput = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100, description: 'The forwarded service name (the path\'s last segment)' }),
  body: Type.Unknown({ description: 'The push body as received (parsed JSON)' }),
  receivedAt: Type.String({ format: 'date-time' }),
}, { additionalProperties: false })

export const InboundEvent = Type.Object({
  eventId: Type.String(),
  type: Type.String(),
  dossierCode: Type.String(),
  agencyCode: AgencyCode,
  data: Type.Record(Type.String(), Type.Unknown(), { description: 'The event payload, agencyCode included' }),
  files: Type.Optional(Type.Array(Type.Object({ sha256: Type.String(), name: Type.String(), data: Type.String({ description: 'base64' }) }), {
    description: 'Files that came inline; the papers name them `urn:lgsp-hub:portal-file:<sha256>`',
  })),
}, { additionalProperties: false })

export function inboundOperations(config: ResolvedNationalPortalConfig) {
  const readForwardedPush: OperationDef<typeof ReadForwardedInput, typeof InboundEvent> = {
    description: 'Maps a push the portal forwarded (`…/RestService/forward/<name>`, its own field names) to the hub\'s event; `rejected` with the reason when the record cannot be read. Makes no call.',
    input: ReadForwardedInput,
    output: InboundEvent,
    timeoutMs: 1000,
    idempotent: true,
    async run(input) {
      const event = readForwarded(input.name, input.body, input.receivedAt)
      const agencyCode = config.forwardAgencies?.[input.name] ?? config.agencyCode
      return { ...event, agencyCode, data: { ...event.data, agencyCode } }
    },
  }
  return { readForwardedPush }
}
