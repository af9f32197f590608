import { join } from 'node:path'
import { runChild, startServer } from '../lib/child.ts'
import { HttpClient } from '../lib/http.ts'
import { createBatch, listPage, waitAll } from '../lib/jobs.ts'
import { ensurePostgres, ensureRedis, freshBenchDatabase, POSTGRES_URL } from '../lib/services.ts'
import { chunks, sleep, wallNow } from '../lib/stats.ts'
import type { Figures, Scenario, ScenarioContext } from '../lib/types.ts'

interface Throughput {
  ms: number
  jobsPerSec: number
}

/** BullMQ worker concurrency and pg-boss worker loops × batch size: their fastest setups here. */
const BULLMQ_CONCURRENCY = 200
const PGBOSS_WORKERS = 8
const PGBOSS_BATCH = 1000
/**
 * jobvisor's handlers at once, in every P2 child: as many jobs in flight as graphile-worker holds
 * (its local queue of 500, with 24 running), in the range the others get (BullMQ 200, pg-boss
 * 8 × 1000). A claim takes at most the free slots, so on PostgreSQL the default 100 made claims of
 * ~50 rows each paying a statement and a commit (~6k jobs/s against ~8.5k at 500, alternating
 * runs); on SQLite the two were within the noise.
 */
const P2_CONCURRENCY = '500'

/** jobvisor over HTTP: batches of 1000, then polled until nothing is waiting or running. */
async function httpBatch(ctx: ScenarioContext, run: number, count: number, db?: string): Promise<Throughput> {
  const server = await startServer({
    env: { JOBVISOR_DB: db ?? join(ctx.tmp, `p2-http-${run}.db`), JOBVISOR_MAX_CONCURRENCY: P2_CONCURRENCY },
    stdoutFile: join(ctx.tmp, `p2-http-${run}.log`),
  })
  const client = new HttpClient(server.url)
  try {
    const specs = Array.from({ length: count }, () => ({ type: 'noop', params: {} }))
    const started = wallNow()
    const ids: string[] = []
    for (const part of chunks(specs, 1000)) ids.push(...(await createBatch(client, part)).map((j) => j.id))
    // A reader polling the list (cheap, indexed) sees the moment nothing is left to run.
    while ((await listPage(client, 'state=queued,running,scheduled&limit=1')).page.items.length > 0)
      await sleep(5)
    const ms = wallNow() - started
    const jobs = await waitAll(client, ids, 0)
    const bad = jobs.filter((j) => j.state !== 'succeeded').length
    if (bad > 0) throw new Error(`jobvisor HTTP: ${bad} of ${count} jobs did not succeed`)
    return { ms, jobsPerSec: (count / ms) * 1000 }
  } finally {
    client.close()
    await server.stop()
  }
}

