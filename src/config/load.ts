/**
 * Loads the configuration: `config/default.json`, then the file named by `LGSP_CONFIG`, then
 * environment overrides; fills defaults and validates against `schemas/config.ts`.
 * This is the only module that reads `process.env`. Problems are collected, not thrown one by
 * one, so an operator sees every mistake at once.
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { HubConfig } from '../../schemas/config.js'
import { createValidator, formatErrors } from './validate.js'
import { applyEnv, type Env } from './env.js'

export type { Env } from './env.js'

export class ConfigError extends Error {
  override name = 'ConfigError'
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
  }
}

const DEFAULT_FILE = fileURLToPath(new URL('../../config/default.json', import.meta.url))


function readJson(path: string, problems: string[]): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(readFileSync(path, 'utf8'))
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>
    problems.push(`${path}: must hold a JSON object`)
  } catch (err) {
    problems.push(`${path}: ${(err as Error).message}`)
  }
  return {}
}

/** Deep merge where objects merge key by key and anything else (arrays included) replaces. */
export function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base }
  for (const [k, v] of Object.entries(over)) {
    const b = out[k]
    out[k] = isPlainObject(b) && isPlainObject(v) ? merge(b, v) : v
  }
  return out
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

const validateHub = createValidator(HubConfig)

export interface LoadOptions {
  env?: Env
  /** Extra config merged after the files and before the environment (tests use this). */
  overrides?: Record<string, unknown>
  /** Skip config/default.json (tests that want a blank slate). */
  skipDefaultFile?: boolean
}

export function loadConfig(options: LoadOptions = {}): HubConfig {
  const env = options.env ?? process.env
  const problems: string[] = []
  let raw: Record<string, unknown> = options.skipDefaultFile ? {} : readJson(DEFAULT_FILE, problems)
  if (env.LGSP_CONFIG) raw = merge(raw, readJson(env.LGSP_CONFIG, problems))
  if (options.overrides) raw = merge(raw, options.overrides)
  raw = applyEnv(raw, env, problems, HubConfig)
  if (!validateHub(raw)) problems.push(...formatErrors(validateHub.errors, 'config '))
  if (problems.length > 0) throw new ConfigError(problems)
  // Validated with defaults filled in: the schema's type holds (schemas/config.ts).
  return raw as HubConfig
}
