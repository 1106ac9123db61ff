/**
 * The console against the sandbox as `npm start` runs it (the sample subscriber, the indicator
 * sample month), in Chromium. Issue 15: "a sample subscriber … whose received webhooks the
 * console shows": a signed portal push is routed to the sample subscriber, and an operator sees
 * that webhook (id, type, the receiver's answer and signature verdict) on the subscribers page,
 * in Vietnamese and in English. The indicators page over the sample month shows the API's own
 * numbers, and a Decision 766 group the hub cannot score (points null) as not computable, never
 * as zero points. A hub without the sample subscriber shows no such section.
 * Screenshots under test-artifacts/console/.
 */
import t, { type Test } from 'tap'
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { CHROMIUM, openBrowserPage } from '../helpers/browser.js'
import { startListeningHub, DEMO_KEY, type TestHub } from '../helpers/hub.js'
import { waitFor } from '../helpers/dossier.js'
import { pushEvents, sampleEvent } from '../../connectors/national-portal/simulator-push.js'
import { SANDBOX_WEBHOOK_SECRET } from '../../src/server.js'
import { buildConsole } from '../../scripts/build-console.js'
import { seedSandboxSample } from '../../src/indicators/sandbox-sample.js'

const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'console')
const OFFICER = 'CB-VH-02'

async function openConsole(t: Test, hub: TestHub): Promise<Page> {
  const page = await openBrowserPage(t)
  await page.goto(`${hub.url}/console/`)
  await page.getByLabel('Mã cán bộ chịu trách nhiệm').fill(OFFICER)
  await page.getByLabel('Khóa API quản trị').fill(DEMO_KEY)
  await page.getByRole('button', { name: 'Đăng nhập' }).click()
  await page.getByText(`Cán bộ ${OFFICER} · sandbox-demo`).waitFor()
  return page
}

const nav = (page: Page, label: string) => page.getByRole('navigation').getByRole('link', { name: label }).click()

