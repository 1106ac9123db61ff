/**
 * Environment overrides. Well-known names (`PORT`, `HOST`, `DATABASE_URL`, `REDIS_URL`,
 * `LOG_LEVEL`, `AUDIT_HASH_KEY`, `AUDIT_CHAIN_KEY`, `AUDIT_CHECKPOINT_FILE`) plus a generic form: `LGSP_<SECTION>__<KEY>[__<KEY>…]`, e.g.
 * `LGSP_CONNECTORS__POPULATION__BASE_URL`. Segments match existing keys ignoring case and
 * underscores; a value starting with `{` or `[` is parsed as JSON. Any variable ending in
 * `_FILE` reads the value from that file (Docker/Kubernetes secrets).
 */
import { readFileSync } from 'node:fs'

/** The process environment, or a test's stand-in for it. */
export type Env = Record<string, string | undefined>

const WELL_KNOWN: Record<string, string[]> = {
  PORT: ['server', 'port'],
  HOST: ['server', 'host'],
  DATABASE_URL: ['database', 'url'],
  REDIS_URL: ['redis', 'url'],
  REDIS_PASSWORD: ['redis', 'password'],
  REDIS_SENTINEL_PASSWORD: ['redis', 'sentinel', 'password'],
  LOG_LEVEL: ['log', 'level'],
  AUDIT_HASH_KEY: ['audit', 'hashKey'],
  AUDIT_CHAIN_KEY: ['audit', 'chainKey'],
  AUDIT_CHECKPOINT_FILE: ['audit', 'checkpointFile'],
}

const norm = (s: string) => s.replace(/[_-]/g, '').toLowerCase()
const camel = (s: string) => s.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase())

interface SchemaNode {
  properties?: Record<string, SchemaNode>
  patternProperties?: Record<string, SchemaNode>
}

/**
 * The key a segment names: a key the schema or the config already has (ignoring case and
 * underscores); under a record of connectors, the kebab-case id; otherwise camelCase.
 */
function keyFor(seg: string, node: Record<string, unknown>, schema: SchemaNode | undefined): string {
  const known = [...Object.keys(schema?.properties ?? {}), ...Object.keys(node)]
  const hit = known.find((k) => norm(k) === norm(seg))
  if (hit) return hit
  if (schema?.patternProperties) return seg.toLowerCase().replace(/_/g, '-')
  return /[A-Z_]/.test(seg) && seg === seg.toUpperCase() ? camel(seg) : seg
}

function setPath(target: Record<string, unknown>, segments: string[], value: unknown, rootSchema: SchemaNode): void {
  let node = target
  let schema: SchemaNode | undefined = rootSchema
  segments.forEach((seg, i) => {
    const key = keyFor(seg, node, schema)
    schema = schema?.properties?.[key] ?? Object.values(schema?.patternProperties ?? {})[0]
    if (i === segments.length - 1) {
      node[key] = value
      return
    }
    const next = node[key]
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {}
    node = node[key] as Record<string, unknown>
  })
}

function parseValue(name: string, raw: string, problems: string[]): unknown {
  const trimmed = raw.trim()
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return JSON.parse(trimmed)
    } catch {
      problems.push(`env ${name}: not valid JSON`)
    }
  }
  return raw
}

export function applyEnv(raw: Record<string, unknown>, env: Env, problems: string[], schema: object): Record<string, unknown> {
  const out = structuredClone(raw)
  for (const [rawName, rawValue] of Object.entries(env)) {
    if (rawValue === undefined || rawValue === '') continue
    let name = rawName
    let value = rawValue
    if (name.endsWith('_FILE') && (name.startsWith('LGSP_') || WELL_KNOWN[name.slice(0, -5)])) {
      name = name.slice(0, -5)
      try {
        value = readFileSync(rawValue, 'utf8').trim()
      } catch (err) {
        problems.push(`env ${rawName}: cannot read ${rawValue} (${(err as NodeJS.ErrnoException).code ?? 'error'})`)
        continue
      }
    }
    const path = WELL_KNOWN[name] ?? (name.startsWith('LGSP_') && name !== 'LGSP_CONFIG' ? name.slice(5).split('__') : undefined)
    if (path) setPath(out, path, parseValue(rawName, value, problems), schema as SchemaNode)
  }
  return out
}