export const p2: Scenario = {
  name: 'p2',
  title: 'durable throughput end to end (noop jobs until succeeded in the store)',
  bar: 'SQLite: ≥ 1.5× graphile-worker, ≥ 3× BullMQ, ≥ 10× pg-boss; PostgreSQL: ≥ 1× graphile-worker, ≥ 3× pg-boss (same run)',
  figures: [
    {
      key: 'jobvisor http',
      label: `jobvisor, HTTP batches of 1000 (concurrency ${P2_CONCURRENCY})`,
      unit: 'jobs/s',
    },
    {
      key: 'jobvisor engine',
      label: `jobvisor, engine API createMany (concurrency ${P2_CONCURRENCY})`,
      unit: 'jobs/s',
    },
    { key: 'bullmq', label: `BullMQ addBulk + Worker(concurrency ${BULLMQ_CONCURRENCY})`, unit: 'jobs/s' },
    {
      key: 'pgboss',
      label: `pg-boss insert + ${PGBOSS_WORKERS} work(batchSize ${PGBOSS_BATCH})`,
      unit: 'jobs/s',
    },
    {
      key: 'graphile',
      label: 'graphile-worker 0.17 (localQueue 500, completeJobBatchDelay 0, 24 jobs)',
      unit: 'jobs/s',
    },
    { key: 'pg http', label: 'jobvisor on PostgreSQL, HTTP batches of 1000', unit: 'jobs/s' },
    { key: 'pg engine', label: 'jobvisor on PostgreSQL, engine API createMany', unit: 'jobs/s' },
    { key: 'graphile ratio engine', label: 'jobvisor engine (SQLite) / graphile-worker', unit: '×' },
    { key: 'graphile ratio pg engine', label: 'jobvisor engine (PostgreSQL) / graphile-worker', unit: '×' },
    { key: 'pgboss ratio pg engine', label: 'jobvisor engine (PostgreSQL) / pg-boss', unit: '×' },
    { key: 'bullmq ratio http', label: 'jobvisor HTTP / BullMQ', unit: '×' },
    { key: 'bullmq ratio engine', label: 'jobvisor engine / BullMQ', unit: '×' },
    { key: 'pgboss ratio http', label: 'jobvisor HTTP / pg-boss', unit: '×' },
    { key: 'pgboss ratio engine', label: 'jobvisor engine / pg-boss', unit: '×' },
  ],
  checks: [
    { label: 'SQLite engine ≥ 1.5× graphile-worker', key: 'graphile ratio engine', op: '>=', goal: 1.5 },
    { label: 'PostgreSQL engine ≥ 1× graphile-worker', key: 'graphile ratio pg engine', op: '>=', goal: 1 },
    { label: 'PostgreSQL engine ≥ 3× pg-boss', key: 'pgboss ratio pg engine', op: '>=', goal: 3 },
    { label: 'HTTP ≥ 3× BullMQ', key: 'bullmq ratio http', op: '>=', goal: 3 },
    { label: 'engine API ≥ 3× BullMQ', key: 'bullmq ratio engine', op: '>=', goal: 3 },
    { label: 'HTTP ≥ 10× pg-boss', key: 'pgboss ratio http', op: '>=', goal: 10 },
    { label: 'engine API ≥ 10× pg-boss', key: 'pgboss ratio engine', op: '>=', goal: 10 },
  ],
  async run(ctx) {
    const count = ctx.quick ? 1000 : 20_000
    const redis = await ensureRedis()
    const postgres = await ensurePostgres()
    const skipped: Record<string, string> = {}
    if (redis) skipped.bullmq = redis
    if (postgres) skipped.pgboss = postgres
    const runs: Figures[] = []
    for (let i = 0; i < ctx.runs; i++) {
      const f: Figures = {}
      f['jobvisor http'] = (await httpBatch(ctx, i, count)).jobsPerSec
      const engine = await runChild<Throughput>('p2-engine.ts', {
        args: [join(ctx.tmp, `p2-engine-${i}.db`), String(count)],
        env: { JOBVISOR_MAX_CONCURRENCY: P2_CONCURRENCY },
        stdoutFile: join(ctx.tmp, `p2-engine-${i}.log`),
      })
      f['jobvisor engine'] = engine.jobsPerSec
      if (!redis) {
        const r = await runChild<Throughput>('p2-bullmq.ts', {
          args: [String(count), String(BULLMQ_CONCURRENCY)],
        })
        f.bullmq = r.jobsPerSec
        f['bullmq ratio http'] = (f['jobvisor http'] ?? 0) / r.jobsPerSec
        f['bullmq ratio engine'] = engine.jobsPerSec / r.jobsPerSec
      }
      if (!postgres) {
        const gw = await freshBenchDatabase('graphile')
        try {
          const r = await runChild<Throughput>('p2-graphile.ts', { args: [gw.url, String(count)] })
          f.graphile = r.jobsPerSec
          f['graphile ratio engine'] = engine.jobsPerSec / r.jobsPerSec
        } finally {
          await gw.drop()
        }
        const pgHttp = await freshBenchDatabase('jvhttp')
        try {
          f['pg http'] = (await httpBatch(ctx, i, count, pgHttp.url)).jobsPerSec
        } finally {
          await pgHttp.drop()
        }
        const pgEngine = await freshBenchDatabase('jvengine')
        try {
          const r = await runChild<Throughput>('p2-engine.ts', {
            args: [pgEngine.url, String(count)],
            env: { JOBVISOR_MAX_CONCURRENCY: P2_CONCURRENCY },
            stdoutFile: join(ctx.tmp, `p2-pg-engine-${i}.log`),
          })
          f['pg engine'] = r.jobsPerSec
          if (f.graphile) f['graphile ratio pg engine'] = r.jobsPerSec / f.graphile
        } finally {
          await pgEngine.drop()
        }
        const r = await runChild<Throughput>('p2-pgboss.ts', {
          args: [POSTGRES_URL, String(count), String(PGBOSS_WORKERS), String(PGBOSS_BATCH)],
        })
        f.pgboss = r.jobsPerSec
        f['pgboss ratio http'] = (f['jobvisor http'] ?? 0) / r.jobsPerSec
        f['pgboss ratio engine'] = engine.jobsPerSec / r.jobsPerSec
        if (f['pg engine']) f['pgboss ratio pg engine'] = f['pg engine'] / r.jobsPerSec
      }
      ctx.log(
        `run ${i + 1}: ${Object.entries(f)
          .map(([k, v]) => `${k} ${Math.round(v * 100) / 100}`)
          .join(', ')}`,
      )
      runs.push(f)
    }
    const notes = [
      `${count} jobs per contestant per run. jobvisor (SQLite file in WAL, or a fresh PostgreSQL database): default config but JOBVISOR_MAX_CONCURRENCY ${P2_CONCURRENCY}, about the jobs graphile-worker holds in flight (its local queue), info logging to a file; the HTTP client sends its batches one after another and polls \`GET /v1/jobs?state=queued,running,scheduled&limit=1\` every 5 ms; the engine-API child counts \`job:finished\` events, which are emitted after the outcome is stored.`,
      `BullMQ: local Redis, producer and Worker in one process, completed jobs kept (as jobvisor keeps its records), timed until the ${count}th 'completed' event. pg-boss 10: local PostgreSQL, own schema dropped afterwards, timed until a SQL count of completed rows reaches ${count}.`,
      `graphile-worker: its fastest documented mode (above), a silent logger, on its own fresh database of the same server; timed until its jobs table is empty, since it emits \`job:success\` before the batched completion that deletes the row is written (worker.js), and a job is done only once that is durable.`,
    ]
    return { runs, skipped, notes }
  },
}
