import { join } from 'node:path'
import { CHILDREN, startServer } from '../lib/child.ts'
import { HttpClient } from '../lib/http.ts'
import { createBatch, expectAll, ms, waitJobs } from '../lib/jobs.ts'
import { sleep, spread } from '../lib/stats.ts'
import type { Figures, Scenario } from '../lib/types.ts'

const FAN_IN = 'wait on N ids finishing over 1 s: reply − last finishedAt'
const ONE_JOB = 'N concurrent waits on one job: reply − finishedAt'
const HOLD = 'N held requests released by one timer: reply − release'

/** Arrival of a wait reply minus when its condition held: the last finishedAt in it, or the send, if later. */
function sinceCondition(reply: { sentAt: number; receivedAt: number }, finished: readonly (string | null)[]) {
  return reply.receivedAt - Math.max(...finished.map(ms), reply.sentAt)
}

export const p8: Scenario = {
  name: 'p8',
  title: 'wait fan-in (POST /v1/jobs/wait)',
  bar: '≤ 1.5× the reference, same run: bare Fastify answering the same held requests (fan-in: released by the last of N SQLite-committed timer completions; one job: N requests released by one timer)',
  figures: [
    { key: 'fan-in p50', label: `jobvisor: ${FAN_IN}, p50 of reps`, unit: 'ms' },
    { key: 'fan-in max', label: `jobvisor: ${FAN_IN}, max of reps`, unit: 'ms' },
    { key: 'ref fan-in p50', label: `reference: ${FAN_IN}, p50 of reps`, unit: 'ms' },
    { key: 'ref fan-in max', label: `reference: ${FAN_IN}, max of reps`, unit: 'ms' },
    { key: 'fan-in p50 / ref p50', label: 'ratio fan-in p50 jobvisor / reference', unit: '×' },
    { key: 'one-job p50', label: `jobvisor: ${ONE_JOB}, p50`, unit: 'ms' },
    { key: 'one-job p99', label: `jobvisor: ${ONE_JOB}, p99`, unit: 'ms' },
    { key: 'one-job max', label: `jobvisor: ${ONE_JOB}, max`, unit: 'ms' },
    { key: 'bare p50', label: `reference: bare Fastify, ${HOLD}, p50`, unit: 'ms' },
    { key: 'bare p99', label: `reference: bare Fastify, ${HOLD}, p99`, unit: 'ms' },
    { key: 'one-job p99 / bare p99', label: 'ratio one-job p99 jobvisor / reference', unit: '×' },
  ],
  checks: [
    { label: 'wait on 1,000 ids: ≤ 1.5× the reference', key: 'fan-in p50 / ref p50', op: '<=', goal: 1.5 },
    {
      label: '1,000 waits on one job: p99 ≤ 1.5× the reference',
      key: 'one-job p99 / bare p99',
      op: '<=',
      goal: 1.5,
    },
    { label: 'wait on 1,000 ids: ≤ 5 ms', key: 'fan-in p50', op: '<=', goal: 5, informational: true },
    {
      label: '1,000 waits on one job: p99 ≤ 5 ms',
      key: 'one-job p99',
      op: '<=',
      goal: 5,
      informational: true,
    },
  ],
  async run(ctx) {
    const count = ctx.quick ? 100 : 1000
    const spanMs = ctx.quick ? 300 : 1000
    const reps = ctx.quick ? 1 : 5
    const holdMs = ctx.quick ? 500 : 2000
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
      const f: Figures = {}
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
          fanIn.push(
            sinceCondition(
              reply,
              reply.result.done.map((j) => j.finishedAt),
            ),
          )
        }
        // (b) `count` concurrent waits on one job, all registered well before it finishes.
        const [job] = await createBatch(client, [{ type: 'sleep', params: { ms: holdMs } }])
        if (!job) throw new Error('no job created')
        const replies = await Promise.all(
          Array.from({ length: count }, () => waitJobs(waiters, [job.id], 30_000)),
        )
        const oneJob = replies.map((reply) => {
          const done = reply.result.done[0]
          if (done?.state !== 'succeeded') throw new Error(`p8 one-job: a reply saw ${done?.state}`)
          return reply.receivedAt - ms(done.finishedAt)
        })
        Object.assign(f, spread('fan-in', fanIn), spread('one-job', oneJob))
      } finally {
        client.close()
        waiters.close()
        await server.stop()
      }
      Object.assign(f, spread('ref fan-in', await referenceFanIn(ctx.tmp, i, count, spanMs, reps)))
      Object.assign(f, spread('bare', await bareRelease(ctx.tmp, count, holdMs)))
      f['fan-in p50 / ref p50'] = (f['fan-in p50'] ?? Number.NaN) / Math.max(0.01, f['ref fan-in p50'] ?? 0)
      f['one-job p99 / bare p99'] = (f['one-job p99'] ?? Number.NaN) / Math.max(0.01, f['bare p99'] ?? 0)
      ctx.log(
        `run ${i + 1}: fan-in p50 ${f['fan-in p50']?.toFixed(1)} / ref ${f['ref fan-in p50']?.toFixed(1)} ms; one-job p99 ${f['one-job p99']?.toFixed(1)} / bare ${f['bare p99']?.toFixed(1)} ms`,
      )
      runs.push(f)
      await sleep(10)
    }
    const notes = [
      `(a) ${count} \`sleep\` jobs of 0…${spanMs - 1} ms created in one batch, then one \`POST /v1/jobs/wait\` on all their ids (all_completed); the figure is the arrival of the whole reply minus the latest \`finishedAt\` in it (or the send, if later); ${reps} repetitions per run, p50 and max of those. (b) one \`sleep\` job and ${count} concurrent waits on it, each on its own connection; each reply's arrival minus the job's \`finishedAt\`.`,
      `(a)'s reference, same run (bench/children/p8-reference.ts): bare Fastify with the same pino request logging and better-sqlite3 (WAL) holds one request while ${count} timers spread over ${spanMs} ms complete rows (each committed, one transaction per event-loop turn), and answers it with all ${count} jobs, job-shaped, when the last commit is done; the same figure, from its stamps, ${reps} repetitions.`,
      `(b) is a fan-out of N replies on one event loop: its p99 is N × the cost of one reply, so it is set beside bare Fastify (+ the same pino request logging) answering N held long-polls from one timer, in the same run (bench/children/bare-server.ts, \`POST /v1/hold\`).`,
      'Stored times have ms resolution (truncated), on both sides, so these figures overstate by up to 1 ms; both ends use the same machine clock.',
    ]
    return { runs, notes }
  },
}

/** P8 (a)'s reference: `reps` fan-ins of `count` committed completions over `spanMs`, one held request each. */
async function referenceFanIn(tmp: string, run: number, count: number, spanMs: number, reps: number) {
  const server = await startServer({
    script: `${CHILDREN}p8-reference.ts`,
    env: { BENCH_DB: join(tmp, `p8-ref-${run}.db`) },
    stdoutFile: join(tmp, 'p8-ref.log'),
  })
  const client = new HttpClient(server.url)
  try {
    const out: number[] = []
    for (let r = 0; r < reps; r++) {
      const reply = await client.json('POST', '/v1/fan-in', { count, spanMs }, [200])
      const done = (reply.body as { done: { finishedAt: string | null }[] }).done
      if (done.length !== count) throw new Error(`p8 reference: ${done.length} of ${count} jobs in the reply`)
      out.push(
        sinceCondition(
          reply,
          done.map((j) => j.finishedAt),
        ),
      )
    }
    return out
  } finally {
    client.close()
    await server.stop()
  }
}

/** P8 (b)'s reference: N long-polls held by bare Fastify and answered by one timer; reply − release per request. */
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
