import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll } from 'vitest'
import { buildUi } from '../../scripts/build-ui.mjs'
import { buildTestApp, type TestApp } from './app.ts'
import { listen } from './sse-client.ts'

/** Debian's chromium (`apt-get install chromium`, .ci/run does it): Playwright never downloads a browser. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
export const hasChromium = existsSync(CHROMIUM)

let built: Promise<string> | undefined
/** The dashboard bundled once per test file into a temp dir (the service serves it from there). */
const uiDir = () => {
  built ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jobvisor-ui-'))
    await buildUi(dir)
    return dir
  })()
  return built
}

let browser: Browser | undefined
afterAll(async () => {
  await browser?.close()
  browser = undefined
})

/** Headless Chromium with a fresh profile (Playwright makes a temp user-data-dir for each launch). */
async function theBrowser(): Promise<Browser> {
  browser ??= await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
  return browser
}

/** A service with the dashboard, listening on loopback, and a page of a new browser context. */
export async function openDashboard(
  env: Record<string, string> = {},
  viewport = { width: 1280, height: 800 },
): Promise<{ t: TestApp; base: string; page: Page }> {
  const t = await buildTestApp(env, { uiDir: await uiDir() })
  const base = await listen(t.app)
  const context = await (await theBrowser()).newContext({ viewport, colorScheme: 'light' })
  const page = await context.newPage()
  // Two shared cores: generous, but well below the test's own timeout, so a miss names its locator.
  page.setDefaultTimeout(15_000)
  // Errors in the page are test failures, not noise.
  page.on('pageerror', (err) => {
    throw err
  })
  return { t, base, page }
}

/** docs/<name>.png for the README, when UPDATE_SCREENSHOTS is set (npm run screenshots). */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (!process.env.UPDATE_SCREENSHOTS) return
  await page.evaluate('window.scrollTo(0, 0)')
  await page.screenshot({
    path: new URL(`../../docs/${name}.png`, import.meta.url).pathname,
    fullPage: false,
  })
}
