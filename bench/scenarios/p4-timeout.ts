import { type Server, sidesInOrder, startSide } from '../lib/child.ts'
import { HttpClient } from '../lib/http.ts'
import { createBatch, expectAll, type JobLite, ms, waitAll } from '../lib/jobs.ts'
import { type LoadStats, steadyLoad } from '../lib/load.ts'
import { sleep, spread } from '../lib/stats.ts'
import type { FigureDef, Figures, Scenario } from '../lib/types.ts'

/** Creates a second (the runner, a process apart from the server) sends while "under load". */
const LOAD_RATE = 500
const NOOP = { method: 'POST', path: '/v1/jobs', body: { type: 'noop', params: {} }, expect: [201] }

/** `finishedAt − startedAt − timeoutMs` of each job, from the stored records. */
const overruns = (jobs: readonly JobLite[]) =>
  jobs.map((j) => ms(j.finishedAt) - ms(j.startedAt) - (j.timeoutMs ?? Number.NaN))

async function jobvisorOverruns(client: HttpClient, timeouts: readonly number[]): Promise<number[]> {
  const specs = timeouts.map((timeoutMs) => ({ type: 'sleep', params: { ms: 10_000 }, timeoutMs }))
  const created = await createBatch(client, specs)
  const jobs = await waitAll(
    client,
    created.map((j) => j.id),
    30_000,
  )
  expectAll(jobs, 'timed_out', 'p4')
  return overruns(jobs)
}

async function referenceLateness(client: HttpClient, timeouts: readonly number[]) {
  const reply = await client.json('POST', '/timeouts', { timeouts }, [200])
  return reply.body as { committed: number[]; settled: number[] }
}

/** `measure` while `LOAD_RATE` creates/s arrive at `server`, after a short ramp. */
async function underLoad<T>(server: Server, measure: () => Promise<T>): Promise<[T, LoadStats]> {
  const load = steadyLoad(server.url, LOAD_RATE, NOOP)
  try {
    await sleep(300)
    const value = await measure()
    return [value, await load.stop()]
  } catch (err) {
    await load.stop()
    throw err
  }
}

const p = (prefix: string, label: string): FigureDef[] =>
  (['p50', 'p99', 'max'] as const).map((q) => ({ key: `${prefix} ${q}`, label: `${label} ${q}`, unit: 'ms' }))
const allowance = '(1.5 × reference p99 + 1 ms)'

