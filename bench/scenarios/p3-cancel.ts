import { join } from 'node:path'
import { startServer } from '../lib/child.ts'
import { HttpClient } from '../lib/http.ts'
import { createBatch, listPage, waitJobs } from '../lib/jobs.ts'
import { sleep, spread } from '../lib/stats.ts'
import type { Figures, Scenario } from '../lib/types.ts'

export const p3: Scenario = {
  name: 'p3',
  title: 'cancel latency (running sleep jobs, cancelled over HTTP one by one)',
  bar: 'p99 ≤ 3 ms from the cancel request being sent to `cancelled` visible to a reader',
  figures: [
    { key: 'visible p50', label: 'request sent → cancelled seen by a waiting reader, p50', unit: 'ms' },
    { key: 'visible p99', label: 'request sent → cancelled seen by a waiting reader, p99', unit: 'ms' },
    { key: 'visible max', label: 'request sent → cancelled seen by a waiting reader, max', unit: 'ms' },
    { key: 'reply p50', label: 'cancel reply (202) round trip, p50', unit: 'ms' },
    { key: 'reply p99', label: 'cancel reply (202) round trip, p99', unit: 'ms' },
  ],
  checks: [{ label: 'cancel visible p99 ≤ 3 ms', key: 'visible p99', op: '<=', goal: 3 }],
  async run(ctx) {
    const count = ctx.quick ? 50 : 1000
    const runs: Figures[] = []
    for (let i = 0; i < ctx.runs; i++) {
      const server = await startServer({
        env: {
          JOBVISOR_DB: join(ctx.tmp, `p3-${i}.db`),
          JOBVISOR_MAX_CONCURRENCY: String(Math.max(1000, count)),
        },
        stdoutFile: join(ctx.tmp, `p3-${i}.log`),
      })
      // Readers hold one connection each; the canceller uses its own single keep-alive connection.
      const readers = new HttpClient(server.url, { maxSockets: Number.POSITIVE_INFINITY })
      const canceller = new HttpClient(server.url)
      try {
        const jobs = await createBatch(
          canceller,
          Array.from({ length: count }, () => ({ type: 'sleep', params: { ms: 600_000 } })),
        )
        while ((await listPage(canceller, 'state=queued,scheduled&limit=1')).page.items.length > 0)
          await sleep(10)
        // One waiting reader per job, registered before any cancel is sent.
        const waits = new Map(jobs.map((j) => [j.id, waitJobs(readers, [j.id], 120_000)]))
        await sleep(ctx.quick ? 300 : 1000)
        const visible: number[] = []
        const replies: number[] = []
        for (const job of jobs) {
          const cancel = await canceller.json('POST', `/v1/jobs/${job.id}/cancel`, {}, [202])
          const seen = await waits.get(job.id)
          if (seen?.result.done[0]?.state !== 'cancelled') {
            throw new Error(`job ${job.id}: reader saw ${seen?.result.done[0]?.state ?? 'nothing'}`)
          }
          visible.push(seen.receivedAt - cancel.sentAt)
          replies.push(cancel.receivedAt - cancel.sentAt)
        }
        const f = { ...spread('visible', visible), ...spread('reply', replies) }
        ctx.log(
          `run ${i + 1}: visible p50 ${f['visible p50']?.toFixed(2)} p99 ${f['visible p99']?.toFixed(2)} ms`,
        )
        runs.push(f)
      } finally {
        readers.close()
        canceller.close()
        await server.stop()
      }
    }
    const notes = [
      `${count} \`sleep\` jobs (10 min) running at once (JOBVISOR_MAX_CONCURRENCY ${Math.max(1000, count)}); for each, a \`POST /v1/jobs/wait\` on its id is open before the cancels start; then each job is cancelled with \`POST /v1/jobs/{id}/cancel\` in turn, and the figure is the time from sending the cancel to the arrival of that reader's reply showing \`cancelled\` (client clock, both ends on 127.0.0.1).`,
    ]
    return { runs, notes }
  },
}
