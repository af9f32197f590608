import { join } from 'node:path'
import { runChild, startServer } from '../lib/child.ts'
import { HttpClient } from '../lib/http.ts'
import { sleep, spread } from '../lib/stats.ts'
import type { Figures, Scenario } from '../lib/types.ts'

interface Throughput {
  jobsPerSec: number
}

/** Worker threads: one per core of the 2-core reference machine, so two spinning runs fill them. */
const WORKERS = 2

/** Sequential `GET /healthz` over one keep-alive connection; the latency of each reply. */
async function probeHealth(client: HttpClient, count: number): Promise<number[]> {
  const latencies: number[] = []
  for (let i = 0; i < count; i++) {
    const reply = await client.json('GET', '/healthz', undefined, [200])
    latencies.push(reply.receivedAt - reply.sentAt)
  }
  return latencies
}

export const p9: Scenario = {
  name: 'p9',
  title: "isolation cost (`isolation: 'worker'` vs in-process)",
  bar: 'worker noop ≥ 0.3× in-process noop jobs/s; /healthz p99 while 2 CPU-bound worker jobs spin ≤ 2× idle',
  figures: [
    { key: 'in-process', label: '`noop` in-process, engine API until succeeded', unit: 'jobs/s' },
    { key: 'worker', label: `\`noop\` with isolation 'worker' (${WORKERS} threads), same`, unit: 'jobs/s' },
    { key: 'throughput ratio', label: 'worker / in-process', unit: '×' },
    {
      key: 'limited',
      label: `\`noop\` in-process with concurrency ${WORKERS} (the same engine path), same`,
      unit: 'jobs/s',
    },
    { key: 'limited ratio', label: `worker / in-process with concurrency ${WORKERS}`, unit: '×' },
    { key: 'idle p50', label: '/healthz idle, p50', unit: 'ms' },
    { key: 'idle p99', label: '/healthz idle, p99', unit: 'ms' },
    { key: 'spinning p50', label: `/healthz while ${WORKERS} worker jobs spin, p50`, unit: 'ms' },
    { key: 'spinning p99', label: `/healthz while ${WORKERS} worker jobs spin, p99`, unit: 'ms' },
    { key: 'health ratio', label: '/healthz p99 spinning / idle', unit: '×' },
  ],
  checks: [
    { label: 'worker noop ≥ 0.3× in-process', key: 'throughput ratio', op: '>=', goal: 0.3 },
    {
      label: `worker noop ≥ 0.3× in-process noop limited to ${WORKERS} at once`,
      key: 'limited ratio',
      op: '>=',
      goal: 0.3,
      informational: true,
    },
    { label: '/healthz p99 while 2 worker jobs spin ≤ 2× idle', key: 'health ratio', op: '<=', goal: 2 },
  ],
  async run(ctx) {
    const count = ctx.quick ? 500 : 5000
    const probes = ctx.quick ? 300 : 3000
    const runs: Figures[] = []
    for (let i = 0; i < ctx.runs; i++) {
      const f: Figures = {}
      for (const [key, type] of [
        ['in-process', 'noop'],
        ['worker', 'worker.noop'],
        ['limited', 'limited.noop'],
      ] as const) {
        const result = await runChild<Throughput>('p9-throughput.ts', {
          args: [join(ctx.tmp, `p9-${key}-${i}.db`), type, String(count), String(WORKERS)],
        })
        f[key] = result.jobsPerSec
      }
      f['throughput ratio'] = (f.worker ?? 0) / (f['in-process'] ?? 1)
      f['limited ratio'] = (f.worker ?? 0) / (f.limited ?? 1)

      const server = await startServer({
        env: {
          JOBVISOR_DB: join(ctx.tmp, `p9-health-${i}.db`),
          JOBVISOR_TYPES: 'bench/children/p9-types.ts',
          JOBVISOR_WORKERS: String(WORKERS),
          JOBVISOR_GRACE_MS: '100',
        },
        stdoutFile: join(ctx.tmp, `p9-health-${i}.log`),
      })
      const client = new HttpClient(server.url)
      try {
        await probeHealth(client, Math.min(200, probes)) // warm-up
        const idle = await probeHealth(client, probes)
        const spinning: string[] = []
        for (let s = 0; s < WORKERS; s++) {
          const created = await client.json('POST', '/v1/jobs', { type: 'worker.spin', params: {} }, [201])
          spinning.push((created.body as { id: string }).id)
        }
        // Both threads busy before the clock starts (a run reports nothing; give the threads a moment).
        await sleep(300)
        const busy = await probeHealth(client, probes)
        for (const id of spinning) await client.json('POST', `/v1/jobs/${id}/cancel`, {}, [202])
        Object.assign(f, spread('idle', idle), spread('spinning', busy))
        f['health ratio'] = (f['spinning p99'] ?? 0) / (f['idle p99'] ?? 1)
      } finally {
        client.close()
        await server.stop()
      }
      ctx.log(
        `run ${i + 1}: ${Object.entries(f)
          .map(([k, v]) => `${k} ${Math.round(v * 100) / 100}`)
          .join(', ')}`,
      )
      runs.push(f)
    }
    const notes = [
      `Throughput: ${count} jobs per side per run, each side a child process with the whole service (createService, SQLite file in WAL, default concurrency) and the same ${WORKERS}-thread pool loaded; jobs created with \`engine.createMany\` in chunks of 1000 after a 50-job warm-up, timed until the last \`job:finished\` (emitted after the outcome is stored). A worker-isolated type's concurrency is capped by its pool (${WORKERS}), so at most ${WORKERS} worker noops are in flight: each finish then frees one slot, and the engine claims and commits job by job instead of in batches — the reference \`limited.noop\` (in-process, concurrency ${WORKERS}) takes the same path, which separates the cost of the threads from that of the engine's per-job claim.`,
      `/healthz: ${probes} sequential requests on one keep-alive connection, once idle and once while ${WORKERS} \`worker.spin\` jobs (a \`for (;;) {}\` that never yields) occupy every thread; the spinning runs are then cancelled and forced by terminating their threads. Worker threads run at nice +10 (each lowers its own priority, src/jobs/worker/entry.ts), so the event loop keeps its core.`,
    ]
    return { runs, notes }
  },
}
