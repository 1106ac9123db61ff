/**
 * What the OpenAPI document says beyond the route schemas, applied per route by @fastify/swagger's
 * `transform` (documentation only: validation keeps the route's own schema): the security
 * requirement from the route's scope (`security: []` on the public ones), the request examples of
 * schemas/api/examples.ts, the success descriptions of schemas/api/responses.ts, and every error
 * response as application/problem+json with an example body.
 */
import { ERRORS, type ErrorCode } from '../errors.js'
import { OFFICER_HEADERS, OPERATION_EXAMPLES, type OperationExample } from '../../schemas/api/examples.js'
import { RESPONSE_DESCRIPTIONS } from '../../schemas/api/responses.js'

type Json = Record<string, unknown>

/** The code a status usually carries; a response whose description names another code uses that one. */
const CODE_BY_STATUS: Record<string, ErrorCode> = {
  400: 'VALIDATION_FAILED', 401: 'UNAUTHORIZED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 405: 'METHOD_NOT_ALLOWED', 409: 'IDEMPOTENCY_CONFLICT',
  413: 'PAYLOAD_TOO_LARGE', 415: 'UNSUPPORTED_MEDIA_TYPE', 422: 'UPSTREAM_REJECTED', 429: 'RATE_LIMITED', 500: 'INTERNAL',
  502: 'UPSTREAM_UNAVAILABLE', 503: 'SERVICE_UNAVAILABLE', 504: 'UPSTREAM_TIMEOUT',
}
const CODES = Object.keys(ERRORS) as ErrorCode[]

/** A problem body as the hub sends it for this status (src/plugins/problem.ts). */
export function problemExample(status: number, description: string, url: string): Json {
  const named = CODES.find((c) => new RegExp(`\\b${c}\\b`).test(description))
  const code = named ?? CODE_BY_STATUS[status] ?? 'INTERNAL'
  return {
    type: `https://lgsp-hub.dev/problems/${code.toLowerCase().replace(/_/g, '-')}`,
    title: ERRORS[code].title,
    status,
    detail: description.replace(/`/g, ''),
    code,
    instance: url.replace(/\{(\w+)\}|:(\w+)/g, (_, a: string | undefined, b: string | undefined) => `{${a ?? b}}`),
    ...(code === 'VALIDATION_FAILED' && { errors: [{ path: '/body/personalId', message: 'must match pattern "^[0-9]{12}$"' }] }),
  }
}

const isProblemRef = (s: unknown): s is Json => typeof s === 'object' && s !== null && (s as Json).$ref === 'Problem'

/** Error responses as application/problem+json with an example; success responses named. */
function documentResponses(response: Json, url: string, operationId: string | undefined): Json {
  return Object.fromEntries(Object.entries(response).map(([status, s]) => {
    if (!isProblemRef(s)) {
      const named = operationId ? RESPONSE_DESCRIPTIONS[operationId]?.[Number(status)] : undefined
      return [status, named && typeof s === 'object' && s !== null && !(s as Json).description ? { ...(s as Json), description: named } : s]
    }
    const description = String(s.description ?? ERRORS[CODE_BY_STATUS[status] ?? 'INTERNAL'].title)
    return [status, {
      description,
      content: { 'application/problem+json': { schema: { $ref: 'Problem' }, example: problemExample(Number(status), description, url) } },
    }]
  }))
}

/** The object schema with `examples: [value]` on the properties the example names. */
function withPropertyExamples(schema: unknown, values: Record<string, unknown> | undefined): unknown {
  const props = (schema as { properties?: Record<string, Json> } | undefined)?.properties
  if (!props || !values) return schema
  const properties = Object.fromEntries(Object.entries(props).map(([name, p]) => [name, name in values ? { ...p, examples: [values[name]] } : p]))
  return { ...(schema as Json), properties }
}

function withExamples(schema: Json, example: OperationExample | undefined): Json {
  const out: Json = { ...schema }
  const headers = { ...OFFICER_HEADERS, ...example?.headers }
  if (schema.headers) out.headers = withPropertyExamples(schema.headers, headers)
  if (example?.params && schema.params) out.params = withPropertyExamples(schema.params, example.params)
  if (example?.query && schema.querystring) out.querystring = withPropertyExamples(schema.querystring, example.query)
  if (example?.body !== undefined && schema.body) out.body = { ...(schema.body as Json), examples: [example.body] }
  return out
}

/** The route's schema as the OpenAPI document shows it. */
export function documentRoute(schema: Json, url: string, scope: string | undefined): Json {
  const operationId = typeof schema.operationId === 'string' ? schema.operationId : undefined
  const out = withExamples(schema, operationId ? OPERATION_EXAMPLES[operationId] : undefined)
  if (schema.response) out.response = documentResponses(schema.response as Json, url, operationId)
  if (!scope) return { ...out, security: [] }
  const needs = scope === 'authenticated' ? 'Requires any valid API key.' : `Requires the scope \`${scope}\`.`
  return { ...out, description: `${String(schema.description ?? '')}\n\n${needs}`.trim(), security: [{ apiKey: [] }] }
}
