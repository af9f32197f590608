import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import type { TestApp } from '../helpers/app.ts'
import { hasChromium, openDashboard, screenshot } from '../helpers/browser.ts'

/** From the Schedules page, as an operator would: the button, not a typed URL. */
async function openForm(base: string, page: Page) {
  await page.goto(`${base}/ui#/schedules`)
  await page.getByRole('link', { name: 'New schedule' }).click()
  await page.getByRole('heading', { name: 'New schedule' }).waitFor()
  // The job types arrive after the page: choosing one before would pick from an empty list.
  await page.locator('select[name="type"] option', { hasText: /^noop$/ }).waitFor({ state: 'attached' })
}

const schedulesIn = async (t: TestApp) =>
  (await t.request.get('/v1/schedules').expect(200)).body.items as { id: string; name: string }[]

// The skip report for a missing Chromium is in dashboard.browser.test.ts.
describe.skipIf(!hasChromium)(
  'the New schedule form in headless Chromium (SPEC §6, §12)',
  { timeout: 60_000 },
  () => {
    it('run periodically: an interval schedule made in the form fires on its page, then stops gracefully', async () => {
      const { t, base, page } = await openDashboard()
      await openForm(base, page)
      await page.getByLabel('Name').fill('every-second')
      await page.getByLabel('Interval').check()
      await page.getByLabel('Every').fill('1s')
      await page.locator('select[name="type"]').selectOption('noop')
      await page.getByRole('button', { name: 'Create schedule' }).click()

      await page.locator('h1 .state-active').waitFor()
      const [made] = await schedulesIn(t)
      expect(page.url()).toBe(`${base}/ui#/schedules/${made?.id}`)
      await page.getByText('every 1 s').waitFor()
      // Two fired ticks with two finished runs: it repeats, not merely started once.
      await expect
        .poll(() => page.locator('tr[data-outcome="fired"]').count(), { timeout: 20_000 })
        .toBeGreaterThanOrEqual(2)
      await expect
        .poll(() => page.locator('table.runs tr[data-job] .state-succeeded').count(), { timeout: 20_000 })
        .toBeGreaterThanOrEqual(2)

      await page.getByRole('button', { name: 'Stop', exact: true }).click()
      await page.locator('h1 .state-stopped').waitFor()
      expect((await t.request.get(`/v1/schedules/${made?.id}`)).body.state).toBe('stopped')
    })

    it('keep a background job alive: a daemon schedule made in the form shows its one run running', async () => {
      const { t, base, page } = await openDashboard()
      await openForm(base, page)
      await page.getByLabel('Name').fill('keeper')
      await page.getByLabel('Daemon').check()
      await page.getByLabel('Restart').selectOption('always')
      await page.locator('select[name="type"]').selectOption('blocking')
      await page.locator('#param-units').fill('100000000')
      await page.getByRole('button', { name: 'Create schedule' }).click()

      await page.locator('h1 .state-active').waitFor()
      await page.getByText(/^kept running \(restart always/).waitFor()
      await page.locator('table.runs tr[data-job] .state-running').waitFor()
      const [made] = await schedulesIn(t)
      const runs = (await t.request.get(`/v1/jobs?scheduleId=${made?.id}`)).body.items
      expect(runs.map((j: { state: string }) => j.state)).toEqual(['running'])
      expect(runs[0].params).toEqual({ units: 100_000_000 })
      expect(await page.locator('table.runs tr[data-job]').count()).toBe(1)
    })

    it('a bad `every` shows the API’s message beside it and creates nothing; a taken name shows beside the name', async () => {
      const { t, base, page } = await openDashboard()
      await openForm(base, page)
      await page.getByLabel('Name').fill('poll-api')
      await page.getByLabel('Every').fill('soon')
      await page.getByRole('button', { name: 'Create schedule' }).click()
      const shown = page.locator('.field-error[data-path="body.trigger.every"]')
      await shown.waitFor()
      const api = await t.request
        .post('/v1/schedules')
        .send({ name: 'poll-api', trigger: { type: 'interval', every: 'soon' }, job: { type: 'noop' } })
        .expect(400)
      expect(await shown.textContent()).toBe(api.body.errors[0].message)
      // Never only beside the field: the banner has the whole answer too.
      await page.locator('.error[role="alert"]').getByText('Bad Request (400)').waitFor()
      expect(await schedulesIn(t)).toEqual([])
      await screenshot(page, 'screenshot-new-schedule')

      await t.request
        .post('/v1/schedules')
        .send({ name: 'poll-api', trigger: { type: 'interval', every: '1h' }, job: { type: 'noop' } })
        .expect(201)
      await page.getByLabel('Every').fill('5m')
      // Enter in a field submits: a real <form> with a submit button, no click needed.
      await page.getByLabel('Every').press('Enter')
      await page.locator('.field-error[data-path="body.name"]').getByText('already exists').waitFor()
      expect(await shown.count()).toBe(0)
      expect((await schedulesIn(t)).map((s) => s.name)).toEqual(['poll-api'])
    })
  },
)
