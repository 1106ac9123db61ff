/**
 * The national-portal connector through the registry (real undici client, Redis circuit breaker)
 * against its simulator over loopback HTTP. Needs Redis at TEST_REDIS_URL or 127.0.0.1:6379;
 * every connector gets its own key prefix, all deleted afterwards.
 */
import t, { type Test } from 'tap'
import { randomBytes } from 'node:crypto'
import { Writable } from 'node:stream'
import { Redis } from 'ioredis'
import { deleteRedisPrefix } from '../../helpers/hub.js'
import { pino } from 'pino'
import nationalPortal from '../../../connectors/national-portal/index.js'
import {
  SANDBOX_AGENCY_CODE, SANDBOX_CREDENTIALS, SANDBOX_DSTCODE, SANDBOX_PROCEDURES, sandboxAgencies, sandboxProcedures, startNationalPortalSimulator,
  type SimulatorOptions,
} from '../../../connectors/national-portal/simulator.js'
import { createRegistry, validateConnectorConfigs } from '../../../src/upstream/registry.js'
import { createValidator } from '../../../src/config/validate.js'
import { createMetrics } from '../../../src/metrics.js'
import type { UpstreamError } from '../../../src/upstream/errors.js'
import { FULL_DOSSIER, MINIMAL_DOSSIER } from './fixtures.js'

const silent = pino({ level: 'silent' })
const redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 })
const prefix = `test:national-portal:${randomBytes(6).toString('hex')}:`

t.teardown(async () => {
  await deleteRedisPrefix(prefix)
  await redis.quit()
})

/** A registry holding only this connector, on its own simulator and Redis prefix, logging at trace into `logs`. */
async function open(t: Test, section: Record<string, unknown> = {}, simOptions: SimulatorOptions = {}) {
  const sim = await startNationalPortalSimulator({ log: silent, ...simOptions })
  const logs: string[] = []
  const log = pino({ level: 'trace' }, new Writable({ write(chunk: Buffer, _e, done) { logs.push(chunk.toString('utf8')); done() } }))
  const connectors = {
    'national-portal': {
      enabled: true, baseUrl: sim.url, username: SANDBOX_CREDENTIALS.username, password: SANDBOX_CREDENTIALS.password,
      dstcode: SANDBOX_DSTCODE, agencyCode: SANDBOX_AGENCY_CODE, retry: { baseDelayMs: 1, maxDelayMs: 5 },
      // The breaker has its own tests; here it must not turn later failures into circuit_open.
      circuit: { failureThreshold: 1000 }, ...section,
    },
  }
  const problems = await validateConnectorConfigs(connectors)
  if (problems.length > 0) throw new Error(problems.join('\n'))
  const registry = await createRegistry({ connectors, redis, redisPrefix: `${prefix}${randomBytes(3).toString('hex')}:`, log, metrics: createMetrics({ defaultMetrics: false }) })
  t.teardown(async () => {
    await registry.close()
    await sim.close()
  })
  // The connector's own tests call its operations by name; the result type is the test's to state.
  const invoke = <T = unknown>(operation: string, input: unknown, signal: AbortSignal = new AbortController().signal) =>
    registry.invoke('national-portal', operation, structuredClone(input), { signal, requestId: `req-${randomBytes(3).toString('hex')}`, log }) as Promise<T>
  return { sim, registry, logs, invoke }
}

const failure = (p: Promise<unknown>) => p.then(() => 'ok' as const, (e: UpstreamError) => ({ kind: e.kind, upstreamCode: e.upstreamCode, upstreamReason: e.upstreamReason }))
const kindOf = (p: Promise<unknown>) => p.then(() => 'ok', (e: UpstreamError) => e.kind)
const progressStep = { dossierCode: MINIMAL_DOSSIER.code, id: 'step-1', officer: 'Cán bộ A', unit: 'Phòng Tư pháp', at: '2024-03-02T03:00:00Z', content: 'Thẩm định hồ sơ' }

t.test('the sandbox config startSimulator returns passes the config schema and reaches the simulator', async (t) => {
  const sandbox = await nationalPortal.startSimulator!({ log: silent })
  t.teardown(() => sandbox.close())
  const validate = createValidator(nationalPortal.configSchema)
  t.ok(validate(structuredClone(sandbox.config)), JSON.stringify(validate.errors))
  const { invoke } = await open(t, { baseUrl: sandbox.url })
  t.match(await invoke('listAgencies', {}), { agencies: Array })
})

