import { join } from 'node:path'
import { startServer } from '../lib/child.ts'
import { HttpClient } from '../lib/http.ts'
import { createBatch, expectAll, type JobLite, ms, waitAll } from '../lib/jobs.ts'
import { spread } from '../lib/stats.ts'
import type { Figures, Scenario } from '../lib/types.ts'

/** `finishedAt − startedAt − timeoutMs` of each job, from the stored records. */
const overruns = (jobs: readonly JobLite[]) =>
  jobs.map((j) => ms(j.finishedAt) - ms(j.startedAt) - (j.timeoutMs ?? Number.NaN))

export const p4: Scenario = {
  name: 'p4',
  title: 'timeout precision (sleep jobs that outlive their timeoutMs)',
  bar: 'p99 of finishedAt − startedAt − timeoutMs ≤ 3 ms',
  figures: [
    { key: 'spread p50', label: 'timeouts spread over 1 s: overrun p50', unit: 'ms' },
    { key: 'spread p99', label: 'timeouts spread over 1 s: overrun p99', unit: 'ms' },
    { key: 'spread max', label: 'timeouts spread over 1 s: overrun max', unit: 'ms' },
    { key: 'burst p50', label: 'all expiring at once: overrun p50', unit: 'ms' },
    { key: 'burst p99', label: 'all expiring at once: overrun p99', unit: 'ms' },
    { key: 'burst max', label: 'all expiring at once: overrun max', unit: 'ms' },
  ],
  checks: [
    { label: 'overrun p99 ≤ 3 ms (1,000 timeouts over 1 s)', key: 'spread p99', op: '<=', goal: 3 },
    {
      label: 'overrun p99 ≤ 3 ms (1,000 timeouts in the same ms)',
      key: 'burst p99',
      op: '<=',
      goal: 3,
      informational: true,
    },
  ],
  async run(ctx) {
    const count = ctx.quick ? 50 : 1000
    const runs: Figures[] = []
    for (let i = 0; i < ctx.runs; i++) {
      const server = await startServer({
        env: {
          JOBVISOR_DB: join(ctx.tmp, `p4-${i}.db`),
          JOBVISOR_MAX_CONCURRENCY: String(Math.max(1000, count)),
        },
        stdoutFile: join(ctx.tmp, `p4-${i}.log`),
      })
      const client = new HttpClient(server.url, { maxSockets: 4 })
      try {
        const f: Figures = {}
        // spread: timeoutMs 200 … 1199 ms, one expiry per ms; burst: all 200 ms, started by one batch.
        const variants = {
          spread: (k: number) => 200 + Math.floor((k * 1000) / count),
          burst: () => 200,
        }
        for (const [name, timeoutOf] of Object.entries(variants)) {
          const specs = Array.from({ length: count }, (_, k) => ({
            type: 'sleep',
            params: { ms: 10_000 },
            timeoutMs: timeoutOf(k),
          }))
          const created = await createBatch(client, specs)
          const jobs = await waitAll(
            client,
            created.map((j) => j.id),
            30_000,
          )
          expectAll(jobs, 'timed_out', `p4 ${name}`)
          Object.assign(f, spread(name, overruns(jobs)))
        }
        ctx.log(`run ${i + 1}: spread p99 ${f['spread p99']} ms, burst p99 ${f['burst p99']} ms`)
        runs.push(f)
      } finally {
        client.close()
        await server.stop()
      }
    }
    const notes = [
      `${count} \`sleep\` jobs (10 s) per variant, created by \`POST /v1/jobs/batch\`, running at once; figures from the stored \`startedAt\`/\`finishedAt\` (ms resolution). "spread" gives the jobs timeouts of 200…1199 ms so about one expires per ms (the bar); "burst" gives all 200 ms, so each claim batch of up to 256 jobs expires in the same ms and the last one's record is written after all the others' (informational).`,
    ]
    return { runs, notes }
  },
}
