/**
 * Requests built from an OpenAPI document's own examples: path, query and header parameters from
 * each parameter's `example` (or its schema's first `examples`), the body from the JSON request
 * body's `example`. Used to prove that what the document (and the console at /docs) offers is
 * what the API accepts.
 */

type Json = Record<string, any>

export interface DocumentedOperation {
  operationId: string
  method: string
  path: string
  operation: Json
}

export interface ExampleRequest {
  path: string
  method: string
  headers: Record<string, string>
  body?: unknown
}

export function operations(doc: Json): DocumentedOperation[] {
  const out: DocumentedOperation[] = []
  for (const [path, item] of Object.entries(doc.paths as Json)) {
    for (const [method, operation] of Object.entries(item as Json)) {
      if (!['get', 'put', 'post', 'patch', 'delete'].includes(method)) continue
      out.push({ operationId: (operation as Json).operationId, method: method.toUpperCase(), path, operation: operation as Json })
    }
  }
  return out
}

const exampleOf = (p: Json): unknown => p.example ?? p.schema?.example ?? p.schema?.examples?.[0]

/** The request the examples describe; `override` replaces values the hub mints (ids) or signs. */
export function exampleRequest(op: DocumentedOperation, override: { params?: Json; query?: Json; headers?: Json; body?: unknown } = {}): ExampleRequest {
  const params: Json = {}
  const query: Json = {}
  const headers: Record<string, string> = {}
  for (const p of (op.operation.parameters ?? []) as Json[]) {
    const value = exampleOf(p)
    if (value === undefined) {
      if (p.required) throw new Error(`${op.operationId}: required ${p.in} parameter ${p.name} has no example`)
      continue
    }
    if (p.in === 'path') params[p.name] = value
    else if (p.in === 'query') query[p.name] = value
    else if (p.in === 'header') headers[p.name] = String(value)
  }
  Object.assign(params, override.params)
  Object.assign(query, override.query)
  Object.assign(headers, override.headers)
  const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    if (params[name] === undefined) throw new Error(`${op.operationId}: no example for path parameter ${name}`)
    return encodeURIComponent(String(params[name]))
  })
  const search = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)])).toString()
  const content = op.operation.requestBody?.content?.['application/json']
  const body = override.body ?? content?.example
  if (op.operation.requestBody?.required && body === undefined) throw new Error(`${op.operationId}: the request body has no example`)
  return { path: search ? `${path}?${search}` : path, method: op.method, headers, ...(body !== undefined && { body }) }
}