t.test('syncDossier: each version reaches the portal in wire form with Vietnam times; getDossier reads its state back', async (t) => {
  const { sim, invoke } = await open(t)
  const first = await invoke<{ acceptedAt: string }>('syncDossier', { dossier: { ...FULL_DOSSIER, status: 'processing' }, isUpdate: false })
  t.ok(Math.abs(Date.parse(first.acceptedAt) - Date.now()) < 5000, 'acceptedAt is now')
  await invoke('syncDossier', { dossier: FULL_DOSSIER, isUpdate: true })
  const versions = sim.received(FULL_DOSSIER.code)
  t.strictSame(versions.map((v) => [v.isUpdating, v.record['TrangThaiHoSo'], v.record['NgayTiepNhan'], v.record['NgayTra'], v.record['SoGiayToChuHoSo'], v.record['MaDoiTuong'], v.record['HinhThuc'], v.record['KenhThucHien']]), [
    [false, '4', '20240301083000', '20240305071500', '062090001234', 'techid-7f3a9c', '1', '3'],
    [true, '10', '20240301083000', '20240305071500', '062090001234', 'techid-7f3a9c', '1', '3'],
  ])
  t.strictSame(await invoke('getDossier', { code: FULL_DOSSIER.code }), {
    code: FULL_DOSSIER.code, statusCode: 10, status: 'returned',
    receivedAt: '2024-03-01T08:30:00+07:00', dueAt: '2024-03-05T17:00:00+07:00', returnedAt: '2024-03-05T07:15:00+07:00',
  })
  t.equal(await invoke('getDossier', { code: 'HS-NOT-THERE' }), null)
})

t.test('a refusal is `rejected` with the portal\'s code and reason, and not retried; fixing the catalogue fixes it', async (t) => {
  const { sim, invoke } = await open(t)
  const dossier = { ...MINIMAL_DOSSIER, procedureCode: '1.900001' }
  await invoke('listAgencies', {})
  const before = sim.stats().requests
  t.strictSame(await failure(invoke('syncDossier', { dossier, isUpdate: false })), {
    kind: 'rejected', upstreamCode: '2', upstreamReason: 'Mã thủ tục hành chính (MaTTHC) không tồn tại trong danh mục TTHC của Cổng DVCQG',
  })
  t.equal(sim.stats().requests - before, 1, 'one request')
  sim.addProcedure({ ...sandboxProcedures()[0]!, code: '1.900001' })
  t.equal(await kindOf(invoke('syncDossier', { dossier, isUpdate: false })), 'ok')
  t.strictSame(await failure(invoke('updateProgress', { ...progressStep, dossierCode: 'HS-UNKNOWN' })), {
    kind: 'rejected', upstreamCode: '3', upstreamReason: 'Hồ sơ (MaHoSo) chưa được đồng bộ lên Cổng DVCQG',
  })
})

t.test('transient codes are `unavailable`: retried for the upsert, never for a progress step', async (t) => {
  const { sim, invoke } = await open(t, { retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 } })
  await invoke('syncDossier', { dossier: MINIMAL_DOSSIER, isUpdate: false }) // logs in first
  sim.setFaults({ appFault: 'server' })
  let before = sim.stats().requests
  t.strictSame(await failure(invoke('syncDossier', { dossier: MINIMAL_DOSSIER, isUpdate: true })), { kind: 'unavailable', upstreamCode: '-9', upstreamReason: undefined })
  t.equal(sim.stats().requests - before, 3, 'three attempts')
  before = sim.stats().requests
  t.strictSame(await failure(invoke('updateProgress', progressStep)), { kind: 'unavailable', upstreamCode: '-9', upstreamReason: undefined })
  t.equal(sim.stats().requests - before, 1, 'a progress step is sent once')
  sim.setFaults({ appFault: 'server', count: 1 })
  t.equal(await kindOf(invoke('syncDossier', { dossier: MINIMAL_DOSSIER, isUpdate: true })), 'ok', 'the retry succeeds')
  t.equal(sim.received(MINIMAL_DOSSIER.code).length, 2)
})

