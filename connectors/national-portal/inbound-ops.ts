/**
 * Inbound operations of the national-portal connector: reading a push the portal forwarded
 * through the data-exchange adapter (forward.ts). No upstream call; the gateway routes and
 * commits the event. The pulled flows are in interlinked.ts.
 */
import { implement } from '../../src/upstream/contract.js'
import { ForwardedPushRead } from '../../src/contracts/portal.js'
import { readForwarded } from './forward.js'
import type { ResolvedNationalPortalConfig } from './config.js'

export function inboundOperations(config: ResolvedNationalPortalConfig) {
  const readForwardedPush = implement(ForwardedPushRead, {
    timeoutMs: 1000,
    idempotent: true,
    async run(input) {
      const event = readForwarded(input.name, input.body, input.receivedAt)
      const agencyCode = config.forwardAgencies?.[input.name] ?? config.agencyCode
      return { ...event, agencyCode, data: { ...event.data, agencyCode } }
    },
  })
  return { readForwardedPush }
}
