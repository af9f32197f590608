import { join } from 'node:path'
import { runChild, startServer } from '../lib/child.ts'
import { HttpClient } from '../lib/http.ts'
import { cursorFor, listPage } from '../lib/jobs.ts'
import { ensurePostgres, freshBenchDatabase } from '../lib/services.ts'
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

/** SQLite figures are named by query; PostgreSQL's (SPEC §10) the same with a `pg ` prefix. */
const MODES = [
  ['', ''],
  ['pg ', 'PostgreSQL: '],
] as const
const figures: FigureDef[] = MODES.flatMap(([prefix, mode]) =>
  Object.keys(QUERIES).flatMap((q) =>
    PAGES.flatMap((page) =>
      (['p50', 'p99'] as const).map((p) => ({
        key: `${prefix}${q} ${page} ${p}`,
        label: `${mode}GET /v1/jobs${q === 'all' ? '' : `?${q}`}, ${page} page, ${p}`,
        unit: 'ms',
      })),
    ),
  ),
)

interface Sampling {
  requests: number
  warm: number
  budgetMs: number
  cursors: string[]
}

/** Every query × page against one server: p50 and p99 each, keys prefixed with `prefix`. */
async function measure(client: HttpClient, prefix: string, s: Sampling): Promise<Figures> {
  const f: Figures = {}
  for (const [name, query] of Object.entries(QUERIES)) {
    for (const page of PAGES) {
      const latencies: number[] = []
      const deadline = Date.now() + s.budgetMs
      for (let r = -s.warm; r < s.requests; r++) {
        // A slow query stops at its time budget once it has enough samples for a p99 worth reading.
        if (latencies.length >= 20 && Date.now() > deadline) break
        const cursor = page === 'deep' ? `cursor=${s.cursors[(r + s.warm) % s.cursors.length]}&` : ''
        const reply = await listPage(client, `${cursor}${query}`)
        if (r >= 0) latencies.push(reply.receivedAt - reply.sentAt)
      }
      const x = spread('x', latencies)
      f[`${prefix}${name} ${page} p50`] = x['x p50'] ?? Number.NaN
      f[`${prefix}${name} ${page} p99`] = x['x p99'] ?? Number.NaN
    }
  }
  return f
}

/** One server on `db` (a SQLite path or a PostgreSQL URL), measured, stopped. */
async function measureServer(db: string, logFile: string, prefix: string, s: Sampling): Promise<Figures> {
  // Retention off: the generated history must not be swept while we read it.
  const server = await startServer({
    env: { JOBVISOR_DB: db, JOBVISOR_RETENTION: 'off' },
    stdoutFile: logFile,
  })
  const client = new HttpClient(server.url)
  try {
    return await measure(client, prefix, s)
  } finally {
    client.close()
    await server.stop()
  }
}

export const p7: Scenario = {
  name: 'p7',
  title: 'list latency with a large history (GET /v1/jobs, 50 per page)',
  bar: 'p99 ≤ 20 ms for the first and a deep cursor page, with and without filters',
  figures,
  checks: MODES.flatMap(([prefix, mode]) =>
    Object.keys(QUERIES).flatMap((q) =>
      PAGES.map((page) => ({
        label: `${mode}${q} ${page} page p99 ≤ 20 ms${q === RARE ? ' (label on 0.1 % of jobs)' : ''}`,
        key: `${prefix}${q} ${page} p99`,
        op: '<=' as const,
        goal: 20,
      })),
    ),
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
    const sampling: Sampling = { requests, warm, budgetMs, cursors }
    // PostgreSQL mode (SPEC §10): the same history copied into a fresh database, when one answers.
    const skipped: Record<string, string> = {}
    const postgresDown = await ensurePostgres()
    let pg: { url: string; drop(): Promise<void> } | null = null
    let loadedMs = 0
    if (postgresDown) skipped.postgresql = postgresDown
    else {
      pg = await freshBenchDatabase('p7')
      ctx.log('copying the history into PostgreSQL')
      loadedMs = (
        await runChild<{ ms: number }>('p7-pg-load.ts', { args: [db, pg.url], timeoutMs: 1_800_000 })
      ).ms
    }
    const runs: Figures[] = []
    try {
      for (let i = 0; i < ctx.runs; i++) {
        const f = await measureServer(db, join(ctx.tmp, `p7-${i}.log`), '', sampling)
        if (pg)
          Object.assign(f, await measureServer(pg.url, join(ctx.tmp, `p7-pg-${i}.log`), 'pg ', sampling))
        ctx.log(
          `run ${i + 1}: ${Object.entries(f)
            .filter(([k]) => k.endsWith('p99'))
            .map(([k, v]) => `${k} ${v.toFixed(1)}`)
            .join(', ')}`,
        )
        runs.push(f)
      }
    } finally {
      await pg?.drop()
    }
    const notes = [
      `${count.toLocaleString('en')} finished jobs generated straight into the SQLite file in ${Math.round(generated.ms / 1000)} s (states: 88 % succeeded, 5 % failed, 2 % timed_out, 5 % cancelled; types: noop/http 35 % each, sleep 15 %, command 10 %, report.daily 5 %; labels: team (5 values, 20 % each), env (prod 90 %), customer:acme on 0.1 %; ULIDs over the past week).`,
      `PostgreSQL mode: the same rows copied into a fresh database on the local server (${Math.round(loadedMs / 1000)} s, then ANALYZE), read through the PostgreSQL adapter (label filters driven by the job_labels table's (key, value, job_id) index, src/store/postgres/job-list.ts).`,
      `${requests} sequential requests per query and page (fewer, but at least 20, if they take more than ${budgetMs / 1000} s) after ${warm} warm-up requests, one keep-alive connection, default limit 50; deep pages rotate over ${cursors.length} cursors taken from the middle 20 % of the history. The rare label shows the cost of a filter that matches few jobs (walked from the label index, src/store/sqlite/job-list.ts).`,
    ]
    return { runs, skipped, notes }
  },
}