t.test('updateProgressBatch: steps of several dossiers in one CapNhatTienDoHoSoMC call; a call refused as a whole is resent one step per call', async (t) => {
  const { sim, invoke } = await open(t)
  for (const code of ['HS-P-1', 'HS-P-2']) await invoke('syncDossier', { dossier: { ...MINIMAL_DOSSIER, code }, isUpdate: false })
  const steps = ['HS-P-1', 'HS-P-2', 'HS-P-1'].map((dossierCode, i) => ({ ...progressStep, dossierCode, id: `s${i}`, content: `bước ${i}` }))
  const before = sim.stats().services['CapNhatTienDoHoSoMC'] ?? 0
  t.strictSame(await invoke('updateProgressBatch', { steps }), { results: [{}, {}, {}] })
  t.equal((sim.stats().services['CapNhatTienDoHoSoMC'] ?? 0) - before, 1, 'one call')
  t.strictSame([sim.progress('HS-P-1').map((e) => e.record['NoiDungXuLy']), sim.progress('HS-P-2').map((e) => e.record['NoiDungXuLy'])], [['bước 0', 'bước 2'], ['bước 1']])
  const mixed = [steps[0]!, { ...progressStep, dossierCode: 'HS-UNKNOWN', id: 'x' }, { ...steps[1]!, at: '2024-02-30T00:00:00Z' }, steps[2]!]
  const out = await invoke<{ results: Array<{ failure?: { kind: string; upstreamCode?: string } }> }>('updateProgressBatch', { steps: mixed })
  t.strictSame(out.results.map((r) => r.failure?.kind ?? 'ok'), ['ok', 'rejected', 'rejected', 'ok'], 'the unknown dossier refused alone; the impossible date never sent')
  t.equal(sim.progress('HS-P-1').length, 4)
})

t.test('syncDossiers: one call for many dossiers, an outcome each; a refused dossier does not fail the others', async (t) => {
  const { sim, invoke } = await open(t)
  const dossier = (n: number, overrides: Record<string, unknown> = {}) => ({ ...MINIMAL_DOSSIER, code: `HS-BATCH-${n}`, ...overrides })
  const input = { dossiers: [
    { dossier: dossier(1), isUpdate: false },
    { dossier: dossier(2, { procedureCode: '1.900009' }), isUpdate: false }, // not in the catalogue: the portal refuses it
    { dossier: dossier(3, { dueAt: 'soon' }), isUpdate: false }, // no date-time: refused before sending
    { dossier: dossier(4), isUpdate: true },
  ] }
  await invoke('listAgencies', {})
  const before = sim.stats().requests
  const out = await invoke<{ results: Array<{ code: string; acceptedAt?: string; failure?: unknown }> }>('syncDossiers', input)
  t.equal(sim.stats().requests - before, 2, 'one call per isUpdating value')
  t.strictSame(out.results.map((r) => [r.code, r.acceptedAt !== undefined]), [['HS-BATCH-1', true], ['HS-BATCH-2', false], ['HS-BATCH-3', false], ['HS-BATCH-4', true]])
  t.strictSame(out.results[1]!.failure, {
    kind: 'rejected', message: 'The national portal refused the dossier sync (error code 2).', upstreamCode: '2',
    upstreamReason: 'Mã thủ tục hành chính (MaTTHC) không tồn tại trong danh mục TTHC của Cổng DVCQG',
  })
  t.match(out.results[2]!.failure, { kind: 'rejected', message: /dueAt is not an RFC 3339 date-time/ })
  t.strictSame([1, 2, 3, 4].map((n) => sim.received(`HS-BATCH-${n}`).map((v) => v.isUpdating)), [[false], [], [], [true]])
})

t.test('syncDossiers: a batch refused as a whole is resent one dossier per call; a transient failure fails the whole call', async (t) => {
  const { sim, invoke } = await open(t, { agencyCode: '000.00.00.H99' }) // unknown madonvi: every call refused with 4, no per-record answer
  const dossiers = [1, 2].map((n) => ({ dossier: { ...MINIMAL_DOSSIER, code: `HS-WHOLE-${n}` }, isUpdate: false }))
  const out = await invoke<{ results: Array<{ failure?: { kind: string; upstreamCode?: string } }> }>('syncDossiers', { dossiers })
  t.strictSame(out.results.map((r) => [r.failure?.kind, r.failure?.upstreamCode]), [['rejected', '4'], ['rejected', '4']])
  t.equal(sim.stats().requests, 1 + 3, 'login, the batch, then each dossier alone')

  const ok = await open(t, { retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 0 } })
  await ok.invoke('listAgencies', {})
  ok.sim.setFaults({ status: 503 })
  t.equal(await kindOf(ok.invoke('syncDossiers', { dossiers })), 'unavailable')
  ok.sim.clearFaults()
  t.equal(await kindOf(ok.invoke('syncDossiers', { dossiers })), 'ok')
  t.strictSame(dossiers.map((d) => ok.sim.received(d.dossier.code).length), [1, 1], 'each dossier stored once, by the call that succeeded')
})

