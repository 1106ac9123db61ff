/**
 * Crash safety of the interlinked status reports (DESIGN §3.2 for this outbound path): the hub runs
 * as its own process on PostgreSQL; dossiers pulled from the interlinked platform are moved on
 * while the platform fails every report, the hub is killed with SIGKILL right after the 202s, the
 * platform recovers and the hub restarts. Every accepted status must reach the platform, once.
 */
import t from 'tap'
import { randomBytes } from 'node:crypto'
import { pino } from 'pino'
import { SANDBOX_AGENCY_CODE, SANDBOX_INTERLINKED, startNationalPortalSimulator } from '../../connectors/national-portal/simulator.js'
import { startChildHub } from '../helpers/processes.js'
import { crashHeaders, portalCrashHub } from '../helpers/crash-hub.js'
import { snapshot, waitFor } from '../helpers/dossier.js'

const DOSSIERS = 20
const STATUS_PATH = '/api/lienthongdvclt/hosolienthong/capnhattrangthai'

t.test('SIGKILL between accepting status changes and reporting them: every report lands after the restart', async (t) => {
  const sim = await startNationalPortalSimulator({ log: pino({ level: 'silent' }) })
  t.teardown(() => sim.close())
  const child = await startChildHub(t, () => portalCrashHub(sim.url, {
    portal: { interlinked: { baseUrl: sim.url, ...SANDBOX_INTERLINKED } },
    extra: {
      portalInbound: { pollEveryMs: 0, statusDelivery: { retry: { maxAttempts: 100, baseDelayMs: 200, maxDelayMs: 1000 } } },
      sync: { leaseMs: 2000, reconcileEveryMs: 300, staleAfterMs: 1000 },
    },
  }))
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${child.url}${path}`, { method, headers: { ...crashHeaders, ...(body !== undefined && { 'content-type': 'application/json' }) }, ...(body !== undefined && { body: JSON.stringify(body) }) })
    return { status: res.status, body: await res.json() as any }
  }
  const simCall = async (method: string, path: string, body?: unknown) =>
    (await fetch(`${sim.url}${path}`, { method, ...(body !== undefined && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) })).json() as Promise<any>
  const suffix = randomBytes(3).toString('hex')
  const code = (i: number) => `KS-CRASH-${suffix}-${i}`
  const states = async () => {
    const byCode = new Map<string, number[]>()
    for (const s of (await simCall('GET', '/__sim/interlinked')).statuses) byCode.set(s.body.soHoSoLT, [...(byCode.get(s.body.soHoSoLT) ?? []), s.body.trangThai])
    return byCode
  }

  for (let i = 0; i < DOSSIERS; i++) {
    await simCall('POST', '/__sim/interlinked/items', {
      id: `c${suffix}${i}`, maDonVi: 23011, maTTHC: '1.001193', module: 'KS', maHoSo: code(i), ngayTiepNhan: '20261120081500', techId: `tech-${i}`,
      hoTich: { nycHoTen: `Người yêu cầu ${i}`, nycSoGiayToTuyThan: `0511900${String(10000 + i)}` }, fileDinhKem: [],
    })
  }
  t.strictSame(await call('POST', '/admin/portal-inbound/poll'), { status: 200, body: { taken: DOSSIERS } })
  await waitFor('every intake reported (trangThai 1)', async () => (await states()).size === DOSSIERS, 30_000, 200)

  // The platform now fails every report: what the PUTs queue is committed but cannot be delivered.
  await simCall('POST', '/__sim/faults', { status: 503, paths: [STATUS_PATH] })
  const answers: number[] = []
  for (let i = 0; i < DOSSIERS; i++) {
    answers.push((await call('PUT', `/v1/dossiers/${code(i)}`, snapshot(1, { procedureCode: '1.001193', agencyCode: SANDBOX_AGENCY_CODE, status: 'received' }))).status)
  }
  t.strictSame(answers, Array(DOSSIERS).fill(202), 'every change accepted')
  await child.hub.kill('SIGKILL')
  t.ok([...(await states()).values()].every((s) => s.length === 1), 'nothing reported while the platform failed')
  await simCall('DELETE', '/__sim/faults')
  await child.restart()

  await waitFor('every accepted status reported after the restart', async () => [...(await states()).values()].filter((s) => s.includes(3)).length === DOSSIERS, 60_000, 250)
  const all = await states()
  t.strictSame([...Array(DOSSIERS).keys()].map((i) => all.get(code(i))), Array.from({ length: DOSSIERS }, () => [1, 3]), 'each dossier: taken, then accepted, once')
  await waitFor('the ledger settled', async () => {
    const q = (await call('GET', '/admin/queues')).body.targets['interlinked-status']
    return q.pending === 0 && q.retrying === 0 && q.dead === 0
  }, 15_000, 200)
})