export const p4: Scenario = {
  name: 'p4',
  title: 'timeout precision (sleep jobs that outlive their timeoutMs), idle and under 500 creates/s',
  bar: 'overrun p99 ≤ 1.5× the reference p99 + 1 ms (bare AbortController timeouts, outcomes committed to SQLite once per turn, same run), idle and under load',
  figures: [
    ...p('spread', 'jobvisor idle: finishedAt − startedAt − timeoutMs,'),
    ...p('spread load', `jobvisor under ${LOAD_RATE} creates/s: overrun`),
    ...p('ref spread', 'reference idle: committed − armed − timeout,'),
    ...p('ref load', `reference under ${LOAD_RATE} creates/s: lateness`),
    {
      key: 'ref settled p99',
      label: 'reference idle: settled (abort handled) − armed − timeout, p99',
      unit: 'ms',
    },
    {
      key: 'ref load settled p99',
      label: 'reference under load: settled − armed − timeout, p99',
      unit: 'ms',
    },
    { key: 'idle ratio', label: `jobvisor idle p99 / ${allowance}`, unit: '×' },
    { key: 'load ratio', label: `jobvisor under load p99 / ${allowance}`, unit: '×' },
    ...p('burst', 'jobvisor idle, all expiring at once: overrun'),
    { key: 'load rate', label: 'creates/s answered while jobvisor was under load', unit: 'req/s' },
    { key: 'ref load rate', label: 'creates/s answered while the reference was under load', unit: 'req/s' },
  ],
  checks: [
    { label: `idle: overrun p99 ≤ ${allowance}`, key: 'idle ratio', op: '<=', goal: 1 },
    { label: `under load: overrun p99 ≤ ${allowance}`, key: 'load ratio', op: '<=', goal: 1 },
    { label: 'idle: overrun p99 ≤ 3 ms', key: 'spread p99', op: '<=', goal: 3, informational: true },
    {
      label: 'overrun p99 ≤ 3 ms (timeouts in the same ms)',
      key: 'burst p99',
      op: '<=',
      goal: 3,
      informational: true,
    },
  ],
  async run(ctx) {
    const count = ctx.quick ? 50 : 1000
    // timeoutMs 200 … 1199 ms, one expiry per ms (quick: the same second, fewer of them).
    const spreadTimeouts = Array.from({ length: count }, (_, k) => 200 + Math.floor((k * 1000) / count))
    const burstTimeouts = spreadTimeouts.map(() => 200)
    const runs: Figures[] = []
    const notes: string[] = []
    for (let i = 0; i < ctx.runs; i++) {
      const f: Figures = {}
      for (const side of sidesInOrder(i)) {
        const server = await startSide(side, 'p4', i, ctx.tmp, Math.max(1000, count))
        const client = new HttpClient(server.url, { maxSockets: 4 })
        try {
          let load: LoadStats
          if (side === 'jobvisor') {
            Object.assign(f, spread('spread', await jobvisorOverruns(client, spreadTimeouts)))
            Object.assign(f, spread('burst', await jobvisorOverruns(client, burstTimeouts)))
            const [loaded, stats] = await underLoad(server, () => jobvisorOverruns(client, spreadTimeouts))
            Object.assign(f, spread('spread load', loaded))
            f['load rate'] = stats.rate
            load = stats
          } else {
            const idle = await referenceLateness(client, spreadTimeouts)
            const [loaded, stats] = await underLoad(server, () => referenceLateness(client, spreadTimeouts))
            Object.assign(f, spread('ref spread', idle.committed), spread('ref load', loaded.committed))
            f['ref settled p99'] = spread('s', idle.settled)['s p99'] ?? Number.NaN
            f['ref load settled p99'] = spread('s', loaded.settled)['s p99'] ?? Number.NaN
            f['ref load rate'] = stats.rate
            load = stats
          }
          if (load.errors + load.shed > 0)
            notes.push(
              `run ${i + 1}: ${side} load had ${load.errors} errors, ${load.shed} not sent (backlog)`,
            )
        } finally {
          client.close()
          await server.stop()
        }
      }
      const bound = (ref: number | undefined) => 1.5 * (ref ?? Number.NaN) + 1
      f['idle ratio'] = (f['spread p99'] ?? Number.NaN) / bound(f['ref spread p99'])
      f['load ratio'] = (f['spread load p99'] ?? Number.NaN) / bound(f['ref load p99'])
      ctx.log(
        `run ${i + 1}: p99 idle jobvisor ${f['spread p99']} / ref ${f['ref spread p99']?.toFixed(2)} ms (${f['idle ratio']?.toFixed(2)}); under load ${f['spread load p99']} / ${f['ref load p99']?.toFixed(2)} ms (${f['load ratio']?.toFixed(2)}); burst p99 ${f['burst p99']} ms`,
      )
      runs.push(f)
    }
    notes.push(
      `${count} \`sleep\` jobs (10 s) per variant, created by \`POST /v1/jobs/batch\`, running at once; figures from the stored \`startedAt\`/\`finishedAt\` (ms resolution; finishedAt is stamped when the handler settled, before its commit). "spread" gives the jobs timeouts of 200…1199 ms so about one expires per ms (the bar); "burst" gives all 200 ms, so each claim batch of up to 256 jobs expires in the same ms (informational).`,
      `Under load: while the timeouts run, the runner process sends ${LOAD_RATE} \`POST /v1/jobs\` \`noop\` creates a second (open loop, 16 keep-alive connections) to the same server, starting 300 ms before the batch.`,
      `Reference, same run (bench/children/p4-reference.ts): one process, the same timeouts as AbortController + setTimeout each aborting an abortable 10 s sleep; each outcome is inserted into SQLite (WAL, synchronous=NORMAL) in one transaction per event-loop turn (setImmediate); lateness = commit returned − armed − timeout, in high resolution (performance.now). It is bare Fastify with jobvisor's request logging, and under load takes the same creates, each inserting one row. The bar allows 1 ms on top for jobvisor's ms-truncated stamps.`,
    )
    return { runs, notes }
  },
}
