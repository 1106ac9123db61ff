/**
 * Calls to the hub from the console. The session is an HttpOnly cookie the page cannot read;
 * every call adds `x-lgsp-console: 1`, without which the hub ignores the cookie (a page on
 * another site cannot add it). Errors are the hub's problem+json, thrown as ApiError; a 401
 * means the session ended, and the app goes back to the sign-in form.
 */
export interface Problem {
  status: number
  code: string
  title?: string
  detail?: string
  errors?: Array<{ path: string; message: string }>
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${problem.status}`)
  }
  get status() {
    return this.problem.status
  }
}

let onSessionEnded: () => void = () => {}
export const whenSessionEnds = (fn: () => void) => {
  onSessionEnded = fn
}

export interface CallOptions {
  method?: string
  body?: unknown
  headers?: Record<string, string>
  /** Resolve with the response body as a Blob (file exports) instead of JSON. */
  blob?: boolean
}

/** A browser sends header values as ISO-8859-1 only: a purpose (often Vietnamese) goes percent-encoded. */
function encodeHeaders(headers: Record<string, string> = {}): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() === 'x-purpose') out['x-purpose-utf8'] = encodeURIComponent(value)
    else out[name] = value
  }
  return out
}

export async function api<T = unknown>(path: string, options: CallOptions = {}): Promise<T> {
  const res = await fetch(path, {
    method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
    credentials: 'same-origin',
    headers: {
      'x-lgsp-console': '1',
      accept: 'application/json, text/csv;q=0.9',
      ...(options.body !== undefined && { 'content-type': 'application/json' }),
      ...encodeHeaders(options.headers),
    },
    ...(options.body !== undefined && { body: JSON.stringify(options.body) }),
  })
  if (!res.ok) {
    let problem: Problem = { status: res.status, code: 'HTTP_ERROR' }
    try {
      problem = { ...problem, ...(await res.json()) as Problem }
    } catch {}
    if (res.status === 401 && path !== '/console/session') onSessionEnded()
    throw new ApiError(problem)
  }
  if (options.blob) return (await res.blob()) as T
  if (res.status === 204) return undefined as T
  return (await res.json()) as T
}

/** Saves a Blob as a file the browser downloads (the data never goes through a URL the hub sees). */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = filename
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

export const query = (params: Record<string, string | number | undefined | null>) => {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v))
  const s = q.toString()
  return s ? `?${s}` : ''
}
