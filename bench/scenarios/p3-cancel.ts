import { type Server, sidesInOrder, startSide } from '../lib/child.ts'
import { HttpClient } from '../lib/http.ts'
import { createBatch, listPage, waitJobs } from '../lib/jobs.ts'
import { sleep, spread } from '../lib/stats.ts'
import type { Figures, Scenario } from '../lib/types.ts'

const LABEL = 'request sent → cancelled seen by a waiting reader'

/**
 * The client loop both sides get: `count` running jobs, one held `POST /v1/jobs/wait` per job,
 * then each job cancelled in turn; request sent → that reader's reply arrived.
 */
async function cancelOneByOne(server: Server, count: number, settleMs: number, prefix: string) {
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
    await sleep(settleMs)
    const visible: number[] = []
    const replies: number[] = []
    for (const job of jobs) {
      const cancel = await canceller.json('POST', `/v1/jobs/${job.id}/cancel`, {}, [202])
      const seen = await waits.get(job.id)
      if (seen?.result.done[0]?.state !== 'cancelled') {
        throw new Error(`${prefix} job ${job.id}: reader saw ${seen?.result.done[0]?.state ?? 'nothing'}`)
      }
      visible.push(seen.receivedAt - cancel.sentAt)
      replies.push(cancel.receivedAt - cancel.sentAt)
    }
    return { ...spread(`${prefix}visible`, visible), ...spread(`${prefix}reply`, replies) }
  } finally {
    readers.close()
    canceller.close()
  }
}

export const p3: Scenario = {
  name: 'p3',
  title: 'cancel latency (running sleep jobs, cancelled over HTTP one by one)',
  bar: 'request sent → `cancelled` seen by a waiting reader: p99 ≤ 1.5× the reference p99 (bare Fastify + one SQLite commit answering a held long-poll, same run)',
  figures: [
    { key: 'visible p50', label: `jobvisor: ${LABEL}, p50`, unit: 'ms' },
    { key: 'visible p99', label: `jobvisor: ${LABEL}, p99`, unit: 'ms' },
    { key: 'visible max', label: `jobvisor: ${LABEL}, max`, unit: 'ms' },
    { key: 'reply p50', label: 'jobvisor: cancel reply (202) round trip, p50', unit: 'ms' },
    { key: 'reply p99', label: 'jobvisor: cancel reply (202) round trip, p99', unit: 'ms' },
    { key: 'ref visible p50', label: `reference: ${LABEL}, p50`, unit: 'ms' },
    { key: 'ref visible p99', label: `reference: ${LABEL}, p99`, unit: 'ms' },
    { key: 'ref visible max', label: `reference: ${LABEL}, max`, unit: 'ms' },
    { key: 'ref reply p99', label: 'reference: cancel reply (202) round trip, p99', unit: 'ms' },
    { key: 'visible p99 ratio', label: 'ratio visible p99 jobvisor / reference', unit: '×' },
  ],
  checks: [
    { label: 'cancel visible p99 ≤ 1.5× the reference p99', key: 'visible p99 ratio', op: '<=', goal: 1.5 },
    { label: 'cancel visible p99 ≤ 3 ms', key: 'visible p99', op: '<=', goal: 3, informational: true },
  ],
  async run(ctx) {
    const count = ctx.quick ? 50 : 1000
    const settleMs = ctx.quick ? 300 : 1000
    const runs: Figures[] = []
    for (let i = 0; i < ctx.runs; i++) {
      const f: Figures = {}
      for (const side of sidesInOrder(i)) {
        const server = await startSide(side, 'p3', i, ctx.tmp, Math.max(1000, count))
        try {
          Object.assign(f, await cancelOneByOne(server, count, settleMs, side === 'ref' ? 'ref ' : ''))
        } finally {
          await server.stop()
        }
      }
      f['visible p99 ratio'] = (f['visible p99'] ?? Number.NaN) / Math.max(0.01, f['ref visible p99'] ?? 0)
      ctx.log(
        `run ${i + 1}: visible p99 jobvisor ${f['visible p99']?.toFixed(2)} / reference ${f['ref visible p99']?.toFixed(2)} ms = ${f['visible p99 ratio']?.toFixed(2)}×`,
      )
      runs.push(f)
    }
    const notes = [
      `${count} \`sleep\` jobs (10 min) running at once (JOBVISOR_MAX_CONCURRENCY ${Math.max(1000, count)}); for each, a \`POST /v1/jobs/wait\` on its id is open before the cancels start; then each job is cancelled with \`POST /v1/jobs/{id}/cancel\` in turn, and the figure is the time from sending the cancel to the arrival of that reader's reply showing \`cancelled\` (client clock, both ends on 127.0.0.1).`,
      `Reference, same run, same client loop (bench/children/p3-reference.ts): bare Fastify with jobvisor's pino request logging and better-sqlite3 (WAL, synchronous=NORMAL, exclusive) on a temp file, serving the same paths and body shapes; its cancel is one transaction (UPDATE of the row's state), then it answers the held long-poll with a job-shaped body, then replies 202. The two sides run one after the other, in alternating order.`,
    ]
    return { runs, notes }
  },
}