t.test('syncDossiers: a per-record answer in another order, or listing only the refusals, still gives each dossier its own outcome', async (t) => {
  const dossiers = [1, 2, 3].map((n) => ({ dossier: { ...MINIMAL_DOSSIER, code: `HS-ORDER-${n}`, ...(n === 2 && { procedureCode: '1.900009' }) }, isUpdate: false }))
  const outcomes = (out: { results: Array<{ code: string; acceptedAt?: string; failure?: { kind: string; upstreamCode?: string } }> }) =>
    out.results.map((r) => [r.code, r.acceptedAt !== undefined ? 'ok' : `${r.failure?.kind} ${r.failure?.upstreamCode}`])
  const expected = [['HS-ORDER-1', 'ok'], ['HS-ORDER-2', 'rejected 2'], ['HS-ORDER-3', 'ok']]

  const reversed = await open(t, {}, { batchReplies: 'reversed' })
  await reversed.invoke('listAgencies', {})
  t.strictSame(outcomes(await reversed.invoke('syncDossiers', { dossiers })), expected, 'matched by the codes echoed')
  t.equal(reversed.sim.stats().requests, 1 + 1 + 1, 'login, catalogue, one batch call')

  const refusalsOnly = await open(t, {}, { batchReplies: 'refusals-only' })
  await refusalsOnly.invoke('listAgencies', {})
  t.strictSame(outcomes(await refusalsOnly.invoke('syncDossiers', { dossiers })), expected, 'unmatched: asked again one dossier per call')
  t.equal(refusalsOnly.sim.stats().requests, 1 + 1 + 1 + 3, 'login, catalogue, the batch, then each dossier alone')
  t.strictSame(dossiers.map((d) => refusalsOnly.sim.received(d.dossier.code).length), [2, 0, 2], 'the valid ones stored again (an upsert), the refused one never')
})

t.test('session expiry: one fresh login and one retry, for idempotent and non-idempotent calls alike', async (t) => {
  const { sim, invoke } = await open(t)
  await invoke('syncDossier', { dossier: MINIMAL_DOSSIER, isUpdate: false })
  t.match(sim.stats(), { logins: 1, sessionErrors: 0 })
  sim.expireSessions()
  t.equal(await kindOf(invoke('getProcedure', { code: SANDBOX_PROCEDURES.birthRegistration })), 'ok')
  t.match(sim.stats(), { logins: 2, sessionErrors: 1 })
  sim.expireSessions()
  t.equal(await kindOf(invoke('updateProgress', progressStep)), 'ok')
  t.match(sim.stats(), { logins: 3, sessionErrors: 2 })
  t.equal(sim.progress(MINIMAL_DOSSIER.code).length, 1, 'the step arrived exactly once')
  t.equal(await kindOf(invoke('listAgencies', {})), 'ok')
  t.equal(sim.stats().logins, 3, 'the new session is reused')
})

t.test('single flight: 20 concurrent calls log in once, and once more after the sessions expire', async (t) => {
  const { sim, invoke } = await open(t)
  const code = SANDBOX_PROCEDURES.businessHouseholdRegistration
  t.strictSame(await Promise.all(Array.from({ length: 20 }, () => kindOf(invoke('getProcedure', { code })))), Array(20).fill('ok'))
  t.equal(sim.stats().logins, 1)
  sim.expireSessions()
  t.strictSame(await Promise.all(Array.from({ length: 20 }, () => kindOf(invoke('getProcedure', { code })))), Array(20).fill('ok'))
  t.match(sim.stats(), { logins: 2, sessionErrors: 20, services: { LayThuTuc: 40 } })
})

t.test('a session refused right after a fresh login is `unauthorized`; so is a refused login, which is not retried', async (t) => {
  // Sessions that are already expired when issued: deterministic whatever the machine's speed.
  const shortLived = await open(t, {}, { sessionTtlMs: 0 })
  t.strictSame(await failure(shortLived.invoke('listAgencies', {})), { kind: 'unauthorized', upstreamCode: '-1', upstreamReason: undefined })
  t.match(shortLived.sim.stats(), { logins: 2, sessionErrors: 2 })
  const wrong = await open(t, { password: 'not-the-password', retry: { maxAttempts: 3 } })
  t.strictSame(await failure(wrong.invoke('listAgencies', {})), { kind: 'unauthorized', upstreamCode: '1', upstreamReason: 'Tên đăng nhập hoặc mật khẩu không đúng' })
  t.match(wrong.sim.stats(), { requests: 1, loginFailures: 1 })
})