t.test('the console shows the webhooks the sandbox sample subscriber received', async (t) => {
  if (!existsSync(CHROMIUM)) {
    t.fail(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (.ci/run does), or set CHROMIUM_PATH`)
    return
  }
  await buildConsole()
  mkdirSync(ARTIFACTS, { recursive: true })
  const hub = await startListeningHub('pglite', { sandbox: { sampleSubscriber: true }, webhooks: { scheduleMs: [0, 200, 200] } })
  t.teardown(() => hub.close())
  t.match(await seedSandboxSample(hub), { dossiers: 36, feedback: 12 }, 'the sample month loaded as npm start does')

  const event = sampleEvent('dossier.submitted')
  const [pushed] = await pushEvents({ url: `${hub.url}/v1/webhooks/national-portal`, secret: SANDBOX_WEBHOOK_SECRET, events: [event] })
  t.equal(pushed!.status, 202, 'the portal push accepted')
  await waitFor('the sample subscriber received it', async () =>
    ((await hub.call('/admin/sandbox/subscriber/deliveries')).body.deliveries as Array<{ webhookId: string }>).some((d) => d.webhookId === pushed!.id), 10_000)

  const page = await openConsole(t, hub)
  const errors: string[] = []
  page.on('pageerror', (err) => errors.push(err.message))
  await nav(page, 'Bên nhận sự kiện')
  await page.getByRole('heading', { name: 'Bên nhận mẫu của sandbox: sự kiện đã nhận' }).waitFor()
  const row = page.locator(`[data-sample-delivery="${pushed!.id}"]`)
  await row.waitFor()
  const text = await row.innerText()
  t.match(text, /dossier\.submitted/, 'its type')
  t.match(text, /204/, 'what the receiver answered')
  t.match(text, /hợp lệ/, 'its signature verified by the receiver')
  t.match(text, new RegExp(String(event.data.dossierCode)), 'its dossier')
  await page.getByText('kontum-one-stop nhận tại').waitFor()
  await page.screenshot({ path: join(ARTIFACTS, '12-sample-subscriber.png'), fullPage: true })

  await page.getByRole('button', { name: 'EN' }).click()
  await page.getByRole('heading', { name: 'The sandbox\'s sample subscriber: webhooks received' }).waitFor()
  t.match(await page.locator(`[data-sample-delivery="${pushed!.id}"]`).innerText(), /valid/, 'in English too')

  // The indicators over the sample month: the API's numbers, and unscored groups not shown as 0.
  const month = 'from=2026-11-01&to=2026-11-30'
  const rows = (await hub.call(`/v1/indicators?${month}&groupBy=agency`)).body.rows as Array<{ key: string; indicators: Record<string, { available: boolean; value?: number | null }> }>
  const agency = rows.find((r) => r.indicators.onTimeRate?.available && typeof r.indicators.onTimeRate.value === 'number')
  t.ok(agency, 'an agency with an on-time rate in the sample month')
  const agencies = (await hub.call(`/v1/indicators/summary?${month}`)).body.agencies as Array<{ agency: string; groups: Array<{ id: string; points: number | null }> }>
  const unscored = agencies.flatMap((a) => a.groups.filter((g) => g.points === null).map((g) => ({ agency: a.agency, id: g.id })))[0]
  t.ok(unscored, 'the sample has a group the hub cannot score (points null)')
  await nav(page, 'Indicators')
  await page.getByLabel('From', { exact: true }).fill('2026-11-01')
  await page.getByLabel('To', { exact: true }).fill('2026-11-30')
  await page.getByRole('button', { name: 'Show' }).click()
  if (agency) {
    const percent = `${(agency.indicators.onTimeRate!.value! * 100).toFixed(1).replace(/\.0$/, '')} %`
    const row = page.locator('tr', { has: page.locator('strong', { hasText: agency.key }) }).first()
    await row.waitFor()
    t.match(await row.innerText(), percent, `${agency.key}: on time ${percent}, as the API says`)
  }
  if (unscored) {
    const points = page.locator('.summary-agency', { has: page.getByRole('heading', { name: unscored.agency, exact: true }) }).locator('p')
    await points.waitFor()
    const text = await points.innerText()
    t.match(text, `${unscored.id}: —/`, `${unscored.agency} ${unscored.id}: no points shown`)
    t.notMatch(text, `${unscored.id}: 0/`, 'not zero points')
  }
  t.equal(await page.locator('.notice.error').count(), 0, 'no error notice on the indicators page')
  await page.screenshot({ path: join(ARTIFACTS, '13-indicators-sample-month-en.png'), fullPage: true })
  t.strictSame(errors, [], 'no script errors')

  const records = (await hub.call('/admin/audit/search', { body: { officerId: OFFICER, limit: 100 } })).body.records as Array<Record<string, string>>
  t.ok(records.some((r) => r.operation === 'GET /admin/sandbox/subscriber/deliveries' && r.outcome === '200'), 'the console read audited')
})

t.test('a hub without the sample subscriber shows no such section', async (t) => {
  if (!existsSync(CHROMIUM)) return
  const hub = await startListeningHub('pglite', { subscribers: [{ name: 'one-stop', url: 'http://127.0.0.1:9/hooks', secrets: [`whsec_${Buffer.from('sample-absent-not-real').toString('base64')}`] }] })
  t.teardown(() => hub.close())
  t.equal((await hub.call('/admin/sandbox/subscriber/deliveries')).status, 404, 'no sample subscriber route')
  const page = await openConsole(t, hub)
  const answered = page.waitForResponse((r) => r.url().includes('/admin/sandbox/subscriber/deliveries'))
  await nav(page, 'Bên nhận sự kiện')
  t.equal((await answered).status(), 404, 'the console asked, and was told there is none')
  await page.locator('[data-subscriber="one-stop"]').waitFor()
  await page.locator('#sample-subscriber').waitFor({ state: 'detached' })
  t.equal(await page.locator('#sample-subscriber').count(), 0, 'the section is absent')
})
