/**
 * Connector for the electronic civil-status database (Cơ sở dữ liệu hộ tịch điện tử): one birth,
 * marriage or death entry by its register coordinates (`getRecord`), and a check of a name and
 * birth date against it (`verifyRecord`), over JSON with the upstream's auth of choice. Wire
 * format in wire.ts (record fields from real code, the query provisional: README.md), config in
 * config.ts, the upstream's stand-in in simulator.ts, the routes it declares below.
 */
import { Type } from 'typebox'
import type { Connector, ConnectorContext, DeclaredRoute, OperationContext } from '../../src/upstream/types.js'
import { implement } from '../../src/upstream/contract.js'
import { defineConnector } from '../../src/upstream/connector-kit.js'
import { createAuthStrategy } from '../../src/upstream/auth/index.js'
import { clientOverrides } from '../../src/upstream/client-config.js'
import { UpstreamError, isUpstreamError } from '../../src/upstream/errors.js'
import { CivilStatusConfigSchema, type CivilStatusConfig } from './config.js'
import { CivilStatusRecord, RecordLookup, RecordVerify, type RecordRef, type VerifyClaims, type VerifyResult } from './model.js'
import { lookupBody, readLookupReply } from './wire.js'
import { sandboxConfig, startCivilStatusSimulator } from './simulator.js'

/** Names compare as Vietnamese readers would: case, spacing and Unicode form do not matter, diacritics do. */
const sameName = (a: string, b: string) => a.normalize('NFC').replace(/\s+/g, ' ').trim().toLocaleUpperCase('vi') === b.normalize('NFC').replace(/\s+/g, ' ').trim().toLocaleUpperCase('vi')

export function compareClaims(record: CivilStatusRecord | null, claims: VerifyClaims): VerifyResult {
  if (record === null) return { found: false, match: false, mismatches: [] }
  const people = record.kind === 'marriage' ? [record.husband, record.wife] : [record.person]
  const named = people.find((p) => p !== undefined && sameName(p.fullName, claims.fullName))
  const mismatches: VerifyResult['mismatches'] = []
  if (named === undefined) mismatches.push('fullName')
  if (claims.dateOfBirth !== undefined && named?.dateOfBirth !== claims.dateOfBirth) mismatches.push('dateOfBirth')
  return { found: true, match: mismatches.length === 0, mismatches }
}

function create(ctx: ConnectorContext<CivilStatusConfig>): Connector {
  const config = ctx.config
  const client = ctx.createClient({
    baseUrl: config.baseUrl,
    auth: createAuthStrategy(config.auth, { log: ctx.log }),
    ...(config.maxResponseBytes !== undefined && { maxResponseBytes: config.maxResponseBytes }),
    ...clientOverrides(config),
  })

  /** One lookup; the reply is read inside `inspect`, so an unusable one counts for the circuit breaker like an HTTP 503. */
  async function lookup(ref: RecordRef, signal: AbortSignal): Promise<CivilStatusRecord | null> {
    let found: { value: CivilStatusRecord | null } | undefined
    await client.request({
      method: 'POST', path: config.lookupPath, headers: { 'content-type': 'application/json; charset=utf-8', accept: 'application/json' },
      body: JSON.stringify(lookupBody(ref, config.provinceCode, config.modules[ref.kind])), idempotent: true, signal,
      inspect(res) {
        try {
          found = { value: readLookupReply(res.body, ref.kind, ref) }
          return undefined
        } catch (err) {
          if (isUpstreamError(err)) return err
          throw err
        }
      },
    })
    if (found === undefined) throw new UpstreamError('bad_response', 'The civil-status database reply was not read.')
    return found.value
  }

  const getRecord = implement(RecordLookup, {
    timeoutMs: config.timeoutMs.getRecord, idempotent: true,
    run: (input: RecordRef, op: OperationContext) => lookup(input, op.signal),
  })
  const verifyRecord = implement(RecordVerify, {
    timeoutMs: config.timeoutMs.verifyRecord, idempotent: true,
    run: async (input, op) => compareClaims(await lookup({ kind: input.kind, officeCode: input.officeCode, book: input.book, number: input.number }, op.signal), input),
  })

  return {
    operations: { getRecord, verifyRecord },
    /** A lookup of an entry nobody holds: proves the endpoint and our credentials; a readable "none" is healthy. */
    probe: async (signal) => void (await lookup({ kind: 'birth', officeCode: config.health.officeCode, book: '0', number: '0' }, signal)),
  }
}

const subject = (r: RecordRef) => `${r.kind}:${r.officeCode}/${r.book}/${r.number}`

const routes: DeclaredRoute<any>[] = [
  {
    method: 'POST', url: '/v1/civil-status/records/lookup', scope: 'citizens:read', tag: 'civil-status', operationId: 'lookupCivilStatusRecord',
    summary: 'One birth, marriage or death entry from the civil-status database',
    description: 'Addressed by the register\'s own coordinates (kind, commune code, book, entry number), never by a personal ID. The answer leaves out the identity-document numbers the register holds. Audited with the officer and purpose; 404 when the register has no such entry.',
    contract: RecordLookup,
    response: Type.Object({ record: CivilStatusRecord }),
    reply: (record: CivilStatusRecord | null) => (record === null ? null : { record }),
    notFound: 'The civil-status database holds no entry with these coordinates.',
    audit: { subject },
  } satisfies DeclaredRoute<typeof RecordLookup>,
  {
    method: 'POST', url: '/v1/civil-status/records/verify', scope: 'citizens:verify', tag: 'civil-status', operationId: 'verifyCivilStatusRecord',
    summary: 'Check a name (and birth date) against a civil-status entry',
    description: 'Whether the register holds the entry and it agrees with what the applicant states: the child\'s name (birth), the deceased\'s (death) or either spouse\'s (marriage), and optionally that person\'s birth date. Names compare regardless of case and spacing, not of diacritics. Audited with the officer and purpose.',
    contract: RecordVerify,
    response: RecordVerify.output,
    reply: (result: VerifyResult) => result,
    audit: { subject, outcome: (r: VerifyResult) => (!r.found ? 'not_found' : r.match ? 'match' : 'mismatch') },
  } satisfies DeclaredRoute<typeof RecordVerify>,
]

export default defineConnector({
  id: 'civil-status',
  configSchema: CivilStatusConfigSchema,
  create,
  routes,
  simulator: { start: startCivilStatusSimulator, sandboxConfig: (sim) => sandboxConfig(sim.url) },
})
