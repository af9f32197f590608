import { join } from 'node:path'
import { CHILDREN, startServer } from '../lib/child.ts'
import { HttpClient } from '../lib/http.ts'
import { createBatch, expectAll, ms, waitJobs } from '../lib/jobs.ts'
import { sleep, spread } from '../lib/stats.ts'
import type { Figures, Scenario } from '../lib/types.ts'

export const p8: Scenario = {
  name: 'p8',
  title: 'wait fan-in (POST /v1/jobs/wait)',
  bar: 'reply ≤ 5 ms after the condition holds',
  figures: [
    {
      key: 'fan-in p50',
      label: 'wait on N ids finishing over 1 s: reply − last finishedAt, p50 of reps',
      unit: 'ms',
    },
    {
      key: 'fan-in max',
      label: 'wait on N ids finishing over 1 s: reply − last finishedAt, max of reps',
      unit: 'ms',
    },
    { key: 'one-job p50', label: 'N concurrent waits on one job: reply − finishedAt, p50', unit: 'ms' },
    { key: 'one-job p99', label: 'N concurrent waits on one job: reply − finishedAt, p99', unit: 'ms' },
    { key: 'one-job max', label: 'N concurrent waits on one job: reply − finishedAt, max', unit: 'ms' },
    {
      key: 'bare p50',
      label: 'reference: bare Fastify releasing N held requests at once: reply − release, p50',
      unit: 'ms',
    },
    {
      key: 'bare p99',
      label: 'reference: bare Fastify releasing N held requests at once: reply − release, p99',
      unit: 'ms',
    },
    { key: 'one-job p99 / bare p99', label: 'ratio one-job p99 / bare p99', unit: '×' },
  ],
  checks: [
    {
      label: 'wait on 1,000 ids: reply ≤ 5 ms after the last finished',
      key: 'fan-in p50',
      op: '<=',
      goal: 5,
    },
    {
      label: '1,000 waits on one job: p99 reply ≤ 5 ms after it finished',
      key: 'one-job p99',
      op: '<=',
      goal: 5,
    },
    {
      label: '1,000 waits on one job: p99 ≤ 2× bare Fastify answering 1,000 held requests',
      key: 'one-job p99 / bare p99',
      op: '<=',
      goal: 2,
      informational: true,
    },
  ],
  async run(ctx) {
    const count = ctx.quick ? 100 : 1000
    const spanMs = ctx.quick ? 300 : 1000
    const reps = ctx.quick ? 1 : 5
    const runs: Figures[] = []
    for (let i = 0; i < ctx.runs; i++) {
      const server = await startServer({
        env: {
          JOBVISOR_DB: join(ctx.tmp, `p8-${i}.db`),
          JOBVISOR_MAX_CONCURRENCY: String(Math.max(1000, count)),
        },
        stdoutFile: join(ctx.tmp, `p8-${i}.log`),
      })
      const client = new HttpClient(server.url, { maxSockets: 2 })
      const waiters = new HttpClient(server.url, { maxSockets: Number.POSITIVE_INFINITY })
      try {
        // (a) one wait on `count` ids whose jobs finish one after another over `spanMs`.
        const fanIn: number[] = []
        for (let r = 0; r < reps; r++) {
          const jobs = await createBatch(
            client,
            Array.from({ length: count }, (_, k) => ({
              type: 'sleep',
              params: { ms: Math.floor((k * spanMs) / count) },
            })),
          )
          const reply = await waitJobs(
            waiters,
            jobs.map((j) => j.id),
            30_000,
          )
          expectAll(reply.result.done, 'succeeded', 'p8 fan-in')
          // The condition holds when the last job finished — or when the wait was sent, if that was later.
          const last = Math.max(...reply.result.done.map((j) => ms(j.finishedAt)), reply.sentAt)
          fanIn.push(reply.receivedAt - last)
        }
        // (b) `count` concurrent waits on one job, all registered well before it finishes.
        const [job] = await createBatch(client, [{ type: 'sleep', params: { ms: ctx.quick ? 500 : 2000 } }])
        if (!job) throw new Error('no job created')
        const replies = await Promise.all(
          Array.from({ length: count }, () => waitJobs(waiters, [job.id], 30_000)),
        )
        const oneJob = replies.map((reply) => {
          const done = reply.result.done[0]
          if (done?.state !== 'succeeded') throw new Error(`p8 one-job: a reply saw ${done?.state}`)
          return reply.receivedAt - ms(done.finishedAt)
        })
        const bare = spread('bare', await bareRelease(ctx.tmp, count, ctx.quick ? 500 : 2000))
        const f: Figures = { ...spread('fan-in', fanIn), ...spread('one-job', oneJob), ...bare }
        f['one-job p99 / bare p99'] = (f['one-job p99'] ?? 0) / Math.max(0.01, bare['bare p99'] ?? 0)
        ctx.log(
          `run ${i + 1}: fan-in ${fanIn.map((x) => x.toFixed(1)).join('/')} ms, one-job p99 ${f['one-job p99']?.toFixed(1)} ms, bare p99 ${bare['bare p99']?.toFixed(1)} ms`,
        )
        runs.push(f)
        await sleep(10)
      } finally {
        client.close()
        waiters.close()
        await server.stop()
      }
    }
    const notes = [
      `(a) ${count} \`sleep\` jobs of 0…${spanMs - 1} ms created in one batch, then one \`POST /v1/jobs/wait\` on all their ids (all_completed); the figure is the arrival of the whole reply minus the latest \`finishedAt\` in it; ${reps} repetitions per run, p50 and max of those. (b) one \`sleep\` job and ${count} concurrent waits on it, each on its own connection; each reply's arrival minus the job's \`finishedAt\`.`,
      `(b) is a fan-out of N replies on one event loop: its p99 is N × the cost of one reply, so it is set beside bare Fastify (+ the same pino request logging) answering N held long-polls from one timer, in the same run (bench/children/bare-server.ts).`,
      'Stored times have ms resolution (truncated), so these figures overstate by up to 1 ms; both ends use the same machine clock.',
    ]
    return { runs, notes }
  },
}

/** P8's reference: N long-polls held by bare Fastify and answered by one timer; reply − release per request. */
async function bareRelease(tmp: string, count: number, afterMs: number): Promise<number[]> {
  const server = await startServer({
    script: `${CHILDREN}bare-server.ts`,
    stdoutFile: join(tmp, 'p8-bare.log'),
  })
  const clients = new HttpClient(server.url, { maxSockets: Number.POSITIVE_INFINITY })
  try {
    const releaseAt = Date.now() + afterMs
    const replies = await Promise.all(
      Array.from({ length: count }, () => clients.json('POST', '/v1/hold', { releaseAt }, [200])),
    )
    return replies.map((reply) => {
      const body = reply.body as { done: { finishedAt: string }[] }
      return reply.receivedAt - ms(body.done[0]?.finishedAt ?? '')
    })
  } finally {
    clients.close()
    await server.stop()
  }
}
