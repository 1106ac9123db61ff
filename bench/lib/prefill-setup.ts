/**
 * Prefill benchmark data and checks: request bodies (sandbox citizens, each paired with one of
 * the active sandbox procedures), the documents registered for them before the load, the check of
 * one answer of either side, and the preflight that sends every body once to both sides.
 */
import { createHash } from 'node:crypto'
import { sandboxCitizens } from '../../connectors/population/fake-citizens.js'
import { sandboxProcedures } from '../../connectors/national-portal/sandbox-catalogue.js'
import { BenchmarkFailure } from './load.js'
import type { Samples } from './prefill-report.js'

/** Documents registered per citizen; both unexpired, so every hub answer should list both. */
export const DOCUMENT_TYPES = [
  { type: 'CCCD', title: 'Căn cước công dân', validUntil: '2036-01-01T00:00:00+07:00' },
  { type: 'GKS', title: 'Giấy khai sinh' },
] as const

export interface PrefillData {
  bodies: string[]
  /** The body asking for each citizen (to check an answer against its question). */
  bodyById: Map<string, string>
  citizens: Array<{ personalId: string; fullName: string; dateOfBirth: string }>
  procedures: string[]
}

/** Citizen i asks for active procedure i mod P: consecutive requests (about 50 in flight) name different procedures. */
export function prefillData(citizenCount?: number): PrefillData {
  const citizens = sandboxCitizens().slice(0, citizenCount)
  const procedures = sandboxProcedures().filter((p) => p.active).map((p) => p.code)
  const bodies = citizens.map((c, i) => JSON.stringify({
    procedureCode: procedures[i % procedures.length],
    applicant: { type: 'citizen', id: c.personalId, fullName: c.fullName, dateOfBirth: c.dateOfBirth },
  }))
  return { bodies, procedures, bodyById: new Map(citizens.map((c, i) => [c.personalId, bodies[i]!])), citizens: citizens.map((c) => ({ personalId: c.personalId, fullName: c.fullName, dateOfBirth: c.dateOfBirth })) }
}

export async function inParallel<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) await work(items[next++]!)
  }))
}

/** `POST /v1/documents` for every citizen and type; returns how many were created. */
export async function registerDocuments(hubUrl: string, headers: Record<string, string>, citizens: PrefillData['citizens']): Promise<number> {
  const docs = citizens.flatMap((c) => DOCUMENT_TYPES.map((d) => ({
    code: `${c.personalId}.${d.type}`, title: d.title, issuingAgency: 'Bench', issuedAt: '2021-05-01T00:00:00+07:00',
    ...('validUntil' in d && { validUntil: d.validUntil }),
    url: `https://files.example.invalid/${c.personalId}/${d.type}.pdf`, sha256: createHash('sha256').update(`${c.personalId}.${d.type}`).digest('hex'),
  })))
  let created = 0
  await inParallel(docs, 16, async (doc) => {
    const res = await fetch(`${hubUrl}/v1/documents`, { method: 'POST', headers, body: JSON.stringify(doc) })
    const text = await res.text()
    if (res.status === 201) created++
    else if (res.status !== 200) throw new BenchmarkFailure(`registering ${doc.code} answered ${res.status}: ${text.slice(0, 300)}`)
  })
  return created
}

type Status = { status: string; ms: number; code?: string }
export interface HubAnswer {
  procedure: { code: string } | null
  applicant: { data: { personalId?: string } | null }
  documents: unknown[]
  requiredPapers: Array<{ satisfiedBy: unknown }>
  sources: { identity: Status; documents: Status; procedure: Status }
}
export interface BaselineAnswer {
  identity: { personalId?: string } | null
  documents: unknown[]
  procedure: { code: string } | null
}

/** What is wrong with one answer to `body`, or undefined when all three sources answered with data. */
export function checkAnswer(side: 'hub' | 'baseline', body: string, answer: unknown): string | undefined {
  const asked = JSON.parse(body) as { procedureCode: string; applicant: { id: string } }
  const want = DOCUMENT_TYPES.length
  if (side === 'hub') {
    const a = answer as HubAnswer
    const bad = Object.entries(a.sources ?? {}).filter(([, s]) => s.status !== 'ok' || s.code !== undefined)
    if (bad.length > 0) return `sources not ok: ${bad.map(([k, s]) => `${k} ${s.status}${s.code ? ` ${s.code}` : ''}`).join(', ')}`
    if (a.applicant?.data?.personalId !== asked.applicant.id) return 'identity missing or another citizen'
    if (a.documents?.length !== want) return `${a.documents?.length} documents instead of ${want}`
    if (a.procedure?.code !== asked.procedureCode) return 'procedure missing or another one'
    return undefined
  }
  const b = answer as BaselineAnswer
  if (b.identity?.personalId !== asked.applicant.id) return 'identity missing or another citizen'
  if (b.documents?.length !== want) return `${b.documents?.length} documents instead of ${want}`
  if (b.procedure?.code !== asked.procedureCode) return 'procedure missing or another one'
  return undefined
}

/** Every body once to both sides (no upstream latency yet): all must answer 200 with all three sources' data. */
export async function preflight(sides: Array<{ label: 'hub' | 'baseline'; url: string }>, headers: Record<string, string>, bodies: string[]): Promise<void> {
  const problems: string[] = []
  await inParallel(bodies, 8, async (body) => {
    if (problems.length >= 5) return
    for (const side of sides) {
      const res = await fetch(`${side.url}/v1/prefill`, { method: 'POST', headers, body })
      const text = await res.text()
      const problem = res.status !== 200 ? `answered ${res.status}` : checkAnswer(side.label, body, JSON.parse(text))
      if (problem) problems.push(`${side.label} to ${body}: ${problem}: ${text.slice(0, 300)}`)
    }
  })
  if (problems.length > 0) throw new BenchmarkFailure(`preflight failed:\n  ${problems.slice(0, 5).join('\n  ')}`)
}

/** Checks one answer in ten (every side, warm-ups included) into `samples`; the hub's also give `sources.*.ms`. */
export function sampler(side: 'hub' | 'baseline', data: PrefillData, samples: Samples): (status: number, text: string) => void {
  let seen = 0
  return (status, text) => {
    if (status !== 200 || ++seen % 10 !== 0) return
    samples.checked++
    try {
      const answer = JSON.parse(text) as Partial<HubAnswer> & Partial<BaselineAnswer>
      const id = answer.applicant?.data?.personalId ?? answer.identity?.personalId
      const body = id === undefined ? undefined : data.bodyById.get(id)
      const problem = body === undefined ? 'no known citizen in the answer' : checkAnswer(side, body, answer)
      if (problem) return void (samples.problems.length < 3 && samples.problems.push(problem))
      samples.ok++
      if (answer.sources) for (const k of ['identity', 'documents', 'procedure'] as const) samples.sourceMs[k].push(answer.sources[k].ms)
    } catch (err) {
      if (samples.problems.length < 3) samples.problems.push(`unreadable answer: ${(err as Error).message}`)
    }
  }
}
