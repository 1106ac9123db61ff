/** Maps connector failure kinds to the gateway's problem codes (the gateway's only view of upstream errors). */
import { GatewayError } from './errors.js'
import { isUpstreamError } from './upstream/errors.js'

const retryAfter = (ms: number | undefined): Record<string, string> | undefined =>
  ms === undefined ? undefined : { 'retry-after': String(Math.max(1, Math.ceil(ms / 1000))) }

export function upstreamToGateway(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err
  if (!isUpstreamError(err)) return new GatewayError('INTERNAL', 'An internal error occurred; the request id identifies it in the logs.')
  const code = err.upstreamCode ? ` (upstream code ${err.upstreamCode})` : ''
  switch (err.kind) {
    case 'timeout':
      return new GatewayError('UPSTREAM_TIMEOUT', err.message)
    case 'unavailable':
      return new GatewayError('UPSTREAM_UNAVAILABLE', err.message, { headers: retryAfter(err.retryAfterMs) })
    case 'rejected':
      return new GatewayError('UPSTREAM_REJECTED', `${err.message}${err.message.includes(err.upstreamCode ?? '\0') ? '' : code}`)
    case 'not_found':
      return new GatewayError('NOT_FOUND', err.message)
    case 'unauthorized':
      return new GatewayError('UPSTREAM_UNAVAILABLE', `${err.message} The upstream refused the hub's credentials; the operator must check the connector's auth settings.`)
    case 'bad_response':
      return new GatewayError('UPSTREAM_BAD_RESPONSE', err.message)
    case 'circuit_open':
      return new GatewayError('CIRCUIT_OPEN', err.message, { headers: retryAfter(err.retryAfterMs ?? 5000) })
    case 'aborted':
      return new GatewayError('SERVICE_UNAVAILABLE', 'The request was aborted before the upstream answered.')
  }
}
