import { join } from 'node:path'
import { runChild, type Server, startServer } from '../lib/child.ts'
import { HttpClient } from '../lib/http.ts'
import { createBatch, type JobLite, ms, waitJobs } from '../lib/jobs.ts'
import { ensurePostgres, freshBenchDatabase } from '../lib/services.ts'
import { sleep, spread } from '../lib/stats.ts'
import type { Figures, Scenario } from '../lib/types.ts'

/**
 * SPEC §10 across instances (the PostgreSQL rows of P2 and P3): two servers on one fresh database,
 * `runner` running every job and `front` running none (JOBVISOR_MAX_CONCURRENCY=0), so every
 * request to `front` is about a job on the other instance. P3: a cancel sent to `front` → the
 * reader waiting on `front` answered `cancelled` (the cancel travels front → database → runner's
 * handler → outcome → database → front). Create→start: a `noop` created on `front` → started on
 * `runner` (its stored startedAt), beside graphile-worker's add → start on the same database server.
 */
export const pgInstances: Scenario = {
  name: 'pg',
  title: 'PostgreSQL mode, two instances: cross-instance cancel and create → start',
  bar: 'cancel p99 ≤ 50 ms across instances; create → start p50 ≤ graphile-worker add → start p50',
  figures: [
    { key: 'cancel p50', label: 'cancel on front → cancelled seen by a reader on front, p50', unit: 'ms' },
    { key: 'cancel p99', label: 'cancel on front → cancelled seen by a reader on front, p99', unit: 'ms' },
    { key: 'start p50', label: 'create on front → started on runner, p50', unit: 'ms' },
    { key: 'start p99', label: 'create on front → started on runner, p99', unit: 'ms' },
    { key: 'graphile start p50', label: 'graphile-worker add → start, p50', unit: 'ms' },
    { key: 'graphile start p99', label: 'graphile-worker add → start, p99', unit: 'ms' },
    { key: 'start ratio', label: 'create → start p50 ÷ graphile-worker add → start p50', unit: '×' },
  ],
  checks: [
    { label: 'cross-instance cancel p99 ≤ 50 ms', key: 'cancel p99', op: '<=', goal: 50 },
    { label: 'create → start p50 ≤ graphile-worker add → start p50', key: 'start ratio', op: '<=', goal: 1 },
  ],
  async run(ctx) {
    const down = await ensurePostgres()
    if (down) return { runs: [], skipped: { postgresql: down }, notes: [] }
    const cancels = ctx.quick ? 50 : 1000
    const starts = ctx.quick ? 20 : 300
    const runs: Figures[] = []
    for (let i = 0; i < ctx.runs; i++) {
      const db = await freshBenchDatabase('pginst')
      const servers: Server[] = []
      try {
        const start = (name: string, concurrency: number) =>
          startServer({
            env: { JOBVISOR_DB: db.url, JOBVISOR_MAX_CONCURRENCY: String(concurrency) },
            stdoutFile: join(ctx.tmp, `pg-${name}-${i}.log`),
          }).then((s) => {
            servers.push(s)
            return s
          })
        await start('runner', cancels + 100)
        const front = await start('front', 0)
        const f: Figures = {
          ...(await cancelAcross(front, cancels)),
          ...(await startAcross(front, starts)),
        }
        const gw = await freshBenchDatabase('pginstgw')
        try {
          const r = await runChild<{ startLatencies: number[] }>('p2-graphile.ts', {
            args: [gw.url, String(starts), 'latency'],
          })
          Object.assign(f, spread('graphile start', r.startLatencies))
        } finally {
          await gw.drop()
        }
        f['start ratio'] = (f['start p50'] ?? Number.NaN) / (f['graphile start p50'] ?? Number.NaN)
        ctx.log(
          `run ${i + 1}: ${Object.entries(f)
            .map(([k, v]) => `${k} ${v.toFixed(2)}`)
            .join(', ')}`,
        )
        runs.push(f)
      } finally {
        await Promise.all(servers.map((s) => s.stop()))
        await db.drop()
      }
    }
    const notes = [
      `Two jobvisor servers on one fresh database of the local PostgreSQL (fsync on): runner (concurrency ${cancels + 100}) and front (concurrency 0: it serves the API and runs nothing). Cancel: ${cancels} \`sleep\` jobs created on front and running on runner, one waiting reader per job held on front; each cancelled on front in turn, request sent → the reader's answer. Signals between instances travel by LISTEN/NOTIFY (src/store/postgres/bus.ts).`,
      `Create → start: ${starts} \`noop\` jobs created on front one at a time, 10 ms apart; request sent (wall clock) → startedAt stored by runner (ms resolution). graphile-worker 0.17 (local queue 500, concurrency 24): ${starts} jobs added one at a time, 10 ms apart; Date.now() before addJobs → Date.now() in the task.`,
    ]
    return { runs, notes }
  },
}

/** P3 across instances: cancels sent to `front` for jobs running on the other instance. */
async function cancelAcross(front: Server, count: number): Promise<Figures> {
  const readers = new HttpClient(front.url, { maxSockets: Number.POSITIVE_INFINITY })
  const canceller = new HttpClient(front.url)
  try {
    const jobs = await createBatch(
      canceller,
      Array.from({ length: count }, () => ({ type: 'sleep', params: { ms: 600_000 } })),
    )
    await untilRunning(canceller, jobs)
    const waits = new Map(jobs.map((j) => [j.id, waitJobs(readers, [j.id], 120_000)]))
    await sleep(1000)
    const visible: number[] = []
    for (const job of jobs) {
      const cancel = await canceller.json('POST', `/v1/jobs/${job.id}/cancel`, {}, [202])
      const seen = await waits.get(job.id)
      if (seen?.result.done[0]?.state !== 'cancelled')
        throw new Error(`job ${job.id}: the reader saw ${seen?.result.done[0]?.state ?? 'nothing'}`)
      visible.push(seen.receivedAt - cancel.sentAt)
    }
    return spread('cancel', visible)
  } finally {
    readers.close()
    canceller.close()
  }
}

/** Every job is running (on the runner: front runs none). */
async function untilRunning(client: HttpClient, jobs: readonly JobLite[]): Promise<void> {
  const deadline = Date.now() + 60_000
  for (;;) {
    const counts = (await client.json('GET', '/v1/jobs/counts', undefined, [200])).body as {
      counts: Record<string, number>
    }
    if ((counts.counts.running ?? 0) >= jobs.length) return
    if (Date.now() > deadline) throw new Error(`not all ${jobs.length} jobs running after 60 s`)
    await sleep(50)
  }
}

/** Create → start across instances, from the client's send to the runner's stored startedAt. */
async function startAcross(front: Server, count: number): Promise<Figures> {
  const client = new HttpClient(front.url)
  try {
    const sent = new Map<string, number>()
    for (let i = 0; i < count; i++) {
      const reply = await client.json('POST', '/v1/jobs', { type: 'noop' }, [201])
      sent.set((reply.body as { id: string }).id, reply.sentAt)
      await sleep(10)
    }
    const done = await waitJobs(client, [...sent.keys()], 60_000)
    if (done.result.pending.length > 0) throw new Error(`${done.result.pending.length} jobs never ran`)
    return spread(
      'start',
      done.result.done.map((j) => ms(j.startedAt) - (sent.get(j.id) ?? Number.NaN)),
    )
  } finally {
    client.close()
  }
}
