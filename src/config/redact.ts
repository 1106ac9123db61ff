/** Secrets never leave the process: any config shown (admin view, boot log) goes through here. */
const SECRET_KEY = /(secret|password|passwd|token|hashkey|chainkey|apikey|privatekey|credential)/i
const URL_WITH_PASSWORD = /^([a-z][a-z0-9+.-]*:\/\/[^:/@]*:)([^@]*)@/i

export function redactConfig<T>(value: T): T {
  return walk(value) as T
}

function walk(value: unknown, key = '', parent = ''): unknown {
  // Array items inherit their array's name, so `secrets: ['…']` is redacted like `secret: '…'`.
  if (Array.isArray(value)) return value.map((v) => walk(v, key, parent))
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, k, key)]))
  }
  if (typeof value === 'string') {
    // A static API key's `value` sits under `auth`; everything else is recognised by its name.
    if (SECRET_KEY.test(key.replace(/[_-]/g, '')) || (parent === 'auth' && key === 'value')) return '[redacted]'
    return value.replace(URL_WITH_PASSWORD, '$1[redacted]@')
  }
  return value
}
