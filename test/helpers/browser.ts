/**
 * Headless Debian Chromium through playwright-core for the console's browser tests: a fresh
 * profile per test (removed at its end), Vietnamese locale and the province's time zone.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'
import { chromium, type Page } from 'playwright-core'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/** A page in a new browser, closed at the test's end. */
export async function openBrowserPage(t: Test, options: { acceptDownloads?: boolean } = {}): Promise<Page> {
  const profile = mkdtempSync(join(tmpdir(), 'lgsp-console-chromium-'))
  t.teardown(() => rmSync(profile, { recursive: true, force: true }))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1400, height: 900 },
    locale: 'vi-VN',
    timezoneId: 'Asia/Ho_Chi_Minh',
    ...options,
  })
  t.teardown(() => context.close())
  const page = context.pages()[0] ?? await context.newPage()
  page.setDefaultTimeout(15_000)
  return page
}
