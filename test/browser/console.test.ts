/**
 * The operators' console in a real browser: Playwright (playwright-core) driving Debian's
 * Chromium (`apt-get install -y chromium`; .ci/run installs it) against a sandbox hub this test
 * starts (real Redis, PGlite, the simulators) and stops. An operator signs in, finds a dead
 * letter and replays it, re-enables a subscriber the one-stop system had turned away with 410,
 * runs the Decree 13 access report for a citizen and exports it as CSV, switches to English and
 * signs out. Each step is checked through the API too (delivered, enabled, audited), and
 * screenshots are saved under test-artifacts/console/ for a person to look at.
 */
import t from 'tap'
import { existsSync, mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { CHROMIUM, openBrowserPage } from '../helpers/browser.js'
import { startListeningHub, DEMO_KEY, type TestHub } from '../helpers/hub.js'
import { startReceiver } from '../helpers/receiver.js'
import { edocBody } from '../helpers/edocs.js'
import { newCode, portalSim, putDossier, snapshot, syncState, waitFor } from '../helpers/dossier.js'
import { pushEvents, sampleEvent } from '../../connectors/national-portal/simulator-push.js'
import { SANDBOX_PROVINCE_CODE } from '../../connectors/national-portal/simulator.js'
import { SANDBOX_WEBHOOK_SECRET } from '../../src/server.js'
import { buildConsole } from '../../scripts/build-console.js'

const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'console')
const ONE_STOP = `whsec_${Buffer.from('console-test-one-stop-secret').toString('base64')}`
const OFFICER = 'CB-VH-01'
const CITIZEN = { personalId: '062090001234', fullName: 'Nguyễn Văn An', dateOfBirth: '1990-05-15' }
const REPORT_PURPOSE = 'Đơn yêu cầu số 12/2026 của công dân'

/** Samples in the shape of the indicators API's contract (GET /v1/indicators, …/summary). */
const INDICATOR_ROWS = {
  from: '2026-12-01', to: '2026-12-03', groupBy: 'agency',
  rows: [
    { key: '000.00.61.H48', indicators: { onTime: { available: true, value: 0.875, numerator: 35, denominator: 40 }, online: { available: true, value: 0.6, numerator: 24, denominator: 40 }, satisfaction: { available: false, needs: ['feedback.submitted events'] } } },
    { key: '000.01.20.H48', indicators: { onTime: { available: true, value: 0.5, numerator: 5, denominator: 10 }, online: { available: true, value: 0.9, numerator: 9, denominator: 10 }, satisfaction: { available: true, value: 4.2 } } },
  ],
}
const INDICATOR_SUMMARY = {
  from: '2026-12-01', to: '2026-12-03',
  agencies: [{ agency: '000.00.61.H48', groups: [{ id: 'publicity', maxPoints: 18, points: 15.5, rates: {} }, { id: 'progress', maxPoints: 20, points: 17.5, rates: {} }, { id: 'digitization', maxPoints: 22, points: 9, rates: {} }] }],
}