t.test('fault kinds become error kinds', async (t) => {
  // maxRetryAfterMs 0: a 503's Retry-After ends the call at once instead of outliving the deadline.
  const { sim, invoke } = await open(t, { retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 0 }, timeoutMs: { getProcedure: 400 } })
  const get = () => kindOf(invoke('getProcedure', { code: SANDBOX_PROCEDURES.birthRegistration }))
  t.equal(await get(), 'ok')
  const outcomes: Record<string, string> = {}
  for (const [name, faults] of Object.entries({
    http503: { status: 503 }, http500: { status: 500 }, errorPage: { errorRate: 1 }, malformed: { malformed: true },
    refusal: { appFault: 'client' as const }, busy: { appFault: 'server' as const }, hang: { hang: true }, slow: { latencyMs: 2000 },
  })) {
    sim.setFaults(faults)
    outcomes[name] = await get()
  }
  sim.clearFaults()
  t.strictSame(outcomes, {
    http503: 'unavailable', http500: 'unavailable', errorPage: 'unavailable', malformed: 'bad_response',
    refusal: 'rejected', busy: 'unavailable', hang: 'timeout', slow: 'timeout',
  })
  t.equal(await get(), 'ok', 'back to normal')
})

t.test('the caller going away ends a hung login at once and closes its socket', async (t) => {
  const { sim, invoke } = await open(t, {}, { faults: { hang: true } })
  const caller = new AbortController()
  setTimeout(() => caller.abort(), 100)
  const started = Date.now()
  t.equal(await kindOf(invoke('listAgencies', {}, caller.signal)), 'aborted')
  t.ok(Date.now() - started < 1000, 'settled soon after the abort')
  const deadline = Date.now() + 2000
  while (sim.stats().inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
  t.equal(sim.stats().inFlight, 0, 'the simulator saw the exchange end')
})

t.test('catalogue operations map to Procedure, ProcedureSummary and Agency', async (t) => {
  const { invoke } = await open(t)
  const seeded = sandboxProcedures()
  t.strictSame(await invoke('getProcedure', { code: SANDBOX_PROCEDURES.housingConstructionPermit }), seeded.find((p) => p.code === SANDBOX_PROCEDURES.housingConstructionPermit))
  t.equal(await invoke('getProcedure', { code: '9.999999' }), null)
  t.strictSame(await invoke('listProcedures', {}), { procedures: seeded.map((p) => ({ code: p.code, name: p.name })) })
  const construction = await invoke<{ procedures: Array<{ code: string }> }>('listProcedures', { agencyCode: '000.00.10.H48' })
  t.strictSame(construction.procedures.map((p) => p.code), seeded.filter((p) => p.agencies.some((a) => a.code === '000.00.10.H48')).map((p) => p.code))
  t.strictSame(await invoke('listAgencies', {}), { agencies: sandboxAgencies() })
})

t.test('health: a fresh login and the agency list; not ok with the kind when the credentials are refused', async (t) => {
  const { sim, registry, invoke } = await open(t)
  await invoke('listAgencies', {})
  t.match(await registry.health('national-portal', AbortSignal.timeout(3000)), { ok: true, latencyMs: Number })
  t.match(sim.stats(), { logins: 2, services: { LayDanhMucCoQuan: 2 } }, 'not the cached session')
  const wrong = await open(t, { dstcode: 'WRONG' })
  t.match(await wrong.registry.health('national-portal', AbortSignal.timeout(3000)), { ok: false, detail: /^unauthorized: .*\(error code 1\)/ })
})

t.test('logs carry codes only: no applicant ID, name or phone and no session token, on any path', async (t) => {
  const { sim, invoke, logs } = await open(t, { retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5 } })
  const dossier = { ...MINIMAL_DOSSIER }
  await invoke('syncDossier', { dossier, isUpdate: false })
  await failure(invoke('syncDossier', { dossier: { ...dossier, procedureCode: '1.900009' }, isUpdate: true }))
  sim.expireSessions()
  await invoke('syncDossier', { dossier, isUpdate: true })
  for (const faults of [{ malformed: true }, { appFault: 'server' as const }, { status: 503 }]) {
    sim.setFaults(faults)
    await failure(invoke('syncDossier', { dossier, isUpdate: true }))
  }
  const text = logs.join('')
  t.match(text, /national portal refused the session; logging in again/, 'the re-login was logged')
  t.match(text, /"upstreamCode":"-1"/)
  for (const secret of [dossier.applicant.id, dossier.applicant.name, dossier.applicant.phone!, SANDBOX_CREDENTIALS.password]) t.notOk(text.includes(secret), `${secret.slice(0, 3)}… is not logged`)
  t.notMatch(text, /"session"/, 'no session field')
  t.notMatch(text, /[A-Za-z0-9_-]{32}/, 'nothing shaped like a session token')
})
