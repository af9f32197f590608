import { join } from 'node:path'
import { cannon, emptyLoad } from '../lib/autocannon.ts'
import { CHILDREN, type Server, startServer } from '../lib/child.ts'
import { percentile } from '../lib/stats.ts'
import type { Figures, Scenario } from '../lib/types.ts'

export const p1: Scenario = {
  name: 'p1',
  title: 'create throughput over HTTP (POST /v1/jobs, 50 connections)',
  bar: "≥ 0.8× the bare Fastify+zod route's req/s; p99 ≤ 1.5× its p99 (same logging, same run)",
  figures: [
    { key: 'jobvisor req/s', label: 'jobvisor POST /v1/jobs', unit: 'req/s' },
    { key: 'bare req/s', label: 'bare Fastify+zod POST', unit: 'req/s' },
    { key: 'jobvisor p99', label: 'jobvisor p99 latency', unit: 'ms' },
    { key: 'bare p99', label: 'bare p99 latency', unit: 'ms' },
    { key: 'ratio req/s', label: 'req/s ratio jobvisor / bare', unit: '×' },
    { key: 'ratio p99', label: 'p99 ratio jobvisor / bare', unit: '×' },
  ],
  checks: [
    { label: 'req/s ≥ 0.8× bare', key: 'ratio req/s', op: '>=', goal: 0.8 },
    { label: 'p99 ≤ 1.5× bare', key: 'ratio p99', op: '<=', goal: 1.5 },
  ],
  async run(ctx) {
    const slices = ctx.quick ? 1 : 5
    const sliceSeconds = ctx.quick ? 1 : 2
    const warmup = ctx.quick ? 0.3 : 2
    const runs: Figures[] = []
    const notes: string[] = []
    for (let i = 0; i < ctx.runs; i++) {
      const bare = await startServer({
        script: `${CHILDREN}bare-server.ts`,
        stdoutFile: join(ctx.tmp, `bare-${i}.log`),
      })
      // If jobvisor fails to start, the bare server must not outlive the scenario.
      const jobvisor = await startServer({
        env: { JOBVISOR_DB: join(ctx.tmp, `p1-${i}.db`) },
        stdoutFile: join(ctx.tmp, `jobvisor-${i}.log`),
      }).catch(async (err: unknown) => {
        await bare.stop()
        throw err
      })
      const servers: Record<'jobvisor' | 'bare', Server> = { bare, jobvisor }
      const figures: Figures = {}
      try {
        const load = { bare: emptyLoad(), jobvisor: emptyLoad() }
        for (const name of ['bare', 'jobvisor'] as const) await cannon(servers[name].url, warmup, emptyLoad())
        // Short alternating slices, so a burst of load from elsewhere on the machine hits both sides.
        for (let slice = 0; slice < slices; slice++) {
          const order =
            (i + slice) % 2 === 0 ? (['bare', 'jobvisor'] as const) : (['jobvisor', 'bare'] as const)
          for (const name of order) await cannon(servers[name].url, sliceSeconds, load[name])
        }
        for (const name of ['bare', 'jobvisor'] as const) {
          const r = load[name]
          if (r.bad > 0) notes.push(`run ${i + 1}: ${name} had ${r.bad} non-2xx responses or errors`)
          figures[`${name} req/s`] = r.ok / r.seconds
          figures[`${name} p99`] = percentile(r.latencies, 99)
          ctx.log(
            `run ${i + 1}: ${name} ${Math.round(r.ok / r.seconds)} req/s, p99 ${figures[`${name} p99`]} ms`,
          )
        }
      } finally {
        await Promise.all(Object.values(servers).map((s) => s.stop()))
      }
      figures['ratio req/s'] = (figures['jobvisor req/s'] ?? 0) / (figures['bare req/s'] ?? 1)
      figures['ratio p99'] = (figures['jobvisor p99'] ?? 0) / (figures['bare p99'] ?? 1)
      runs.push(figures)
    }
    notes.push(
      `autocannon in the runner process, each server in its own child process on 127.0.0.1; ${slices} alternating slices of ${sliceSeconds} s per server after ${warmup} s of warm-up each; pino info logging to a file for both.`,
    )
    return { runs, notes }
  },
}