t.test('the console in Chromium: sign in, replay a dead letter, enable a subscriber, run an access report', async (t) => {
  if (!existsSync(CHROMIUM)) {
    t.fail(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (.ci/run does), or set CHROMIUM_PATH`)
    return
  }
  await buildConsole()
  mkdirSync(ARTIFACTS, { recursive: true })

  const receiver = await startReceiver({ secret: ONE_STOP })
  t.teardown(() => receiver.close())
  const hub: TestHub = await startListeningHub('pglite', {
    subscribers: [{ name: 'kontum-one-stop', url: `${receiver.url}/hooks`, secrets: [ONE_STOP] }],
    webhooks: { scheduleMs: [0, 200, 200], timeoutMs: 2000 },
    sync: { reconcileEveryMs: 300, staleAfterMs: 1000, targets: { 'national-portal': { retry: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 400 } } } },
  })
  t.teardown(() => hub.close())

  // The state an operator finds: a dossier the portal refused (unknown procedure), a subscriber
  // that answered 410, and a citizen looked up by an officer for a dossier. (The dossier's
  // applicant is someone else: polling its state is audited as an access to its applicant.)
  const code = newCode('console')
  const procedureCode = `9.${String(Date.now() % 1_000_000).padStart(6, '0')}`
  t.equal((await putDossier(hub, code, snapshot(1, { procedureCode, agencyCode: SANDBOX_PROVINCE_CODE, applicant: { type: 'citizen', id: '079085001235', name: 'Trần Thị Bình' } }))).status, 202)
  await waitFor('the dossier dead-lettered', async () => (await syncState(hub, code))?.state === 'dead', 20_000)
  receiver.mode('gone', 1)
  const eventDossier = newCode('console-ev')
  const [pushed] = await pushEvents({ url: `${hub.url}/v1/webhooks/national-portal`, secret: SANDBOX_WEBHOOK_SECRET, events: [sampleEvent('feedback.submitted', { dossierCode: eventDossier })] })
  t.equal(pushed!.status, 202)
  await waitFor('the subscriber disabled by its 410', async () => (await hub.call('/admin/subscribers')).body.subscribers[0].disabledAt !== null, 10_000)
  t.equal((await hub.call('/v1/citizens/lookup', { body: CITIZEN, headers: { 'x-officer-id': 'CB-0001', 'x-purpose': 'HS-2026-000123' } })).status, 200)
  const edoc = edocBody()
  t.equal((await hub.call('/v1/edocs', { body: edoc })).status, 202)

  const page: Page = await openBrowserPage(t, { acceptDownloads: true })
  const pageErrors: string[] = []
  page.on('pageerror', (err) => pageErrors.push(err.message))
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true })
  const nav = (label: string) => page.getByRole('navigation').getByRole('link', { name: label }).click()

  await t.test('sign in with the admin key (Vietnamese by default)', async (t) => {
    await page.goto(`${hub.url}/console/`)
    await page.getByRole('heading', { name: 'Bảng điều khiển LGSP' }).waitFor()
    await shot('01-sign-in')
    await page.getByLabel('Mã cán bộ chịu trách nhiệm').fill(OFFICER)
    await page.getByLabel('Khóa API quản trị').fill(DEMO_KEY)
    await page.getByRole('button', { name: 'Đăng nhập' }).click()
    await page.getByText(`Cán bộ ${OFFICER} · sandbox-demo`).waitFor()
    await page.locator('[data-connector="population"]').getByText('Hoạt động').waitFor()
    await shot('02-connectors')
    t.equal(await page.evaluate(() => document.cookie), '', 'the session cookie is HttpOnly: invisible to scripts')
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }))
    t.notOk(stored.includes(DEMO_KEY), 'the key is not kept in the browser')
  })

  await t.test('find the dead letter and replay it', async (t) => {
    await nav('Thư lỗi (dead letter)')
    const row = page.locator('tr', { hasText: code })
    await row.waitFor()
    t.match(await row.innerText(), /national-portal/)
    await shot('03-dead-letters')
    // The portal learns the procedure, so the replay can be delivered.
    await portalSim(hub, 'POST', '/__sim/procedures', { code: procedureCode, name: 'Thủ tục bổ sung', fields: [], channels: [], requiredPapers: [], results: [], agencies: [], active: true })
    await row.getByRole('button', { name: 'Gửi lại' }).click()
    await page.getByText(/Đã gửi lại thư lỗi \d+ \(hồ sơ/).waitFor()
    await waitFor('delivered after the replay', async () => (await syncState(hub, code))?.state === 'delivered', 20_000)
    await page.locator('tr', { hasText: code }).waitFor({ state: 'detached' })
    t.pass('replayed and delivered; gone from the list')
  })

  await t.test('enable the subscriber the one-stop system had turned away', async (t) => {
    await nav('Bên nhận sự kiện')
    const row = page.locator('[data-subscriber="kontum-one-stop"]')
    await row.getByText('Đã tắt').waitFor()
    await shot('04-subscribers-disabled')
    await row.getByRole('button', { name: 'Bật lại' }).click()
    await row.getByText('Đang nhận').waitFor()
    t.equal((await hub.call('/admin/subscribers')).body.subscribers[0].disabledAt, null, 'enabled in the hub')
    await waitFor('the held event delivered', async () => receiver.received.some((d) => (d.body as { data?: { dossierCode?: string } }).data?.dossierCode === eventDossier), 10_000)
    await shot('05-subscribers-enabled')
  })

  await t.test('the document axis and the audit log pages', async (t) => {
    await nav('Trục văn bản')
    await page.getByRole('heading', { name: 'Gói tin không tiếp nhận được' }).waitFor()
    await page.getByRole('tab', { name: 'Đã gửi' }).waitFor()
    await page.locator('tr', { hasText: edoc.subject }).waitFor()
    await shot('06-edocs')
    await nav('Nhật ký truy cập')
    await page.getByLabel('Cán bộ', { exact: true }).fill(OFFICER)
    await page.getByRole('button', { name: 'Tra cứu' }).click()
    const replayRecord = page.locator('tr', { hasText: /POST \/admin\/dead-letters\/\d+\/replay/ })
    await replayRecord.waitFor()
    t.match(await replayRecord.innerText(), /sandbox-demo[\s\S]*CB-VH-01[\s\S]*console[\s\S]*202/, 'the replay, audited with who and the outcome')
    await shot('07-audit')
  })

  await t.test('run the access report for a citizen and export it', async (t) => {
    await nav('Báo cáo truy cập (NĐ 13)')
    await page.getByLabel('Số định danh cá nhân / mã doanh nghiệp').fill(CITIZEN.personalId)
    await page.getByLabel('Lý do lập báo cáo').fill(REPORT_PURPOSE)
    await page.getByRole('button', { name: 'Lập báo cáo' }).click()
    const lookupRow = page.locator('tr', { hasText: 'HS-2026-000123' })
    await lookupRow.waitFor()
    t.match(await lookupRow.innerText(), /CB-0001[\s\S]*population[\s\S]*lookup/)
    await page.locator('tr', { hasText: REPORT_PURPOSE }).waitFor()
    t.notOk(page.url().includes(CITIZEN.personalId), 'the ID is not in the page address')
    await shot('08-access-report')
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Xuất CSV' }).click()])
    const csv = readFileSync((await download.path())!, 'utf8')
    t.match(csv, /^\ufeffseq,at,client,officer_id,purpose,connector,operation,outcome,request_id\r\n/)
    t.match(csv, /,CB-0001,HS-2026-000123,population,lookup,ok,/)
    t.notOk(csv.includes(CITIZEN.personalId), 'the file shows no unmasked ID')
  })

  await t.test('English on request; the indicators page; sign out', async (t) => {
    await page.getByRole('button', { name: 'EN' }).click()
    await nav('Indicators')
    await page.getByRole('heading', { name: 'Indicators per agency and period' }).waitFor()
    // Until the indicators API is on this hub, the page says so instead of failing.
    await page.locator('table, .notice').first().waitFor()
    await shot('09-indicators-en')
    // Rendering against the indicators contract: where this hub has no such API (404), the
    // browser is answered a sample in the contract's shape; where it has one, the real answer.
    await page.route(/\/v1\/indicators(\/summary)?\?/, async (route) => {
      const real = await route.fetch()
      if (real.status() !== 404) return route.fulfill({ response: real })
      const summary = route.request().url().includes('/summary')
      return route.fulfill({ json: summary ? INDICATOR_SUMMARY : INDICATOR_ROWS })
    })
    const hasApi = (await hub.call('/v1/indicators?from=2026-12-01&to=2026-12-03')).status !== 404
    await page.getByRole('button', { name: 'Show' }).click()
    const hub48 = page.locator('tr', { hasText: '000.00.61.H48' })
    // With the real API the rows are this hub's own data (none for that agency): the page shows
    // its table (an empty-period row at least); the sample's values are checked only without it.
    // The real API against the sandbox's sample month: test/browser/console-sandbox.test.ts.
    if (hasApi) await page.locator('table').first().waitFor()
    else await hub48.waitFor()
    // An error notice would match '.notice' too: the page must not show one.
    t.equal(await page.locator('.notice.error').count(), 0, 'the indicators page shows no error', { error: await page.locator('.notice.error').allInnerTexts() })
    if (!hasApi) {
      t.match(await hub48.innerText(), /87[.,]5 %/, 'a rate shown as a percentage')
      await page.getByRole('img', { name: 'onTime' }).waitFor()
      await page.getByRole('heading', { name: '000.00.61.H48' }).waitFor()
    }
    await shot('10-indicators-chart-en')
    await nav('Queues & ledgers')
    await page.locator('tr', { hasText: 'national-portal' }).waitFor()
    await shot('11-queues-en')
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByRole('button', { name: 'Sign in' }).waitFor()
    t.strictSame(pageErrors, [], 'no script errors on any page')
  })

  await t.test('every console action is in the audit log under the officer who signed in', async (t) => {
    const records = (await hub.call('/admin/audit/search', { body: { officerId: OFFICER, limit: 1000 } })).body.records as Array<Record<string, string>>
    const ops = records.map((r) => `${r.operation} ${r.outcome}`)
    t.ok(ops.includes('console.sign-in ok'), 'signed in')
    t.ok(ops.some((o) => /^POST \/admin\/dead-letters\/\d+\/replay 202$/.test(o)), 'the replay')
    t.ok(ops.includes('POST /admin/subscribers/kontum-one-stop/enable 200'), 'the subscriber enabled')
    t.ok(ops.includes('POST /admin/audit/access-report 200'), 'the report, as a console request')
    t.ok(ops.includes('DELETE /console/session 204'), 'signed out')
    const report = records.find((r) => r.operation === 'audit.access-report')
    t.match(report, { connector: 'ledger', purpose: REPORT_PURPOSE, subjectMasked: '062*******34', client: 'sandbox-demo' }, 'the report as an access to the citizen, with its stated purpose')
  })
})
