/**
 * One error handler: everything a caller sees as an error is application/problem+json with a
 * stable `code`. 5xx bodies carry a generic text; the full error goes to the log as an object.
 */
import fp from 'fastify-plugin'
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { ERRORS, GatewayError, type ErrorCode, type FieldError } from '../errors.js'
import type { Metrics } from '../metrics.js'
import { isConnectionFailure } from '../db/errors.js'

interface AjvIssue {
  instancePath: string
  keyword: string
  message?: string
  params: Record<string, unknown>
}

/** Turns Fastify's schema validation issues into `errors[]` with JSON pointers into the request. */
export function fieldErrors(issues: AjvIssue[], context: string): FieldError[] {
  return issues.map((issue) => {
    let path = `/${context}${issue.instancePath}`
    let message = issue.message ?? 'is invalid'
    if (issue.keyword === 'required') path += `/${String(issue.params.missingProperty)}`
    if (issue.keyword === 'additionalProperties') {
      path += `/${String(issue.params.additionalProperty)}`
      message = 'is not a known property'
    }
    return { path, message }
  })
}

const FASTIFY_CODES: Record<string, [ErrorCode, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: ['PAYLOAD_TOO_LARGE', 'The request body is larger than this hub accepts.'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ['UNSUPPORTED_MEDIA_TYPE', 'Send the body as application/json.'],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['VALIDATION_FAILED', 'The JSON body is empty.'],
  FST_ERR_CTP_INVALID_JSON_BODY: ['VALIDATION_FAILED', 'The body is not valid JSON.'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['VALIDATION_FAILED', 'Content-Length does not match the body.'],
}

export function toGatewayError(err: FastifyError | GatewayError | Error): GatewayError {
  if (err instanceof GatewayError) return err
  const fe = err as FastifyError & { validationContext?: string; validation?: AjvIssue[] }
  if (fe.validation) {
    return new GatewayError('VALIDATION_FAILED', 'The request is invalid; see errors[] for each field.', { errors: fieldErrors(fe.validation, fe.validationContext ?? 'body') })
  }
  const known = fe.code ? FASTIFY_CODES[fe.code] : undefined
  if (known) return new GatewayError(known[0], known[1])
  if (fe.statusCode === 429) return new GatewayError('RATE_LIMITED', fe.message)
  // Another framework 4xx with no code of ours keeps its status (the one exception to the table).
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) return new GatewayError('VALIDATION_FAILED', fe.message, { status: fe.statusCode })
  if (isConnectionFailure(err)) {
    return new GatewayError('SERVICE_UNAVAILABLE', 'The hub cannot reach its database or queue right now; retry shortly.', { headers: { 'retry-after': '5' } })
  }
  return new GatewayError('INTERNAL', 'An internal error occurred; the request id identifies it in the logs.')
}

export function sendProblem(reply: FastifyReply, request: FastifyRequest, error: GatewayError): FastifyReply {
  if (error.headers) reply.headers(error.headers)
  return reply
    .code(error.status)
    .type('application/problem+json')
    .send({
      type: `https://lgsp-hub.dev/problems/${error.code.toLowerCase().replace(/_/g, '-')}`,
      title: ERRORS[error.code].title,
      status: error.status,
      detail: error.message,
      code: error.code,
      instance: request.url.split('?')[0],
      ...(error.errors ? { errors: error.errors } : {}),
    })
}

export default fp(async function problemPlugin(app, opts: { metrics: Metrics }) {
  app.setErrorHandler(function handleError(err, request, reply) {
    const error = toGatewayError(err as FastifyError)
    if (error.status >= 500 && error.code === 'INTERNAL') request.log.error({ err, hint: ERRORS.INTERNAL.hint }, 'request failed')
    else if (error.code === 'SERVICE_UNAVAILABLE' && !(err instanceof GatewayError)) request.log.warn({ err, hint: ERRORS.SERVICE_UNAVAILABLE.hint }, 'database or Redis unreachable; answered 503')
    opts.metrics.rejected.inc({ code: error.code })
    return sendProblem(reply, request, error)
  })
  app.setNotFoundHandler(function handleNotFound(request, reply) {
    opts.metrics.rejected.inc({ code: 'NOT_FOUND' })
    return sendProblem(reply, request, new GatewayError('NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}; see /docs.`))
  })
}, { name: 'problem' })
