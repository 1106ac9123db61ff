/**
 * Summarises a V8 `.cpuprofile`: self time by function and by area (project file, npm package,
 * node internals, GC). Percentages are of busy time (idle excluded).
 */
import { readFileSync } from 'node:fs'
import { relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { markdownTable, num } from './report.js'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  hitCount?: number
}

interface Profile {
  nodes: ProfileNode[]
  startTime: number
  endTime: number
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** Where a frame's code lives: a project file, an npm package, a node: module, or a V8 pseudo-frame. */
function area(url: string, fn: string): string {
  if (url === '') return fn || '(native)'
  if (url.startsWith('node:')) return url.replace(/^node:internal\//, 'node:')
  const path = url.startsWith('file://') ? fileURLToPath(url) : url
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)
  if (pkg) return pkg[1]!
  return path.startsWith(ROOT) ? relative(ROOT, path) : path
}

export interface HotSpot {
  name: string
  ms: number
  share: number
}

export interface ProfileSummary {
  file: string
  busyMs: number
  functions: HotSpot[]
  areas: HotSpot[]
}

export function summariseProfile(file: string, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
  const hits = profile.nodes.reduce((n, node) => n + (node.hitCount ?? 0), 0)
  const msPerHit = hits > 0 ? (profile.endTime - profile.startTime) / 1000 / hits : 0
  const byFunction = new Map<string, number>()
  const byArea = new Map<string, number>()
  let busy = 0
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame
    const t = (node.hitCount ?? 0) * msPerHit
    if (t === 0 || functionName === '(idle)') continue
    busy += t
    const where = area(url, functionName)
    // Project files run through tsx, whose output lines do not match the source: name the file only.
    const line = /^(src|connectors|schemas|bench)\//.test(where) ? '' : `:${lineNumber + 1}`
    const key = url === '' ? functionName : `${functionName || '(anonymous)'} ${where}${line}`
    byFunction.set(key, (byFunction.get(key) ?? 0) + t)
    byArea.set(where, (byArea.get(where) ?? 0) + t)
  }
  const rank = (m: Map<string, number>): HotSpot[] =>
    [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, t]) => ({ name, ms: t, share: busy > 0 ? t / busy : 0 }))
  return { file, busyMs: busy, functions: rank(byFunction), areas: rank(byArea) }
}

export function formatProfile(s: ProfileSummary): string {
  const rows = (spots: HotSpot[]) => spots.map((h) => [h.name, num(h.ms), `${num(h.share * 100, 1)} %`])
  return [
    `${s.file}: ${num(s.busyMs)} ms busy (idle excluded)`,
    '',
    markdownTable(['self time by area', 'ms', 'share'], rows(s.areas)),
    '',
    markdownTable(['self time by function', 'ms', 'share'], rows(s.functions)),
  ].join('\n')
}
