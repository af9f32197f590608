import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import { ROOT, runChild, startServer } from '../lib/child.ts'
import { HttpClient } from '../lib/http.ts'
import { spread } from '../lib/stats.ts'
import { type Figures, type Scenario, SkipError } from '../lib/types.ts'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/**
 * Issue 12 (informational): the dashboard's jobs page over 1M stored jobs in headless Chromium —
 * navigation → first page of rows rendered (with the counts per state), and a job created over
 * the API → its row on the page (through /v1/events). Needs `npm run build` (dist/ui).
 */
export const ui: Scenario = {
  name: 'ui',
  title: 'Dashboard jobs page over 1M stored jobs (headless Chromium)',
  bar: 'informational: time to the first rendered page and to a live update after an event',
  figures: [
    { key: 'first page p50', label: 'navigation → first page rendered, p50', unit: 'ms' },
    { key: 'counts p50', label: 'navigation → counts per state shown, p50', unit: 'ms' },
    { key: 'live update p50', label: 'POST /v1/jobs → its row on the page, p50', unit: 'ms' },
    { key: 'live update p99', label: 'POST /v1/jobs → its row on the page, p99', unit: 'ms' },
  ],
  checks: [],
  async run(ctx) {
    if (!existsSync(CHROMIUM)) throw new SkipError(`${CHROMIUM} is missing (apt-get install chromium)`)
    if (!existsSync(join(ROOT, 'dist', 'ui', 'app.js')))
      throw new SkipError('the dashboard is not built (npm run build)')
    const count = ctx.quick ? 5000 : 1_000_000
    const loads = ctx.quick ? 2 : 10
    const updates = ctx.quick ? 5 : 50
    const db = join(ctx.tmp, 'ui.db')
    ctx.log(`generating ${count} jobs`)
    const generated = await runChild<{ ms: number }>('p7-generate.ts', {
      args: [db, String(count)],
      timeoutMs: 1_800_000,
    })
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS })
    const runs: Figures[] = []
    try {
      for (let i = 0; i < ctx.runs; i++) {
        const server = await startServer({
          env: { JOBVISOR_DB: db, JOBVISOR_RETENTION: 'off' },
          stdoutFile: join(ctx.tmp, `ui-${i}.log`),
        })
        const client = new HttpClient(server.url)
        const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
        try {
          const firstPage: number[] = []
          const counts: number[] = []
          for (let l = 0; l < loads; l++) {
            await page.goto('about:blank')
            const started = performance.now()
            await page.goto(`${server.url}/ui#/jobs`)
            await page.locator('tr[data-job]').first().waitFor({ timeout: 60_000 })
            firstPage.push(performance.now() - started)
            await page
              .locator('.count .n[data-state="succeeded"]')
              .filter({ hasNotText: '…' })
              .waitFor({ timeout: 60_000 })
            counts.push(performance.now() - started)
          }
          await page.locator('.live-live').waitFor()
          const live: number[] = []
          for (let u = 0; u < updates; u++) {
            const started = performance.now()
            const reply = await client.request('POST', '/v1/jobs', { type: 'noop' })
            const id = (reply.body as { id: string }).id
            await page.locator(`tr[data-job="${id}"]`).waitFor({ timeout: 30_000 })
            live.push(performance.now() - started)
          }
          const f: Figures = {
            'first page p50': spread('x', firstPage)['x p50'] ?? Number.NaN,
            'counts p50': spread('x', counts)['x p50'] ?? Number.NaN,
            'live update p50': spread('x', live)['x p50'] ?? Number.NaN,
            'live update p99': spread('x', live)['x p99'] ?? Number.NaN,
          }
          ctx.log(
            `run ${i + 1}: ${Object.entries(f)
              .map(([k, v]) => `${k} ${v.toFixed(0)} ms`)
              .join(', ')}`,
          )
          runs.push(f)
        } finally {
          await page.close()
          client.close()
          await server.stop()
        }
      }
    } finally {
      await browser.close()
    }
    return {
      runs,
      notes: [
        `${count.toLocaleString('en')} finished jobs generated straight into the SQLite file (bench/children/p7-generate.ts) in ${Math.round(generated.ms / 1000)} s.`,
        `Per run: ${loads} navigations from about:blank to /ui#/jobs (first page: 25 rows rendered; counts: GET /v1/jobs/counts shown), then ${updates} creates over HTTP, each timed until its row is on the page (job:created on /v1/events). One page, 1280×800, Debian Chromium through playwright-core.`,
      ],
    }
  },
}
