import { join } from 'node:path'
import { runChild, startServer } from '../lib/child.ts'
import { HttpClient } from '../lib/http.ts'
import { cursorFor, listPage } from '../lib/jobs.ts'
import { spread } from '../lib/stats.ts'
import type { FigureDef, Figures, Scenario } from '../lib/types.ts'

/** Each query runs as a first page and as a deep page (cursor in the middle of the history). */
const QUERIES: Record<string, string> = {
  all: '',
  'state=succeeded': 'state=succeeded',
  'state=failed,timed_out': 'state=failed,timed_out',
  'type=report.daily': 'type=report.daily',
  'label=team:payments': 'label=team:payments',
  'label=customer:acme': 'label=customer:acme',
}
const RARE = 'label=customer:acme'
const PAGES = ['first', 'deep'] as const

const figures: FigureDef[] = Object.keys(QUERIES).flatMap((q) =>
  PAGES.flatMap((page) =>
    (['p50', 'p99'] as const).map((p) => ({
      key: `${q} ${page} ${p}`,
      label: `GET /v1/jobs${q === 'all' ? '' : `?${q}`}, ${page} page, ${p}`,
      unit: 'ms',
    })),
  ),
)

export const p7: Scenario = {
  name: 'p7',
  title: 'list latency with a large history (GET /v1/jobs, 50 per page)',
  bar: 'p99 ≤ 20 ms for the first and a deep cursor page, with and without filters',
  figures,
  checks: Object.keys(QUERIES).flatMap((q) =>
    PAGES.map((page) => ({
      label: `${q} ${page} page p99 ≤ 20 ms${q === RARE ? ' (label on 0.1 % of jobs)' : ''}`,
      key: `${q} ${page} p99`,
      op: '<=' as const,
      goal: 20,
    })),
  ),
  async run(ctx) {
    const count = ctx.quick ? 5000 : 1_000_000
    const requests = ctx.quick ? 20 : 500
    const warm = ctx.quick ? 2 : 10
    const budgetMs = ctx.quick ? 1000 : 20_000
    const db = join(ctx.tmp, 'p7.db')
    ctx.log(`generating ${count} jobs`)
    const generated = await runChild<{ ms: number; midIds: string[] }>('p7-generate.ts', {
      args: [db, String(count)],
      timeoutMs: 1_800_000,
    })
    ctx.log(`generated in ${Math.round(generated.ms / 1000)} s`)
    const cursors = generated.midIds.map(cursorFor)
    const runs: Figures[] = []
    for (let i = 0; i < ctx.runs; i++) {
      // Retention off: the generated history must not be swept while we read it.
      const server = await startServer({
        env: { JOBVISOR_DB: db, JOBVISOR_RETENTION: 'off' },
        stdoutFile: join(ctx.tmp, `p7-${i}.log`),
      })
      const client = new HttpClient(server.url)
      try {
        const f: Figures = {}
        for (const [name, query] of Object.entries(QUERIES)) {
          for (const page of PAGES) {
            const latencies: number[] = []
            const deadline = Date.now() + budgetMs
            for (let r = -warm; r < requests; r++) {
              // A slow query stops at its time budget once it has enough samples for a p99 worth reading.
              if (latencies.length >= 20 && Date.now() > deadline) break
              const cursor = page === 'deep' ? `cursor=${cursors[(r + warm) % cursors.length]}&` : ''
              const reply = await listPage(client, `${cursor}${query}`)
              if (r >= 0) latencies.push(reply.receivedAt - reply.sentAt)
            }
            const s = spread('x', latencies)
            f[`${name} ${page} p50`] = s['x p50'] ?? Number.NaN
            f[`${name} ${page} p99`] = s['x p99'] ?? Number.NaN
          }
        }
        ctx.log(
          `run ${i + 1}: ${Object.entries(f)
            .filter(([k]) => k.endsWith('p99'))
            .map(([k, v]) => `${k} ${v.toFixed(1)}`)
            .join(', ')}`,
        )
        runs.push(f)
      } finally {
        client.close()
        await server.stop()
      }
    }
    const notes = [
      `${count.toLocaleString('en')} finished jobs generated straight into the SQLite file in ${Math.round(generated.ms / 1000)} s (states: 88 % succeeded, 5 % failed, 2 % timed_out, 5 % cancelled; types: noop/http 35 % each, sleep 15 %, command 10 %, report.daily 5 %; labels: team (5 values, 20 % each), env (prod 90 %), customer:acme on 0.1 %; ULIDs over the past week).`,
      `${requests} sequential requests per query and page (fewer, but at least 20, if they take more than ${budgetMs / 1000} s) after ${warm} warm-up requests, one keep-alive connection, default limit 50; deep pages rotate over ${cursors.length} cursors taken from the middle 20 % of the history. The rare label shows the cost of a filter that matches few jobs (walked from the label index, src/store/sqlite/jobs.ts).`,
    ]
    return { runs, notes }
  },
}
